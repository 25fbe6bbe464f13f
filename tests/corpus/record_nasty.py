"""Records CPython 3.13's answers to the hostile requests in nasty_requests.json.

Run with CPython 3.13 (not the machine's default python3):

    /root/.pyenv/versions/3.13.0/bin/python3 tests/corpus/record_nasty.py [--check]

Each entry's input (a list of latin-1 strings and {"repeat": s, "count": n} segments) is sent
over a real loopback socket to http.server.ThreadingHTTPServer with the handler below (protocol
HTTP/1.1, do_GET/do_POST answering 200 "ok\\n"; do_POST first reads a Content-Length made of
1-6 ASCII digits). The client then half-closes (unless the entry says "halfClose": false) and
reads until the server closes. The answer is summarised as a list: one item per response, the
status line as sent, or "body-only <code>" for a response without a status line (an error page,
or the handler's body after an HTTP/0.9 request); an empty list means "closed without bytes".

Without --check the file is rewritten with "expect" and "cpython" filled in. With --check
nothing is written and the exit status says whether every recording still matches.
An entry whose CPython run does not end within HANG_SECONDS keeps its hand-written "expect"
(what we implement) and records "cpython": "hang" with its note saying why.
"""

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CORPUS = Path(__file__).with_name("nasty_requests.json")
HANG_SECONDS = 3.0
BODY = b"ok\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._answer()

    def do_POST(self):
        length = self.headers.get("Content-Length", "")
        if re.fullmatch(r"[0-9]{1,6}", length):
            self.rfile.read(int(length))
        self._answer()

    def _answer(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


def expand(segments):
    out = []
    for seg in segments:
        if isinstance(seg, str):
            out.append(seg)
        else:
            out.append(seg["repeat"] * seg["count"])
    return "".join(out).encode("latin-1")


def summarise(data):
    """The answers in a raw reply (same rules as tests/fuzz_corpus_test.ts)."""
    text = data.decode("latin-1")
    answers = []
    while text:
        if not text.startswith("HTTP/"):
            m = re.search(r"<p>Error code: ([0-9]{3})</p>", text)
            if m:
                answers.append("body-only " + m.group(1))
            elif text.startswith(BODY.decode()):
                answers.append("body-only 200")
            else:
                answers.append("body-only ???")
            break
        head_end = text.find("\r\n\r\n")
        if head_end < 0:
            answers.append("truncated: " + text[:60])
            break
        head = text[:head_end]
        answers.append(head.split("\r\n", 1)[0])
        text = text[head_end + 4:]
        m = re.search(r"\r\nContent-Length: ([0-9]+)(\r\n|$)", head)
        if m:
            text = text[int(m.group(1)):]
    return answers


def exchange(port, payload, half_close):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(HANG_SECONDS)
        sock.sendall(payload)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except TimeoutError:
            return None
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def main():
    check = "--check" in sys.argv[1:]
    if sys.version_info[:2] != (3, 13):
        sys.exit(f"run this with CPython 3.13, not {sys.version.split()[0]}")
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    changed = []
    try:
        for entry in corpus["entries"]:
            payload = expand(entry["input"])
            runs = [exchange(port, payload, entry.get("halfClose", True)) for _ in range(2)]
            if runs[0] is None or runs[1] is None:
                cpython = "hang"
                expect = entry.get("expect")
                if expect is None:
                    sys.exit(f"{entry['name']}: CPython hangs and no expectation is written")
            else:
                a, b = summarise(runs[0]), summarise(runs[1])
                if a != b:
                    sys.exit(f"{entry['name']}: unstable answers {a} / {b}")
                cpython = a
                expect = a
            if entry.get("expect") != expect or entry.get("cpython") != cpython:
                changed.append(entry["name"])
            entry["expect"] = expect
            entry["cpython"] = cpython
    finally:
        server.shutdown()
        server.server_close()
    corpus["recordedWith"] = "CPython " + sys.version.split()[0]
    if check:
        for name in changed:
            print("changed:", name)
        sys.exit(1 if changed else 0)
    CORPUS.write_text(json.dumps(corpus, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    # The project checks formatting with `deno fmt --check`, which covers this JSON file.
    deno = shutil.which("deno")
    if deno is not None:
        subprocess.run([deno, "fmt", "--quiet", str(CORPUS)], check=True)
    else:
        print("deno not found: run `deno fmt` on", CORPUS)
    print(f"{len(corpus['entries'])} entries recorded, {len(changed)} changed")


if __name__ == "__main__":
    main()
