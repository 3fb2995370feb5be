"""The loopback server's own ceiling, measured with a trivial concurrent client (raw asyncio sockets).

    .venv/bin/python bench/ceiling.py [--quick]

For bench/loopback.py (asyncio, keep-alive) and tests/faults/server.py (ThreadingHTTPServer,
HTTP/1.0: a connection and a thread per request): requests/s at zero latency and concurrency 32,
and wall time against the ideal for the harness workload's call count at the bench latency. This
tells how much of a harness's overhead could be the server's. Writes bench/results/ceiling.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, calls_per_epoch, loopback, machine, write_result

BODY = json.dumps(
    {
        "model": "bench",
        "messages": [
            {"role": "system", "content": "You are a careful rater. " * 40},
            {"role": "user", "content": "Rate the answer on this dimension only. " + "x " * 600},
        ],
        "temperature": 0.0,
        "max_tokens": 220,
    }
).encode()


async def _one(host: str, port: int, conn: list[Any]) -> None:
    if not conn:
        conn.extend(await asyncio.open_connection(host, port))
    reader, writer = conn
    writer.write(
        (
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
        ).encode()
        + BODY
    )
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = 0
    close = head.startswith("HTTP/1.0")
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.lower() == "content-length":
            length = int(v)
        if k.lower() == "connection" and v.strip().lower() == "close":
            close = True
    body = await reader.readexactly(length)
    assert b"choices" in body, body[:200]
    if close:
        writer.close()
        conn.clear()


async def drive(url: str, n: int, concurrency: int) -> float:
    hostport = url.split("//", 1)[1].split("/", 1)[0]
    host, port = hostport.split(":")
    queue = iter(range(n))

    async def worker() -> None:
        conn: list[Any] = []
        for _ in queue:
            await _one(host, int(port), conn)
        if conn:
            conn[1].close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


FAULT_SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.faults.server import FaultServer
with FaultServer(latency_s={latency}) as s:
    print(s.base_url, flush=True)
    time.sleep(600)
"""


def fault_server(latency: float) -> tuple[str, subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", FAULT_SERVER.format(root=str(ROOT), latency=latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc.stdout.readline().strip(), proc


def bench_server(kind: str, latency: float, n: int, concurrency: int) -> dict[str, Any]:
    if kind == "loopback":
        with loopback(latency) as srv:
            wall = asyncio.run(drive(srv.url, n, concurrency))
            cpu = srv.cpu_s()
    else:
        url, proc = fault_server(latency)
        try:
            wall = asyncio.run(drive(url, n, concurrency))
            from common import proc_cpu_s

            cpu = proc_cpu_s(proc.pid)
        finally:
            proc.terminate()
            proc.wait()
    ideal = n * latency / concurrency
    return {
        "server": kind,
        "latency_s": latency,
        "requests": n,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "requests_per_s": round(n / wall, 1),
        "ideal_s": round(ideal, 3),
        "ratio_to_ideal": round(wall / ideal, 3) if ideal else None,
        "server_cpu_s": round(cpu, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer requests")
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=46, help="workload size for the latency run")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args()
    subject, judge = calls_per_epoch()
    n_work = (subject + judge) * (10 if args.quick else args.epochs)
    n_zero = 1000 if args.quick else 5000
    rows = []
    for kind in ("loopback", "faultserver"):
        rows.append(bench_server(kind, 0.0, n_zero, args.concurrency))
        rows.append(bench_server(kind, args.latency, n_work, args.concurrency))
        for r in rows[-2:]:
            print(json.dumps(r))
    write_result("ceiling", {"machine": machine(), "quick": args.quick, "rows": rows}, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
