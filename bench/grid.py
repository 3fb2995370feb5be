"""Grid throughput: the ray executor against the local one, on the same grid of latency-bound cells.

    .venv/bin/python bench/grid.py [--quick] [--cells 8] [--latency 0.2] [--workers 1 2 4]

The grid: ``--cells`` copies of examples/personas/ml-engineer.md × one model, on the built-in
research-orientation instrument with ``items: 1`` (one item per dimension at least) and one
epoch; subject and judge are the loopback server (bench/loopback.py, a fixed latency per call, in
its own process) and each cell makes one call at a time (``concurrency: 1``), so a cell is
latency-bound: its wall time is about its calls × the latency. No response cache.

For each N in ``--workers``: the local executor with ``--max-parallel N`` and the ray executor
with N workers (``num_cpus`` 1 each while N fits the machine's cores, else 2 / N), each on a fresh
grid directory; the speed-up is T(N = 1) / T(N) of the same executor (target ≥ 0.8 × N while N
fits the cores). Ray is started once, before the ray runs (its start and stop are timed apart),
so the ray figures are those of a running cluster. Per cell: wall time, calls, and the bytes of
its run directory (what a Ray worker sends back to the driver). Writes bench/results/grid.json.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from common import OUT, PERSONA, loopback, machine, workload_parser, write_result


def _grid(folder: Path, cells: int, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "personas").mkdir(exist_ok=True)
    text = PERSONA.read_text()
    for k in range(cells):
        (folder / "personas" / f"persona-{k:03d}.md").write_text(text)
    grid = folder / "grid.yaml"
    grid.write_text(
        "personas: [personas/*.md]\n"
        f'models: ["openai:bench@{url}"]\n'
        "instruments: [research-orientation]\n"
        f'judges: ["openai:judge@{url}"]\n'
        "items: 1\nepochs: 1\nconcurrency: 1\n"
    )
    return grid


def _cpu_s() -> float:
    """CPU seconds of this process (the local executor runs its cells here)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _comparison_s() -> float:
    """Seconds one pairwise comparison takes (12 paired items; the report's unit of work)."""
    from rolecall.stats import paired_comparison

    a = {f"i{k}": float(1 + (k * 7 % 5)) for k in range(12)}
    b = {f"i{k}": float(1 + (k * 3 % 5)) for k in range(12)}
    paired_comparison(a, b, dimension="d")
    start = time.perf_counter()
    for seed in range(20):
        paired_comparison(a, b, dimension="d", seed=seed)
    return round((time.perf_counter() - start) / 20, 4)


def _cells(outcome: Any, grid_dir: Path) -> dict[str, Any]:
    cells = outcome.index["cells"]
    walls = [c["wall_s"] for c in cells if c["wall_s"] is not None]
    sizes = []
    for c in cells:
        if c["run_dir"]:
            sizes.append(sum(p.stat().st_size for p in (grid_dir / c["run_dir"]).iterdir()))
    return {
        "done": outcome.count("done"),
        "cell_wall_s_mean": round(sum(walls) / len(walls), 3) if walls else None,
        "subject_calls_per_cell": cells[0]["calls"],
        "run_dir_bytes_mean": round(sum(sizes) / len(sizes)) if sizes else None,
    }


def main() -> None:
    ap = workload_parser(__doc__, "4 cells, workers 1 and 2", runs=False)
    ap.add_argument("--cells", type=int, default=8)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = ap.parse_args()
    if args.quick:
        args.cells, args.workers = 4, [1, 2]
    import ray

    from rolecall.grids import GridOptions, run_grid
    from rolecall.grids.local import LocalExecutor
    from rolecall.grids.ray_exec import RayExecutor

    root = OUT / "grid"
    shutil.rmtree(root, ignore_errors=True)
    os.environ.update(
        ROLECALL_CACHE_DIR=str(root / "cache"), ROLECALL_DATA_DIR=str(root / "data"), ROLECALL_NO_TRACK="1"
    )
    cores = os.cpu_count() or 1
    rows: list[dict[str, Any]] = []
    with loopback(args.latency) as server:
        grid = _grid(root / "inputs", args.cells, server.url)
        for n in args.workers:
            out = root / f"local-{n}"
            start, cpu = time.perf_counter(), _cpu_s()
            outcome = run_grid(
                grid, out, GridOptions(use_cache=False), executor=LocalExecutor(max_parallel=n)
            )
            rows.append({"executor": "local", "workers": n, "wall_s": round(time.perf_counter() - start, 3)})
            rows[-1]["cpu_s_per_cell"] = round((_cpu_s() - cpu) / args.cells, 3)
            rows[-1].update(_cells(outcome, out))
            print(rows[-1], flush=True)
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        start = time.perf_counter()
        ray.init(
            address="local", _node_ip_address="127.0.0.1", include_dashboard=False, logging_level="ERROR"
        )
        ray_start_s = round(time.perf_counter() - start, 3)
        try:
            for n in args.workers:
                cpus = 1.0 if n <= cores else round(cores / n, 3)
                out = root / f"ray-{n}"
                start = time.perf_counter()
                ex = RayExecutor(max_parallel=n, num_cpus=cpus)
                outcome = run_grid(grid, out, GridOptions(use_cache=False), executor=ex)
                wall = round(time.perf_counter() - start, 3)
                rows.append({"executor": "ray", "workers": n, "num_cpus": cpus, "wall_s": wall})
                rows[-1].update(_cells(outcome, out))
                print(rows[-1], flush=True)
        finally:
            start = time.perf_counter()
            ray.shutdown()
            ray_stop_s = round(time.perf_counter() - start, 3)
    for r in rows:
        base = next(x["wall_s"] for x in rows if x["executor"] == r["executor"] and x["workers"] == 1)
        r["speedup"] = round(base / r["wall_s"], 2)
        r["speedup_per_worker"] = round(r["speedup"] / r["workers"], 2)
    data = {
        "machine": machine(),
        "cells": args.cells,
        "latency_s": args.latency,
        "ray_start_s": ray_start_s,
        "ray_stop_s": ray_stop_s,
        "comparison_s": _comparison_s(),
        "rows": rows,
    }
    write_result("grid-quick" if args.quick else "grid", data, Path(args.results))
    print(f"ray start {ray_start_s} s, stop {ray_stop_s} s; one pairwise comparison {data['comparison_s']} s")
    print(
        "| executor | workers | wall (s) | speed-up | per worker | cell wall (s) | calls/cell | run dir (bytes) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['executor']} | {r['workers']} | {r['wall_s']} | {r['speedup']}× | {r['speedup_per_worker']} | "
            f"{r['cell_wall_s_mean']} | {r['subject_calls_per_cell']} | {r['run_dir_bytes_mean']} |"
        )


if __name__ == "__main__":
    main()
