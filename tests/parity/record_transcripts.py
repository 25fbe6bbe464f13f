#!/usr/bin/env python3
"""Record CPython 3.13's answers to raw requests for tests/parity_base_test.ts.

Run with CPython 3.13 (not the system python3):

    $(PYENV_VERSION=3.13.0 pyenv which python3) tests/parity/record_transcripts.py

It starts three CPython servers on 127.0.0.1 port 0, each with one of the handlers below
(mirrored in tests/_base_handlers.ts), sends every request of CASES over a fresh socket, reads
the full response until the server closes (or a short idle timeout, which is reported as an
error: every case must end with the server closing), and writes
tests/parity/base_transcripts.json with the request and response as latin-1 strings and the
Date/Server header values masked.

The CPython 3.13.0 on this machine predates gh-70765, so a two-word HTTP/0.9 request makes it
read "headers" until a blank line or EOF; those cases half-close the client side, which gives
the same bytes as a server that answers at once.
"""

import http.server
import json
import os
import re
import socket
import sys
import threading

IDLE_TIMEOUT = 3.0


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class PlainHandler(Quiet):
    """A BaseHTTPRequestHandler with every default: HTTP/1.0, no do_* methods."""


class SuiteHandler(Quiet):
    """BaseHTTPServerTestCase.request_handler of Lib/test/test_httpservers.py (spec 7.1)."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"

    def do_TEST(self):
        self.send_response(204)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()

    def do_KEEP(self):
        self.send_response(204)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "keep-alive")
        self.end_headers()

    def do_KEYERROR(self):
        self.send_error(999)

    def do_NOTFOUND(self):
        self.send_error(404)

    def do_EXPLAINERROR(self):
        self.send_error(999, "Short Message", "This is a long \n explanation")

    def do_CUSTOM(self):
        self.send_response(999)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()

    def do_LATINONEHEADER(self):
        self.send_response(999)
        self.send_header("X-Special", "Dängerous Mind")
        self.send_header("Connection", "close")
        self.end_headers()
        body = self.headers["x-special-incoming"].encode("utf-8")
        self.wfile.write(body)

    def do_SEND_ERROR(self):
        self.send_error(int(self.path[1:]))

    def do_HEAD(self):
        self.send_error(int(self.path[1:]))


class EchoHandler(Quiet):
    """HTTP/1.1 handler whose GET/POST echo what the parser saw, with a Content-Length."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length) if length > 0 else b""
        lines = [
            "requestline=" + self.requestline,
            "command=" + self.command,
            "path=" + self.path,
            "version=" + self.request_version,
            "close=" + str(self.close_connection),
        ]
        for name, value in self.headers.items():
            lines.append("header " + name + "=" + value)
        lines.append("body=%d" % len(data))
        body = ("\n".join(lines) + "\n").encode("latin-1") + data
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


HANDLERS = {
    "plain": PlainHandler,
    "suite": SuiteHandler,
    "echo": EchoHandler,
}


def many_headers(n):
    return "".join("X-%d: %d\r\n" % (i, i) for i in range(n))


# (name, handler, request as a latin-1 string, half-close after sending)
CASES = [
    # --- plain handler: HTTP/1.0, default_request_version HTTP/0.9 ---
    ("GET HTTP/1.0 without do_GET is 501", "plain", "GET / HTTP/1.0\r\n\r\n", False),
    ("POST is 501 with the method in the reason", "plain", "POST / HTTP/1.0\r\n\r\n", False),
    ("lowercase get is 501", "plain", "get / HTTP/1.0\r\n\r\n", False),
    ("custom method is 501", "plain", "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", False),
    ("HEAD error has no body", "plain", "HEAD / HTTP/1.0\r\n\r\n", False),
    ("method with a quote uses double-quoted repr", "plain", "GE'T / HTTP/1.0\r\n\r\n", False),
    ("method with a control byte is escaped in repr", "plain", "GE\x01T / HTTP/1.0\r\n\r\n", False),
    ("latin-1 method reaches the status line", "plain", "G\xc4T / HTTP/1.0\r\n\r\n", False),
    ("markup in the method is escaped in the page", "plain",
     '<script>alert("hello")</script> / HTTP/1.0\r\n\r\n', False),
    ("bad version FUBAR is body-only 400", "plain", "GET / FUBAR\r\n\r\n", False),
    ("lowercase http version is 400", "plain", "GET / http/1.1\r\n\r\n", False),
    ("version without minor is 400", "plain", "GET / HTTP/1\r\n\r\n", False),
    ("version with three parts is 400", "plain", "GET / HTTP/9.9.9\r\n\r\n", False),
    ("version with signs is 400", "plain", "GET / HTTP/-9_9_9.+9_9_9\r\n\r\n", False),
    ("major version too long is 400", "plain", "GET / HTTP/909876543210.0\r\n\r\n", False),
    ("minor version too long is 400", "plain", "GET / HTTP/1.909876543210\r\n\r\n", False),
    ("version with a letter is 400", "plain", "GET / HTTP/1.1a\r\n\r\n", False),
    ("HTTP/2.0 is body-only 505", "plain", "GET / HTTP/2.0\r\n\r\n", False),
    ("HTTP/1.10 is accepted", "plain", "GET / HTTP/1.10\r\n\r\n", False),
    ("HTTP/01.1 is accepted", "plain", "GET / HTTP/01.1\r\n\r\n", False),
    ("one word is body-only 400", "plain", "GET\r\n", False),
    ("a bare path keeps its spaces in the message", "plain", " / \r\n", False),
    ("HTTP/0.9 POST is body-only 400", "plain", "POST /x\r\n", False),
    ("HTTP/0.9 GET is body-only 501", "plain", "GET /x\r\n", True),
    ("HTTP/0.9 GET followed by headers", "plain", "GET /x\r\nHost: a\r\n\r\n", True),
    ("HTTP/0.9 GET with a tab separator", "plain", "GET\t/x\r\n", True),
    ("three-word HTTP/0.9 is body-only", "plain", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", False),
    ("four words with a valid version get a status line", "plain",
     "GET /a b HTTP/1.0\r\n\r\n", False),
    ("four words with HTTP/2.0 are 505 first", "plain", "GET /a b HTTP/2.0\r\n\r\n", False),
    ("four words with a bad version are a bad version", "plain",
     "GET /a b FUBAR\r\n\r\n", False),
    ("five words", "plain", "GET /a b c HTTP/1.1\r\n\r\n", False),
    ("blank line closes silently", "plain", "\r\n", False),
    ("whitespace-only line closes silently", "plain", "  \t \r\n", False),
    ("bare LF blank line closes silently", "plain", "\n", False),
    ("request line over 65536 bytes is 414", "plain",
     "GET /" + "x" * 65537 + " HTTP/1.0\r\n\r\n", False),
    ("request line of exactly 65536 bytes is accepted", "plain",
     "GET /" + "x" * (65536 - len("GET / HTTP/1.0\r\n")) + " HTTP/1.0\r\n\r\n", False),
    ("header line over 65536 bytes is 431", "plain",
     "GET / HTTP/1.0\r\nX-Foo: " + "b" * 65537 + "\r\n\r\n", False),
    ("99 headers are accepted", "plain", "GET / HTTP/1.0\r\n" + many_headers(99) + "\r\n", False),
    ("100 headers are 431", "plain", "GET / HTTP/1.0\r\n" + many_headers(100) + "\r\n", False),
    ("101 headers are 431", "plain", "GET / HTTP/1.0\r\n" + many_headers(101) + "\r\n", False),
    ("tabs separate the request line", "plain", "GET\t/\tHTTP/1.0\r\n\r\n", False),
    ("NBSP, VT and FF separate the request line", "plain",
     "GET\xa0/\x0bHTTP/1.0\x0c\r\n\r\n", False),
    ("bare LF line ends", "plain", "GET / HTTP/1.0\nHost: a\n\n", False),
    ("headers cut by EOF end the block", "plain", "GET / HTTP/1.0\r\nHost: x\r\n", True),
    ("no blank line at all, EOF", "plain", "GET / HTTP/1.0\r\n", True),
    ("HTTP/1.0 keep-alive is ignored by an HTTP/1.0 server", "plain",
     "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", False),
    # --- suite handler (spec 7.1): protocol and default request version HTTP/1.1 ---
    ("suite: GET is 501", "suite", "GET / HTTP/1.1\r\n\r\n", False),
    ("suite: request line trimming", "suite", "XYZBOGUS / HTTP/1.1\n\r\n", False),
    ("suite: bogus version is a full 400", "suite", "GET / FUBAR\r\n\r\n", False),
    ("suite: HTTP/9.9 is a full 505", "suite", "GET / HTTP/9.9\r\n\r\n", False),
    ("suite: two-word GET is 501 with a status line", "suite", "GET /\r\n\r\n", True),
    ("suite: two-word CUSTOM is a full 400", "suite", "CUSTOM /\r\n\r\n", False),
    ("suite: a lone path is a full 400", "suite", "/\r\n\r\n", False),
    ("suite: Connection close", "suite", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", False),
    ("suite: Connection keep-alive then error", "suite",
     "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", False),
    ("suite: TEST is 204 and closes", "suite",
     "TEST / HTTP/1.1\r\n\r\nTEST / HTTP/1.1\r\n\r\n", False),
    ("suite: KEEP twice on one connection", "suite",
     "KEEP / HTTP/1.1\r\n\r\nKEEP / HTTP/1.1\r\n\r\n", True),
    ("suite: KEEP keeps an HTTP/1.0 request alive", "suite",
     "KEEP / HTTP/1.0\r\n\r\nTEST / HTTP/1.0\r\n\r\n", False),
    ("suite: send_error(999)", "suite", "KEYERROR / HTTP/1.1\r\n\r\n", False),
    ("suite: send_response(999)", "suite", "CUSTOM / HTTP/1.1\r\n\r\n", False),
    ("suite: custom message and explain", "suite", "EXPLAINERROR / HTTP/1.1\r\n\r\n", False),
    ("suite: latin-1 header round trip", "suite",
     "LATINONEHEADER / HTTP/1.1\r\nX-Special-Incoming: \xc4rger mit Unicode\r\n\r\n", False),
    ("suite: handler exception after headers drops the connection", "suite",
     "LATINONEHEADER / HTTP/1.1\r\n\r\n", False),
    ("suite: NOTFOUND", "suite", "NOTFOUND / HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(200) has a body", "suite", "SEND_ERROR /200 HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(204) has no body", "suite", "SEND_ERROR /204 HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(304) has no body", "suite", "SEND_ERROR /304 HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(205) has no body", "suite", "SEND_ERROR /205 HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(102) has no body", "suite", "SEND_ERROR /102 HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(101) has no body", "suite", "SEND_ERROR /101 HTTP/1.1\r\n\r\n", False),
    ("suite: send_error(418)", "suite", "SEND_ERROR /418 HTTP/1.1\r\n\r\n", False),
    ("suite: HEAD send_error(200) keeps Content-Length, no body", "suite",
     "HEAD /200 HTTP/1.1\r\n\r\n", False),
    ("suite: HEAD send_error(204)", "suite", "HEAD /204 HTTP/1.1\r\n\r\n", False),
    ("suite: HEAD send_error(304)", "suite", "HEAD /304 HTTP/1.1\r\n\r\n", False),
    # --- echo handler: HTTP/1.1 with do_GET/do_POST echoing the parse ---
    ("echo: leading slashes collapse, query and fragment kept", "echo",
     "GET //a//b?x=1#f HTTP/1.1\r\nHost: a\r\n\r\n", True),
    ("echo: many leading slashes", "echo", "GET ///x HTTP/1.0\r\n\r\n", False),
    ("echo: absolute-form target is kept", "echo",
     "GET http://example.com//x HTTP/1.0\r\n\r\n", False),
    ("echo: obs-fold continuation lines", "echo",
     "GET / HTTP/1.0\r\nX-Fold: a\r\n  b\r\n\tc\r\nY: 2\r\n\r\n", False),
    ("echo: a line without colon ends the headers", "echo",
     "GET / HTTP/1.0\r\nA: 1\r\nnocolon\r\nB: 2\r\n\r\n", False),
    ("echo: a name with a space ends the headers", "echo",
     "GET / HTTP/1.0\r\nA: 1\r\nBad Name: x\r\nB: 2\r\n\r\n", False),
    ("echo: empty name and leading continuation are skipped", "echo",
     "GET / HTTP/1.0\r\n  lead\r\n: empty\r\nA: 1\r\n\r\n", False),
    ("echo: From lines", "echo", "GET / HTTP/1.0\r\nFrom nobody\r\nA: 1\r\n\r\n", False),
    ("echo: duplicate headers are kept", "echo", "GET / HTTP/1.0\r\nX: 1\r\nx: 2\r\n\r\n", False),
    ("echo: value whitespace", "echo", "GET / HTTP/1.0\r\nX:\t v \r\nY:\r\n\r\n", False),
    ("echo: latin-1 header value", "echo", "GET / HTTP/1.0\r\nX: \xe4\xff\xa0\r\n\r\n", False),
    ("echo: bare LF and CR mixes", "echo", "GET / HTTP/1.0\r\r\nA: 1\nB: 2\r\n\n", False),
    ("echo: leading and trailing spaces on the request line", "echo",
     "  GET  /s  HTTP/1.1  \r\nConnection: close\r\n\r\n", False),
    ("echo: HTTP/1.1 pipelined requests", "echo",
     "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", True),
    ("echo: Connection close on HTTP/1.1 stops the pipeline", "echo",
     "GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n", False),
    ("echo: Connection CLOSE in capitals", "echo",
     "GET /a HTTP/1.1\r\nConnection: CLOSE\r\n\r\nGET /b HTTP/1.1\r\n\r\n", False),
    ("echo: HTTP/1.0 keep-alive is kept alive", "echo",
     "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n", False),
    ("echo: keep-alive token list is not keep-alive", "echo",
     "GET /a HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\n\r\nGET /b HTTP/1.0\r\n\r\n", False),
    ("echo: plain HTTP/1.0 closes after one", "echo",
     "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n", False),
    ("echo: stray CRLF between requests closes", "echo",
     "GET /a HTTP/1.1\r\n\r\n\r\nGET /b HTTP/1.1\r\n\r\n", False),
    ("echo: an error ends a keep-alive connection", "echo",
     "GET /a HTTP/1.1\r\n\r\nBREW /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n", False),
    ("echo: pipelined body is consumed", "echo",
     "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n", True),
    ("echo: Expect 100-continue on HTTP/1.1", "echo",
     "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", True),
    ("echo: Expect 100-Continue case-insensitive", "echo",
     "POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nhi", True),
    ("echo: Expect 100-continue on HTTP/1.0 is ignored", "echo",
     "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", False),
    ("echo: Expect on HTTP/01.1 is ignored", "echo",
     "POST / HTTP/01.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", True),
    ("echo: Expect on HTTP/1.10 is honoured", "echo",
     "POST / HTTP/1.10\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", True),
    ("echo: other Expect values are ignored", "echo",
     "POST / HTTP/1.1\r\nExpect: 100-continue, x\r\nContent-Length: 2\r\n\r\nhi", True),
    ("echo: HTTP/0.9 simple GET is body only", "echo", "GET /x?y\r\n", True),
    ("echo: three-word HTTP/0.9 with headers", "echo",
     "GET /x HTTP/0.9\r\nHost: a\r\n\r\n", False),
    ("echo: HEAD is 501 without a body", "echo", "HEAD / HTTP/1.1\r\n\r\n", False),
    ("echo: HTTP/2.0 on an HTTP/1.1 server is body-only 505", "echo",
     "GET / HTTP/2.0\r\n\r\n", False),
    ("echo: latin-1 bytes in the path", "echo", "GET /\xe4\xff%20 HTTP/1.0\r\n\r\n", False),
    ("echo: a CR CR LF line is not the blank line", "echo",
     "GET / HTTP/1.0\r\nA: 1\r\n\r\r\nB: 2\r\n\r\n", False),
    ("echo: a bare CR inside a header line splits it", "echo",
     "GET / HTTP/1.0\r\nA: 1\rB: 2\r\n\r\n", False),
    ("echo: NUL and VT in a header value", "echo", "GET / HTTP/1.0\r\nA: \x00x\x0by\r\n\r\n", False),
    ("echo: a non-ASCII byte in a name ends the headers", "echo",
     "GET / HTTP/1.0\r\nA\x85B: 1\r\nC: 2\r\n\r\n", False),
    ("echo: a space before the colon ends the headers", "echo",
     "GET / HTTP/1.0\r\nA : 1\r\nC: 2\r\n\r\n", False),
    ("echo: a whitespace-only continuation line", "echo",
     "GET / HTTP/1.0\r\nA:1\r\n \r\nB: 2\r\n\r\n", False),
    ("echo: the first Connection header decides", "echo",
     "GET /a HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
     False),
    ("echo: keep-alive with a trailing space is not keep-alive", "echo",
     "GET /a HTTP/1.0\r\nConnection: keep-alive \r\n\r\nGET /b HTTP/1.0\r\n\r\n", False),
    ("echo: FS and NEL separate the request line", "echo",
     "GET\x1c/fs\x85HTTP/1.0\r\n\r\n", False),
    ("echo: NUL in the target", "echo", "GET /a\x00b HTTP/1.0\r\n\r\n", False),
    ("echo: HTTP/1.0 keep-alive pipeline with bodies", "echo",
     "POST /a HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nabcd"
     "POST /b HTTP/1.0\r\nContent-Length: 2\r\n\r\nxyGET /c HTTP/1.0\r\n\r\n", False),
    ("echo: a body that is never sent in full", "echo",
     "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", True),
]


def exchange(port, request, half_close):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(IDLE_TIMEOUT)
    chunks = []
    timed_out = False
    try:
        try:
            sock.sendall(request.encode("latin-1"))
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                timed_out = True
                break
            if not data:
                break
            chunks.append(data)
    finally:
        sock.close()
    return b"".join(chunks), timed_out


MASK = re.compile(r"^(Date|Server): [^\r\n]*", re.MULTILINE | re.IGNORECASE)


def mask(text):
    return MASK.sub(lambda m: m.group(1) + ": <masked>", text)


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "base_transcripts.json")
    if sys.version_info[:2] != (3, 13):
        sys.exit("record with CPython 3.13, not %s" % sys.version.split()[0])
    servers = {}
    for key, handler in HANDLERS.items():
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.handle_error = lambda request, client_address: None
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[key] = server
    names = set()
    cases = []
    failures = []
    try:
        for name, handler, request, half_close in CASES:
            if name in names:
                sys.exit("duplicate case name: " + name)
            names.add(name)
            response, timed_out = exchange(servers[handler].server_port, request, half_close)
            if timed_out:
                failures.append(name)
            cases.append({
                "name": name,
                "handler": handler,
                "half_close": half_close,
                "request": request,
                "response": mask(response.decode("latin-1")),
            })
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
    if failures:
        sys.exit("the server did not close within %ss: %s" % (IDLE_TIMEOUT, failures))
    document = {
        "recorded_with": "CPython " + sys.version.split()[0],
        "generator": "tests/parity/record_transcripts.py",
        "masked": ["Date", "Server"],
        "handlers": {key: (cls.__doc__ or "").strip() for key, cls in HANDLERS.items()},
        "cases": cases,
    }
    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        json.dump(document, f, indent=2, ensure_ascii=True)  # deno fmt style
        f.write("\n")
    print("recorded %d cases into %s" % (len(cases), out_path))


if __name__ == "__main__":
    main()
