"""A fault-injecting OpenAI-compatible chat server for tests, on 127.0.0.1 (stdlib only).

Faults are scripted per request by a queue: each request pops the next fault name, or is
answered normally when the queue is empty. The server counts requests and the peak number in
flight, so tests can assert concurrency limits.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = (
    "timeout",
    "reset",
    "429",
    "429-retry-after",
    "500",
    "502",
    "503",
    "truncated",
    "not-json",
    "empty",
    "prose",
)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients killed mid-request (the crash tests) are expected


class FaultServer:
    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        answer: str = "I would build a quick prototype.",
        verdict: str | None = None,
        nonce: bool = False,
    ):
        self.faults: deque[str] = deque()
        self.latency_s = latency_s
        self.answer = answer
        self.verdict = verdict
        #: tag every subject answer with the request's number, so each answer is unique
        self.nonce = nonce
        #: requests whose messages contain this text always get this fault (while set)
        self.always: tuple[str, str] | None = None
        self.requests = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.served_faults: list[str] = []
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                convo = " ".join(m.get("content", "") for m in request.get("messages", []))
                with server._lock:
                    server.requests += 1
                    number = server.requests
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                    if server.always and server.always[0] in convo:
                        fault = server.always[1]
                    else:
                        fault = server.faults.popleft() if server.faults else None
                    if fault:
                        server.served_faults.append(fault)
                try:
                    self._respond(request, fault, number)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _respond(self, request: dict[str, Any], fault: str | None, number: int) -> None:
                if server.latency_s:
                    time.sleep(server.latency_s)
                if fault == "timeout":
                    time.sleep(3.0)  # longer than the client's timeout in the tests
                    return
                if fault == "reset":
                    self.connection.shutdown(2)
                    self.connection.close()
                    return
                if fault in ("429", "429-retry-after", "500", "502", "503"):
                    status = int(fault[:3])
                    headers = {"Retry-After": "0.2"} if fault == "429-retry-after" else None
                    self._send(status, b'{"error": {"message": "injected"}}', headers)
                    return
                if fault == "truncated":
                    self._send(200, b'{"choices": [{"message": {"content": "half')
                    return
                if fault == "not-json":
                    self._send(200, b"<html>gateway error</html>")
                    return
                text = server.answer
                user = " ".join(m.get("content", "") for m in request.get("messages", []))
                if "Rate the answer" in user:
                    text = server.verdict or text
                elif server.nonce:
                    text = f"{text} [request {number}]"
                if fault == "empty":
                    text = ""
                if fault == "prose":
                    text = "I think this answer is quite good overall."
                body = {
                    "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": len(user.split()), "completion_tokens": len(text.split())},
                }
                self._send(200, json.dumps(body).encode())

        return Handler
