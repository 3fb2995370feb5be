"""The response cache: an identical configuration run twice against one cache directory.

    .venv/bin/python bench/cache.py [--quick] [--epochs 46] [--latency 0.2]

The harness workload of bench/overhead.py (subject and LLM judge on bench/loopback.py), but with
the cache on and a fresh ``ROLECALL_CACHE_DIR``: the first run fills the cache, the second
(same persona, instrument, models, parameters, seed) should need no model call at all. The
loopback server counts the requests each run makes; wall time of both runs. Writes
bench/results/cache.json.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, calls_per_epoch, loopback, machine, run_rolecall, workload_parser, write_result


def main() -> int:
    ap = workload_parser(__doc__, "10 epochs", runs=False)
    args = ap.parse_args()
    epochs = 10 if args.quick else args.epochs
    subject, judge = calls_per_epoch()
    work = OUT / "cache"
    shutil.rmtree(work, ignore_errors=True)
    cache_dir = work / "cache"
    rows = []
    with loopback(args.latency) as server:
        for label in ("cold", "warm"):
            row = run_rolecall(server, epochs, args.concurrency, work / label, cache_dir=cache_dir)
            row["label"] = label
            print(
                f"{label}: wall {row['wall_s']} s, model calls {row['server']['requests']}, "
                f"cpu {row['cpu_s']} s, rc {row['returncode']}"
            )
            rows.append(row)
    cold, warm = rows
    write_result(
        "cache",
        {
            "machine": machine(),
            "quick": args.quick,
            "epochs": epochs,
            "latency_s": args.latency,
            "concurrency": args.concurrency,
            "expected_calls": (subject + judge) * epochs,
            "cold_calls": cold["server"]["requests"],
            "warm_calls": warm["server"]["requests"],
            "cold_wall_s": cold["wall_s"],
            "warm_wall_s": warm["wall_s"],
            "warm_stage_wall_s": warm["stage_wall_s"],
            "cache_bytes": sum(f.stat().st_size for f in cache_dir.iterdir()),
            "target_warm_calls": 0,
            "runs": rows,
        },
        args.results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
