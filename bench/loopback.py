"""A fast loopback OpenAI-compatible chat server for benchmarks (stdlib asyncio, HTTP/1.1 keep-alive).

Every request waits a fixed latency (``asyncio.sleep``, no thread per request), then answers a
fixed text. A request whose messages contain ``Rate the answer`` is a judge request and gets a
verdict that all three harnesses parse: rolecall's verdict JSON (evidence, indicators_seen,
reasoning, score), promptfoo's llm-rubric JSON (pass, score, reason) and the bench's Inspect AI
scorer (which reads ``score``).

The server counts requests (subject / judge) and the peak number in flight; ``GET /stats`` returns
them as JSON and ``POST /reset`` zeroes them. Run as a script it prints its base URL on stdout's
first line, then serves until killed (or for ``--max-seconds``).

    python bench/loopback.py --latency 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

ANSWER = (
    "I would start with a quick prototype on a small slice of the data, measure it against a "
    "simple baseline, and only then decide whether the idea deserves a proper experiment. I keep "
    "a log of what I tried and why, and I stop early when the numbers say the approach is not "
    "paying off."
)
VERDICT = json.dumps(
    {
        "evidence": "start with a quick prototype",
        "indicators_seen": ["prototype first"],
        "reasoning": "Prefers a fast, measured prototype before committing.",
        "score": 4,
        "pass": True,
        "reason": "Prefers a fast, measured prototype before committing.",
    }
)
JUDGE_MARK = "Rate the answer"


@dataclass
class Stats:
    requests: int = 0
    subject: int = 0
    judge: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    connections: int = 0
    started: float = field(default_factory=time.perf_counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "subject": self.subject,
            "judge": self.judge,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "connections": self.connections,
        }


class Loopback:
    def __init__(self, latency_s: float = 0.2, answer: str = ANSWER, verdict: str = VERDICT):
        self.latency_s = latency_s
        self.answer = answer
        self.verdict = verdict
        self.stats = Stats()
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = await asyncio.start_server(self._conn, host, port, backlog=1024)
        bound = self._server.sockets[0].getsockname()[1]
        return f"http://{host}:{bound}/v1"

    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    body = await _read_chunked(reader)
                else:
                    body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, payload = await self._route(method, path.split("?")[0], body)
                keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                out = (
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n"
                    f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
                ).encode() + payload
                writer.write(out)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if method == "GET" and path == "/stats":
            return 200, json.dumps(self.stats.as_dict()).encode()
        if method == "POST" and path == "/reset":
            self.stats = Stats()
            return 200, b"{}"
        if method == "GET" and path.endswith("/models"):
            return 200, b'{"object": "list", "data": [{"id": "bench", "object": "model"}]}'
        if method != "POST" or not path.endswith("/chat/completions"):
            return 404, b'{"error": {"message": "not found"}}'
        return 200, await self._complete(json.loads(body or b"{}"))

    async def _complete(self, request: dict[str, Any]) -> bytes:
        st = self.stats
        st.requests += 1
        st.in_flight += 1
        st.peak_in_flight = max(st.peak_in_flight, st.in_flight)
        try:
            texts = [m.get("content") or "" for m in request.get("messages", [])]
            convo = " ".join(t if isinstance(t, str) else json.dumps(t) for t in texts)
            judge = JUDGE_MARK in convo
            if judge:
                st.judge += 1
            else:
                st.subject += 1
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            text = self.verdict if judge else self.answer
            return json.dumps(
                {
                    "id": f"chatcmpl-{st.requests}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": request.get("model", "bench"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                            "logprobs": None,
                        }
                    ],
                    "usage": {
                        "prompt_tokens": len(convo.split()),
                        "completion_tokens": len(text.split()),
                        "total_tokens": len(convo.split()) + len(text.split()),
                    },
                }
            ).encode()
        finally:
            st.in_flight -= 1

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _serve(latency_s: float, port: int, max_seconds: float) -> None:
    server = Loopback(latency_s)
    url = await server.start(port=port)
    print(url, flush=True)
    try:
        await asyncio.sleep(max_seconds)
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latency", type=float, default=0.2, help="seconds per call (default 0.2)")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="stop by itself after this")
    args = ap.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.latency, args.port, args.max_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
