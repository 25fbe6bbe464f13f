"""Benchmark twin of bench/base_handler.ts in CPython 3.13: a BaseHTTPRequestHandler subclass
answering GET with a fixed 1 KiB body and Content-Length, under ThreadingHTTPServer with
protocol_version = "HTTP/1.1". The request log is silenced.

Run: python3.13 bench/python_base_handler.py [port] [--tuned]
--tuned sets disable_nagle_algorithm = True (CPython's default is False, which stalls
keep-alive responses written as a header block and a body on the peer's delayed ACK) and
request_queue_size = 1024 (the default 5 can drop connection bursts). Without it, the handler
runs with CPython's defaults, as a user's port would.
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"x" * 1024


class OneKiBHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format, *args):
        pass


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    port = int(args[0]) if args else 8204
    if "--tuned" in sys.argv:
        OneKiBHandler.disable_nagle_algorithm = True
        ThreadingHTTPServer.request_queue_size = 1024
    with ThreadingHTTPServer(("127.0.0.1", port), OneKiBHandler) as server:
        print(f"python base handler on {port} ({sys.version.split()[0]})", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
