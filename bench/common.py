"""Shared pieces of the performance benchmarks: the loopback server process, measuring a command's
process tree (wall, CPU, peak RSS), machine facts, and result files.

Stdlib only, so every bench script runs with the project's venv and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
RESULTS = BENCH / "results"
PERSONA = ROOT / "examples" / "personas" / "ml-engineer.md"
INSTRUMENT_YAML = ROOT / "src" / "rolecall" / "instrument" / "builtin" / "research-orientation.yaml"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the loopback server process


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[str]

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.root + "/stats", timeout=5) as r:
            return dict(json.loads(r.read()))

    def reset(self) -> None:
        req = urllib.request.Request(self.root + "/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()

    def cpu_s(self) -> float:
        return proc_cpu_s(self.proc.pid)


@contextmanager
def loopback(latency_s: float, max_seconds: float = 3600.0) -> Iterator[Server]:
    """Start bench/loopback.py in its own process (so its CPU is not the harness's)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "loopback.py"),
            "--latency",
            str(latency_s),
            "--max-seconds",
            str(max_seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"loopback server did not start: {url!r}")
        yield Server(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- measuring a process tree


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid: int) -> list[int]:
    kids = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def proc_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def proc_cpu_s(pid: int) -> float:
    """user + system seconds of one live process (its own threads; not its children)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


@dataclass
class Measured:
    wall_s: float
    cpu_s: float  # user + sys of the whole tree (wait4 rusage, or the polled sum if larger)
    user_s: float
    sys_s: float
    peak_rss_mb: float  # peak of the summed RSS of the process tree (polled every 50 ms)
    max_rss_mb: float  # largest single process (wait4's ru_maxrss)
    returncode: int
    processes: int  # distinct processes seen in the tree


def measure(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 600.0,
    log: Path | None = None,
    poll_s: float = 0.05,
) -> Measured:
    """Run ``cmd``; return its wall time, CPU seconds and peak RSS of its process tree.

    Killed (whole process group) after ``timeout_s``: every run is bounded in time.
    """
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    peak = 0
    seen_cpu: dict[int, float] = {}
    killed = False
    try:
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            pids = tree(proc.pid)
            peak = max(peak, sum(proc_rss(p) for p in pids))
            for p in pids:
                seen_cpu[p] = max(seen_cpu.get(p, 0.0), proc_cpu_s(p))
            if time.perf_counter() - start > timeout_s and not killed:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
            time.sleep(poll_s)
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = ru.ru_utime + ru.ru_stime
    return Measured(
        wall_s=round(wall, 3),
        cpu_s=round(max(cpu, sum(seen_cpu.values())), 3),
        user_s=round(ru.ru_utime, 3),
        sys_s=round(ru.ru_stime, 3),
        peak_rss_mb=round(peak / 2**20, 1),
        max_rss_mb=round(ru.ru_maxrss / 1024, 1),
        returncode=-9 if killed else proc.returncode,
        processes=len(seen_cpu),
    )


# ---------------------------------------------------------------- machine facts and results


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "loadavg_at_start": [float(x) for x in load],
        "python": platform.python_version(),
        "rolecall": _version("rolecall"),
        "llama-cpp-python": _version("llama_cpp_python"),
        "httpx": _version("httpx"),
    }


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3)


def write_result(name: str, data: dict[str, Any], results: Path = RESULTS) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {path}")
    return path


def as_dict(m: Measured) -> dict[str, Any]:
    return asdict(m)


def rolecall_env(cache_dir: Path, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ROLECALL_CACHE_DIR=str(cache_dir),
        ROLECALL_DATA_DIR=str(data_dir),
        ROLECALL_NO_TRACK="1",
        OPENAI_API_KEY="bench-dummy-key",
        NO_COLOR="1",
        TERM="dumb",
    )
    env.pop("OPENAI_BASE_URL", None)
    return env


def rolecall_bin() -> str:
    exe = Path(sys.executable).with_name("rolecall")
    return str(exe) if exe.exists() else "rolecall"


def calls_per_epoch() -> tuple[int, int]:
    """(subject calls, judge calls) per epoch of the built-in research-orientation instrument."""
    import yaml

    data = yaml.safe_load(INSTRUMENT_YAML.read_text())
    subject = sum(1 + len(it.get("follow_ups") or []) for it in data["items"])
    judge = sum(len(it["dimensions"]) for it in data["items"])
    return subject, judge


# ---------------------------------------------------------------- running the harnesses


def ideal_s(calls: int, latency_s: float, concurrency: int) -> float:
    """Total calls × latency ÷ concurrency: the wall time of a harness with zero overhead that
    keeps ``concurrency`` calls in flight from the first moment to the last. (The dependencies —
    a follow-up needs its first answer, a judge call needs the finished answer — never starve
    the pipe here: 20 × epochs conversations can start at once, far more than ``concurrency``;
    they only add the 3-call critical path, 3 × latency, when that is longer.)"""
    return round(max(calls * latency_s / concurrency, 3 * latency_s), 3)


def rolecall_cmd(url: str, epochs: int, concurrency: int, out: Path, *, no_cache: bool) -> list[str]:
    cmd = [
        rolecall_bin(),
        "run",
        str(PERSONA),
        "--instrument",
        "research-orientation",
        "--model",
        f"openai:bench@{url}",
        "--judge",
        f"openai:judge@{url}",
        "--epochs",
        str(epochs),
        "--concurrency",
        str(concurrency),
        "--out",
        str(out),
        "--no-track",
    ]
    return cmd + (["--no-cache"] if no_cache else [])


def run_dir_in(out: Path) -> Path | None:
    dirs = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")] if out.exists() else []
    return max(dirs, key=lambda p: p.stat().st_mtime) if dirs else None


def run_rolecall(
    server: Server,
    epochs: int,
    concurrency: int,
    work: Path,
    *,
    cache_dir: Path | None = None,
    timeout_s: float = 600.0,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One ``rolecall run`` against the loopback server; fresh run folder under ``work``.

    ``cache_dir`` None: ``--no-cache`` (and an empty cache dir anyway)."""
    import shutil

    shutil.rmtree(work / "runs", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    env = rolecall_env(cache_dir or work / "cache", work / "data")
    env.update(extra_env or {})
    server.reset()
    m = measure(
        rolecall_cmd(server.url, epochs, concurrency, work / "runs", no_cache=cache_dir is None),
        env=env,
        cwd=ROOT,
        timeout_s=timeout_s,
        log=work / "rolecall.log",
    )
    st = server.stats()
    run = run_dir_in(work / "runs")
    timing = json.loads((run / "timing.json").read_text()) if run and (run / "timing.json").exists() else {}
    return {
        "tool": "rolecall",
        **as_dict(m),
        "server": st,
        "stage_wall_s": timing.get("wall_s"),
        "run_dir": str(run) if run else None,
    }


def workload_parser(doc: str | None, quick_help: str, *, runs: bool = True) -> argparse.ArgumentParser:
    """The options every loopback-workload script shares (epochs, latency, concurrency, results)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=quick_help)
    if runs:
        ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=46)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--results", type=Path, default=RESULTS)
    return ap
