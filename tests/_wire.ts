/**
 * Test clients that speak raw bytes over a real socket: a persistent connection that reads
 * one response at a time (as `http.client` does), and a server started in a child Deno
 * process, for tests that must see what the server writes to stderr.
 *
 * @module
 */
import { fromLatin1, latin1 } from "./_helpers.ts";

/** Milliseconds a read waits before the test fails instead of hanging. */
export const READ_TIMEOUT_MS = 5_000;

/** One parsed response. */
export interface RawResponse {
  /** The status line, e.g. `HTTP/1.1 200 OK`. */
  statusLine: string;
  status: number;
  reason: string;
  /** Header pairs in order, as sent. */
  headers: [string, string][];
  /** The body, latin-1 decoded. */
  body: string;
  /** The whole response as received, latin-1 decoded. */
  raw: string;
}

/** The first value of a header, any case. */
export function header(response: RawResponse, name: string): string | undefined {
  const lower = name.toLowerCase();
  return response.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** A client connection reading responses one by one. */
export class RawClient {
  readonly conn: Deno.TcpConn;
  #buf = new Uint8Array(0);
  #eof = false;
  readonly #chunk = new Uint8Array(64 * 1024);
  #pending: Promise<Uint8Array | null> | null = null;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /** Connects to `host:port`. */
  static async connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: host, port }));
  }

  /** The local port (what the server sees as the client's port). */
  get localPort(): number {
    return this.conn.localAddr.port;
  }

  /** Writes all of `data` (a string is latin-1 encoded). */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? latin1(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Half-closes: the server reads EOF. */
  async closeWrite(): Promise<void> {
    await this.conn.closeWrite();
  }

  /**
   * Reads more bytes into the buffer; false at EOF (or reset). Throws after `timeoutMs`
   * unless `timeoutMs` is negative, in which case a timeout returns null.
   */
  async #more(timeoutMs: number): Promise<boolean | null> {
    if (this.#eof) return false;
    // A read that outlived an earlier timeout is still pending: wait for it, not a new one.
    if (this.#pending === null) {
      const chunk = this.#chunk;
      this.#pending = this.conn.read(chunk).then(
        (n) => n === null ? null : chunk.slice(0, n),
        (error) => {
          if (error instanceof Deno.errors.ConnectionReset) return null;
          throw error;
        },
      );
    }
    const pending = this.#pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = Math.abs(timeoutMs);
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), limit);
    });
    try {
      const data = await Promise.race([pending, expired]);
      if (data === "timeout") {
        if (timeoutMs < 0) return null;
        throw new Error(`no data from the server within ${limit} ms`);
      }
      this.#pending = null;
      if (data === null) {
        this.#eof = true;
        return false;
      }
      const merged = new Uint8Array(this.#buf.length + data.length);
      merged.set(this.#buf);
      merged.set(data, this.#buf.length);
      this.#buf = merged;
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  #take(n: number): string {
    const out = fromLatin1(this.#buf.subarray(0, n));
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /**
   * Reads one response: the head, then a body by `Content-Length`, none for HEAD, 1xx, 204
   * and 304, or everything up to EOF. Null when the server closed before sending a byte.
   */
  async readResponse(
    options: { head?: boolean; timeoutMs?: number } = {},
  ): Promise<RawResponse | null> {
    const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
    let end: number;
    while ((end = fromLatin1(this.#buf).indexOf("\r\n\r\n")) < 0) {
      if (!(await this.#more(timeoutMs))) {
        if (this.#buf.length === 0) return null;
        throw new Error(`EOF inside a response head: ${JSON.stringify(fromLatin1(this.#buf))}`);
      }
    }
    const head = this.#take(end + 4);
    const [statusLine, ...lines] = head.slice(0, -4).split("\r\n");
    const match = /^HTTP\/\d+\.\d+ (\d{3}) ?(.*)$/.exec(statusLine);
    if (match === null) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const status = Number(match[1]);
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const response: RawResponse = {
      statusLine,
      status,
      reason: match[2],
      headers,
      body: "",
      raw: head,
    };
    if (options.head || status < 200 || status === 204 || status === 304) return response;
    const length = header(response, "Content-Length");
    if (length !== undefined) {
      const n = Number(length);
      while (this.#buf.length < n) {
        if (!(await this.#more(timeoutMs))) throw new Error("EOF inside a body");
      }
      response.body = this.#take(n);
    } else {
      while (await this.#more(timeoutMs));
      response.body = this.#take(this.#buf.length);
    }
    response.raw += response.body;
    return response;
  }

  /** Everything until EOF, latin-1 decoded. */
  async readToEnd(timeoutMs = READ_TIMEOUT_MS): Promise<string> {
    while (await this.#more(timeoutMs));
    return this.#take(this.#buf.length);
  }

  /**
   * Whether the server closed the connection within `timeoutMs` (true) or kept it open
   * without sending anything (false). Data received meanwhile fails the test.
   */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    const more = await this.#more(-timeoutMs);
    if (more === true) {
      throw new Error(`unexpected data: ${JSON.stringify(fromLatin1(this.#buf))}`);
    }
    return more === false;
  }

  /** Closes the connection (idempotent); a read still pending ends with it. */
  close(): void {
    this.#pending?.catch(() => {});
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Reads a child's output until its first line is complete, the stream ends, or `timeoutMs`
 * passes; then stops reading. Returns what was read.
 */
export async function readFirstLine(
  stream: ReadableStream<Uint8Array>,
  timeoutMs: number,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    while (!out.includes("\n")) {
      const next = await Promise.race([reader.read(), expired]);
      if (next === "timeout" || next.done) break;
      out += next.value;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel();
  }
  return out;
}

/** A server running in a child `deno` process. */
export interface ChildServer {
  port: number;
  /** Stops the process and returns everything it wrote to stderr. */
  stop(): Promise<string>;
}

/**
 * Runs `code` (TypeScript, `{ROOT}` replaced by the repository's file URL, ending with a
 * slash) in a child Deno process. The code must print the port it serves on as its first
 * stdout line.
 */
export async function spawnServerScript(code: string): Promise<ChildServer> {
  const root = new URL("../", import.meta.url).href;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code.replaceAll("{ROOT}", root)],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const out = await readFirstLine(child.stdout, 20_000);
  const port = Number(out.split("\n")[0]);
  if (!Number.isInteger(port) || port <= 0) {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`the child server did not start: ${out}\n${await stderrText}`);
  }
  return {
    port,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
      return await stderrText;
    },
  };
}
