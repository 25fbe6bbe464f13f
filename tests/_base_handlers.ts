/**
 * Handlers shared by the black-box and parity tests. Each mirrors, line for line, a Python
 * class of `tests/parity/record_transcripts.py`, so that the recorded CPython answers apply.
 *
 * @module
 */
import { BaseHTTPRequestHandler } from "../handlers/base.ts";
import { encodeLatin1 } from "../protocol/latin1.ts";
import type { FormatValue } from "../protocol/python_text.ts";

const encoder = new TextEncoder();

/** Logging silenced, as the recorder's `Quiet` base class. */
export class Quiet extends BaseHTTPRequestHandler {
  override log_message(_format: string, ..._args: FormatValue[]): void {}
}

/** A BaseHTTPRequestHandler with every default: HTTP/1.0, no do_* methods. */
export class PlainHandler extends Quiet {}

/** `BaseHTTPServerTestCase.request_handler` of `Lib/test/test_httpservers.py` (spec §7.1). */
export class SuiteHandler extends Quiet {
  override protocol_version = "HTTP/1.1";
  override default_request_version = "HTTP/1.1";

  async do_TEST(): Promise<void> {
    this.send_response(204);
    this.send_header("Content-Type", "text/html");
    this.send_header("Connection", "close");
    await this.end_headers();
  }

  async do_KEEP(): Promise<void> {
    this.send_response(204);
    this.send_header("Content-Type", "text/html");
    this.send_header("Connection", "keep-alive");
    await this.end_headers();
  }

  async do_KEYERROR(): Promise<void> {
    await this.send_error(999);
  }

  async do_NOTFOUND(): Promise<void> {
    await this.send_error(404);
  }

  async do_EXPLAINERROR(): Promise<void> {
    await this.send_error(999, "Short Message", "This is a long \n explanation");
  }

  async do_CUSTOM(): Promise<void> {
    this.send_response(999);
    this.send_header("Content-Type", "text/html");
    this.send_header("Connection", "close");
    await this.end_headers();
  }

  async do_LATINONEHEADER(): Promise<void> {
    this.send_response(999);
    this.send_header("X-Special", "Dängerous Mind");
    this.send_header("Connection", "close");
    await this.end_headers();
    const incoming = this.headers.get("x-special-incoming");
    // Python: None.encode(...) raises AttributeError when the header is missing.
    if (incoming === undefined) {
      throw new TypeError("'NoneType' object has no attribute 'encode'");
    }
    await this.wfile.write(encoder.encode(incoming));
  }

  async do_SEND_ERROR(): Promise<void> {
    await this.send_error(Number.parseInt(this.path.slice(1), 10));
  }

  async do_HEAD(): Promise<void> {
    await this.send_error(Number.parseInt(this.path.slice(1), 10));
  }
}

/** HTTP/1.1 handler whose GET/POST echo what the parser saw, with a Content-Length. */
export class EchoHandler extends Quiet {
  override protocol_version = "HTTP/1.1";

  async do_GET(): Promise<void> {
    const length = Number.parseInt(this.headers.get("Content-Length", "0"), 10);
    const data = length > 0 ? await this.rfile.read(length) : new Uint8Array(0);
    const lines = [
      "requestline=" + this.requestline,
      "command=" + this.command,
      "path=" + this.path,
      "version=" + this.request_version,
      "close=" + (this.close_connection ? "True" : "False"),
    ];
    for (const [name, value] of this.headers.items()) lines.push(`header ${name}=${value}`);
    lines.push(`body=${data.length}`);
    const head = encodeLatin1(lines.join("\n") + "\n");
    const body = new Uint8Array(head.length + data.length);
    body.set(head);
    body.set(data, head.length);
    this.send_response(200);
    this.send_header("Content-Type", "text/plain");
    this.send_header("Content-Length", String(body.length));
    await this.end_headers();
    await this.wfile.write(body);
  }

  do_POST(): Promise<void> {
    return this.do_GET();
  }
}

/** The recorder's handler keys. */
export const PARITY_HANDLERS = {
  plain: PlainHandler,
  suite: SuiteHandler,
  echo: EchoHandler,
} as const;
