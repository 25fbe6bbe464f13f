/**
 * A response body in HTTP/1.1 chunked framing (`Transfer-Encoding: chunked`), for bodies
 * whose length is not known when the head is sent (a compressed stream, generated output).
 * Each `write` becomes one chunk, `<hex size>\r\n<data>\r\n`, handed to the connection's
 * {@linkcode WFile} as one write so a small chunk is staged with the rest of the response;
 * `close()` sends the last chunk, `0\r\n\r\n` (no trailers).
 *
 * The handler sends the `Transfer-Encoding: chunked` header itself (and no `Content-Length`),
 * and only to an HTTP/1.1 client: an HTTP/1.0 client does not know the framing.
 *
 * @example A body of unknown length
 * ```ts ignore
 * import { BaseHTTPRequestHandler } from "../handlers/base.ts";
 * import { ChunkedWriter } from "./chunked_writer.ts";
 *
 * class Stream extends BaseHTTPRequestHandler {
 *   override protocol_version = "HTTP/1.1";
 *   async do_GET() {
 *     this.send_response(200);
 *     this.send_header("Transfer-Encoding", "chunked");
 *     await this.end_headers();
 *     const body = new ChunkedWriter(this.wfile, { withoutBody: this.command === "HEAD" });
 *     for (const part of ["one ", "two ", "three\n"]) {
 *       await body.write(new TextEncoder().encode(part));
 *     }
 *     await body.close();
 *   }
 * }
 * ```
 *
 * @module
 */
import { WRITE_COALESCE_LIMIT } from "../constants.ts";
import { ChunkedBodyClosedError } from "../errors.ts";
import type { WFile } from "./wfile.ts";

/** `\r\n`: ends a chunk's size line and its data. */
const CRLF: Uint8Array = new Uint8Array([0x0d, 0x0a]);
/** The last chunk and the empty trailer section that end a chunked body. */
const LAST_CHUNK: Uint8Array = new Uint8Array([0x30, 0x0d, 0x0a, 0x0d, 0x0a]);
/** Hex digits of a chunk size line, as bytes. */
const HEX_DIGITS: Uint8Array = new TextEncoder().encode("0123456789abcdef");
/** Bytes of the longest size line: 14 hex digits (any safe integer) and CRLF. */
const MAX_SIZE_LINE_LENGTH = 16;

/** How a {@linkcode ChunkedWriter} is set up. */
export interface ChunkedWriterOptions {
  /**
   * Write nothing, not even the last chunk: the answer to a HEAD request, whose head says
   * `chunked` as a GET's would but which has no body.
   */
  withoutBody?: boolean;
}

/**
 * Writes a body as chunks through a {@linkcode WFile}. Await each call before the next: the
 * writer reuses one small buffer for size lines.
 *
 * @example
 * ```ts
 * import { ChunkedWriter } from "./chunked_writer.ts";
 * import { MemoryConnection } from "./memory.ts";
 * import { WFile } from "./wfile.ts";
 * const conn = new MemoryConnection("");
 * const wfile = new WFile(conn);
 * const body = new ChunkedWriter(wfile);
 * await body.write(new TextEncoder().encode("hello"));
 * await body.close();
 * await wfile.flush();
 * new TextDecoder().decode(conn.output()); // "5\r\nhello\r\n0\r\n\r\n"
 * ```
 */
export class ChunkedWriter {
  readonly #wfile: WFile;
  readonly #withoutBody: boolean;
  /** Size line, written right-aligned; the writer's only buffer, reused for every chunk. */
  readonly #sizeLine = new Uint8Array(MAX_SIZE_LINE_LENGTH);
  /** `[size line, data, CRLF]`, reused: `writeChunks` copies before it returns. */
  readonly #parts: Uint8Array[] = [CRLF, CRLF, CRLF];
  #closed = false;
  #bodyBytes = 0;

  /**
   * Creates the writer; the head must already be written (or staged) on `wfile`.
   *
   * @param wfile The connection's writer.
   * @param options See {@linkcode ChunkedWriterOptions}.
   */
  constructor(wfile: WFile, options: ChunkedWriterOptions = {}) {
    this.#wfile = wfile;
    this.#withoutBody = options.withoutBody ?? false;
  }

  /** Body bytes written so far (data only, without the chunk framing). */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `data` as one chunk; empty data sends nothing (an empty chunk would end the body).
   *
   * @param data The bytes.
   * @returns The number of data bytes taken.
   * @throws {ChunkedBodyClosedError} The body was already closed.
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  async write(data: Uint8Array): Promise<number> {
    if (this.#closed) throw new ChunkedBodyClosedError();
    const n = data.length;
    if (n === 0) return 0;
    this.#bodyBytes += n;
    if (this.#withoutBody) return n;
    const sizeLine = this.#encodeSizeLine(n);
    const wfile = this.#wfile;
    if (n < WRITE_COALESCE_LIMIT) {
      // One staged write: `writeChunks` copies the parts before it returns.
      const parts = this.#parts;
      parts[0] = sizeLine;
      parts[1] = data;
      const written = wfile.writeChunks(parts);
      parts[1] = CRLF; // not kept past the call
      await written;
    } else {
      // Large data goes to the socket as it is, not copied: the size line (a copy, as the
      // write may wait for a flush), the data, then CRLF staged for what follows.
      await wfile.write(sizeLine.slice());
      await wfile.write(data);
      await wfile.write(CRLF);
    }
    return n;
  }

  /**
   * Ends the body with the last chunk (`0\r\n\r\n`). Later calls do nothing.
   *
   * @throws {ClientDisconnectedError} The peer has gone away.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#withoutBody) await this.#wfile.write(LAST_CHUNK);
  }

  /** `<hex n>\r\n`, a view of the reused size-line buffer. */
  #encodeSizeLine(n: number): Uint8Array {
    const line = this.#sizeLine;
    let start = MAX_SIZE_LINE_LENGTH - 2;
    line[start] = 0x0d;
    line[start + 1] = 0x0a;
    do {
      line[--start] = HEX_DIGITS[n % 16];
      n = Math.floor(n / 16);
    } while (n > 0);
    return line.subarray(start);
  }
}
