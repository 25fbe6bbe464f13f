/**
 * Limits and defaults, each named once. Every limit here is also an overridable attribute of
 * the class that applies it (see the `@see` on each).
 *
 * @example Read a limit
 * ```ts
 * import { MAX_LINE_LENGTH } from "./constants.ts";
 * MAX_LINE_LENGTH; // 65536
 * ```
 *
 * @module
 */

/** `http.server.__version__`: the version in `server_version` strings. */
export const MODULE_VERSION = "0.6";

/**
 * Longest request line or header line accepted, in bytes including the line end
 * (CPython `http.client._MAXLINE`). A longer request line gets 414, a longer header line 431.
 * @see {@linkcode BaseHTTPRequestHandler.max_line_length}
 */
export const MAX_LINE_LENGTH = 65536;

/**
 * Most header lines read, counting the blank line that ends the block, as CPython 3.11-3.14
 * count them (`http.client._MAXHEADERS`): 100 header lines already get 431.
 * @see {@linkcode BaseHTTPRequestHandler.max_headers}
 */
export const MAX_HEADERS = 100;

/**
 * Size of the read buffer each connection starts with and keeps while idle, in bytes: a
 * request head of a few hundred bytes (a browser's without large cookies, any tool's) fits, and
 * an idle connection costs little; a larger head moves into a pooled `READ_BUFFER_SIZE` one
 * (nginx starts at 1 KiB, `client_header_buffer_size`).
 */
export const INITIAL_READ_BUFFER_SIZE = 2 * 1024;

/**
 * Size of the read buffer `rfile` grows into (borrowed from a pool shared by the server) for
 * a request head that does not fit the initial one or a body that streams in, in bytes.
 */
export const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Size of the staging buffer `wfile` coalesces a response's small writes in, in bytes
 * (borrowed per response from a shared pool; it doubles up to `WRITE_COALESCE_LIMIT`).
 */
export const WRITE_STAGE_SIZE = 16 * 1024;

/**
 * Bytes of one slab the small read buffers are cut from (64 of 2 KiB): memory the runtime maps
 * for the slab alone (a WebAssembly memory, whose pages are a multiple of 64 KiB) and unmaps
 * once the slab is dropped, so the buffers of connections that ended go back to the system
 * instead of staying in the C allocator's heap among allocations still in use.
 */
export const SMALL_READ_SLAB_SIZE = 128 * 1024;

/**
 * Most slabs of small read buffers kept with none of their buffers in use (1 MiB): the next
 * connections take from them without mapping new ones; further empty slabs are dropped.
 */
export const POOLED_EMPTY_SMALL_READ_SLABS = 8;

/** Most grown read buffers kept for reuse while no connection needs one (1 MiB). */
export const POOLED_READ_BUFFERS = 16;

/** Most staging buffers kept for reuse between responses (1 MiB): covers a keep-alive load. */
export const POOLED_STAGE_BUFFERS = 64;

/** Most file copy buffers kept for reuse between large responses (1 MiB). */
export const POOLED_COPY_BUFFERS = 4;

/**
 * `wfile` coalesces small writes into one socket write up to this many bytes; a write that
 * would go past it is sent at once (so a slow reader holds at most this much in memory).
 */
export const WRITE_COALESCE_LIMIT = 64 * 1024;

/** Chunk size used when copying a file or a body from one stream to another. */
export const COPY_CHUNK_SIZE = 256 * 1024;

/** The default port of the command line (`python -m http.server`). */
export const DEFAULT_PORT = 8000;

/** Default most bytes of one upload (1 GiB): a disk image or a video, not a disk. */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 ** 3;

/** CPython's `DEFAULT_ERROR_CONTENT_TYPE` (no space after the semicolon). */
export const DEFAULT_ERROR_CONTENT_TYPE = "text/html;charset=utf-8";

/**
 * CPython 3.13's `DEFAULT_ERROR_MESSAGE`: the `send_error` page, with Python `%(name)s` /
 * `%(name)d` placeholders so a Python override ports unchanged.
 */
export const DEFAULT_ERROR_MESSAGE = `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: %(code)d</p>
        <p>Message: %(message)s.</p>
        <p>Error code explanation: %(code)s - %(explain)s.</p>
    </body>
</html>
`;

/**
 * Seconds a client has to send a request's line and headers: from the moment its connection
 * is accepted for the first request, from the request's first byte for later requests on a
 * persistent connection. A client still sending its head then is dropped with one log line
 * (a slow-header, "slowloris", client). Not in CPython. The request body and the response are
 * not covered: a slow download is never cut off by it.
 * @see {@linkcode HTTPServer.header_timeout}
 */
export const DEFAULT_HEADER_TIMEOUT = 60;

/**
 * Seconds a persistent (keep-alive) connection may stay silent between a response and the
 * next request before the server closes it, quietly. Longer than the 60 s idle timeout of
 * common proxies and load balancers, so that they close first (as nginx's 75 s). Not in
 * CPython.
 * @see {@linkcode HTTPServer.idle_timeout}
 */
export const DEFAULT_IDLE_TIMEOUT = 75;

/**
 * Most connections a threading server handles at once; further ones wait in the kernel's
 * accept queue until one ends (they are never refused). Not in CPython.
 * @see {@linkcode HTTPServer.max_connections}
 */
export const DEFAULT_MAX_CONNECTIONS = 1024;
