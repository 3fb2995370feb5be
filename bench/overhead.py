"""Harness overhead: `rolecall run` against a loopback server with a fixed latency, versus the ideal.

    .venv/bin/python bench/overhead.py [--quick] [--runs 3] [--latency 0.2] [--epochs 46]

Workload: examples/personas/ml-engineer.md × the built-in research-orientation instrument
(call counts read from the instrument: in version 1.1, 52 items, 86 subject calls and 60 item ×
dimension verdicts per epoch) × ``--epochs`` (46: 3,956 subject + 2,760 judge calls), ``--concurrency 32``, the
subject and an LLM judge both on bench/loopback.py (fixed answer, fixed verdict JSON, fixed
latency), ``--no-cache``, no tracking. Ideal = total calls × latency ÷ concurrency. Reports the
process wall time (start of the CLI to its exit: imports, run directory, interview, judging,
summary and reports) and the interview+judging stage time from timing.json, each ÷ ideal.
Also the fixed start-up cost (``rolecall --help``, median of 3). Writes
bench/results/overhead.json.

``--what-if-no-fsync`` alternates each run with one in which ``os.fsync`` is a no-op (a
``sitecustomize`` on PYTHONPATH; an experiment, not rolecall's behaviour): the gap is what the
per-record fsync of the run files costs the event loop.

``--against SRC`` alternates each run with one of the rolecall package in SRC (the ``src``
folder of another checkout, first on PYTHONPATH): a before/after comparison under the same
load, e.g. ``git archive HEAD src | tar -x -C /tmp/before`` then ``--against /tmp/before/src``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    OUT,
    ROOT,
    calls_per_epoch,
    ideal_s,
    loopback,
    machine,
    measure,
    median,
    rolecall_bin,
    rolecall_env,
    run_rolecall,
    workload_parser,
    write_result,
)

NO_FSYNC = """# bench experiment only (bench/overhead.py --what-if-no-fsync): fsync does nothing
import os
os.fsync = lambda fd: None
"""


def startup_s(work: Path) -> float:
    """Median wall time of `rolecall --help`: interpreter start and the CLI's imports."""
    env = rolecall_env(work / "cache", work / "data")
    times = [measure([rolecall_bin(), "--help"], env=env, cwd=ROOT, timeout_s=60).wall_s for _ in range(3)]
    return median(times)


def main() -> int:
    ap = workload_parser(__doc__, "10 epochs, 1 run")
    ap.add_argument("--what-if-no-fsync", action="store_true", help="alternate with os.fsync as a no-op")
    ap.add_argument(
        "--against",
        type=Path,
        metavar="SRC",
        help="alternate with the rolecall package in SRC (before/after)",
    )
    args = ap.parse_args()
    epochs, runs = (10, 1) if args.quick else (args.epochs, args.runs)
    subject, judge = calls_per_epoch()
    calls = (subject + judge) * epochs
    ideal = ideal_s(calls, args.latency, args.concurrency)
    variants: dict[str, dict[str, str]] = {"as is": {}}
    if args.what_if_no_fsync:
        site = OUT / "whatif-no-fsync"
        site.mkdir(parents=True, exist_ok=True)
        (site / "sitecustomize.py").write_text(NO_FSYNC)
        variants["no fsync"] = {"PYTHONPATH": str(site)}
    if args.against:
        src = args.against.resolve()
        if not (src / "rolecall" / "__init__.py").exists():
            ap.error(f"--against: no rolecall package in {src}")
        variants[f"against {src}"] = {"PYTHONPATH": str(src)}
    rows = []
    with loopback(args.latency) as server:
        for i in range(runs):
            for label, extra in variants.items():
                slug = label.replace(" ", "-") if label in ("as is", "no fsync") else "against"
                work = OUT / "overhead" / f"{i}-{slug}"
                row = run_rolecall(server, epochs, args.concurrency, work, extra_env=extra)
                row["variant"] = label
                row["ratio_to_ideal"] = round(row["wall_s"] / ideal, 3)
                row["stage_ratio_to_ideal"] = round((row["stage_wall_s"] or 0) / ideal, 3)
                print(
                    f"run {i} ({label}): wall {row['wall_s']} s (stage {row['stage_wall_s']} s), "
                    f"ideal {ideal} s, ratio {row['ratio_to_ideal']} (stage {row['stage_ratio_to_ideal']}), "
                    f"cpu {row['cpu_s']} s, server {row['server']}",
                    flush=True,
                )
                if row["returncode"] != 0 or row["server"]["requests"] != calls:
                    print(f"  WARNING: rc {row['returncode']}, {row['server']['requests']} of {calls} calls")
                rows.append(row)
    mine = [r for r in rows if r["variant"] == "as is"]
    wall = median([r["wall_s"] for r in mine])
    stage = median([r["stage_wall_s"] or 0 for r in mine])
    what_if = {}
    for label in variants:
        if label == "as is":
            continue
        theirs = [r for r in rows if r["variant"] == label]
        what_if[label] = {
            "median_wall_s": median([r["wall_s"] for r in theirs]),
            "median_stage_wall_s": median([r["stage_wall_s"] or 0 for r in theirs]),
            "median_cpu_s": median([r["cpu_s"] for r in theirs]),
        }
    result = {
        "machine": machine(),
        "quick": args.quick,
        "latency_s": args.latency,
        "concurrency": args.concurrency,
        "epochs": epochs,
        "subject_calls": subject * epochs,
        "judge_calls": judge * epochs,
        "ideal_s": ideal,
        "median_wall_s": wall,
        "median_stage_wall_s": stage,
        "median_cpu_s": median([r["cpu_s"] for r in mine]),
        "startup_s": startup_s(OUT / "overhead"),
        "what_if": what_if,
        "ratio_to_ideal": round(wall / ideal, 3),
        "stage_ratio_to_ideal": round(stage / ideal, 3),
        "target": 1.10,
        "runs": rows,
    }
    write_result("overhead", result, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
