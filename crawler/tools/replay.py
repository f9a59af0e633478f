"""A tiny HTTP server that replays recorded board responses from a folder.

Layout: ``ROOT/HOST/PATH`` holds the body served for ``/HOST/PATH``. A request
with a query string is served from ``ROOT/HOST/PATH?QUERY`` when that file
exists, else from ``ROOT/HOST/PATH``. A path that is a folder is served from its
``index`` file. A sidecar ``FILE.meta.json`` can set ``status``, ``headers`` and
``content_type``; ``"sequence": [{...}, ...]`` gives successive answers
(the last one repeats), for retry and fault scenarios. Anything missing is 404.

Fault options (in a sidecar or a sequence step), for the fault-injection tests:
``"delay": S`` waits S seconds before answering (client timeouts); ``"reset": true``
drops the connection with a TCP reset instead of answering; ``"truncate": N`` serves
only the first N bytes of the body, as a complete response (a truncated document);
``"cut": N`` announces the whole body but resets the connection after N bytes.

It is what ``make demo`` and the test suite point ``MIRROR_URL`` at. It only
ever binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import socket
import struct
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

_TYPES = {".json": "application/json", ".xml": "application/xml", ".html": "text/html"}


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog. socketserver's default of 5 overflows when a crawl opens
    # connections in bursts: the kernel drops the SYN and the client retries a second later.
    request_queue_size = 128

    def __init__(self, root: Path, port: int = 0):
        self.root = Path(root).resolve()
        self.hits: Counter[str] = Counter()
        # (time.monotonic(), "/HOST/PATH") of every request, in arrival order (politeness tests).
        self.requests: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> ReplayServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        # A client hanging up (a download timeout, a crawl that ends) is not a server error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def count(self, path: str) -> int:
        """How many times ``/HOST/PATH[?QUERY]`` was requested."""
        return self.hits[path]

    def resolve(self, raw_path: str) -> Path | None:
        parts = urlsplit(raw_path)
        rel = unquote(parts.path).lstrip("/")
        candidates = []
        if parts.query:
            candidates.append(rel + "?" + unquote(parts.query))
        candidates.append(rel)
        for cand in candidates:
            path = (self.root / cand).resolve()
            if not path.is_relative_to(self.root):
                return None
            if path.is_dir():
                path = path / "index"
            if path.is_file():
                return path
        return None


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK hold every keep-alive answer for ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head: bool = False):
        server = self.server
        with server._lock:
            server.hits[self.path] += 1
            server.requests.append((time.monotonic(), self.path))
            nth = server.hits[self.path]
        path = server.resolve(self.path)
        if path is None:
            return self._send(404, b"not found", {"Content-Type": "text/plain"}, head)
        answer = _meta_answer(path, nth)
        status = answer.get("status", 200)
        body = path.read_bytes() if "body" not in answer else answer["body"].encode()
        ctype = answer.get("content_type") or _TYPES.get(path.suffix)
        ctype = ctype or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype, **answer.get("headers", {})}
        if answer.get("delay"):
            time.sleep(float(answer["delay"]))
        if answer.get("reset"):
            return self._reset()
        if "truncate" in answer:
            body = body[: int(answer["truncate"])]
        self._send(status, body, headers, head, cut=answer.get("cut"))

    def _send(self, status: int, body: bytes, headers: dict, head: bool, cut: int | None = None):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if cut is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[: int(cut)])
        self.wfile.flush()
        self._reset()

    def _reset(self):
        # A zero SO_LINGER makes close() send a TCP RST: the client sees "connection reset".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _meta_answer(path: Path, nth: int) -> dict:
    meta_path = path.with_name(path.name + ".meta.json")
    if not meta_path.is_file():
        return {}
    meta = json.loads(meta_path.read_text())
    seq = meta.pop("sequence", None)
    if seq:
        meta = {**meta, **seq[min(nth, len(seq)) - 1]}
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    server = ReplayServer(args.root, args.port)
    print(f"replaying {args.root} on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
