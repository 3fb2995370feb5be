"""Known-groups validity and test–retest on the embedded model.

    .venv/bin/python bench/validity.py [--epochs 3] [--judges semantic] [--out bench/out/validity]

Interviews both example personas (research-first ml-engineer, production-first platform-sre)
with the embedded model for N epochs, judges with each judge, then runs `rolecall compare`
(platform-sre as reference) and reports, per judge and dimension: both means with intervals,
the difference (ml-engineer − platform-sre), Holm-adjusted p, Cliff's delta, and the
test–retest ICC(2,1) of each persona. Writes validity.json and prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERSONAS = {
    "research-first": "examples/personas/ml-engineer.md",
    "production-first": "examples/personas/platform-sre.md",
}


def rolecall(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "rolecall", *args], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return proc.stdout + proc.stderr


def run_dir_from(output: str) -> Path:
    for line in output.splitlines():
        if line.startswith("run directory:"):
            return ROOT / line.split(":", 1)[1].strip()
    raise SystemExit("no run directory in output")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--judges", nargs="+", default=["semantic"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "validity")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict = {"epochs": args.epochs, "judges": {}}
    for judge in args.judges:
        runs = {}
        for group, persona in PERSONAS.items():
            t = time.perf_counter()
            out = rolecall(
                "run",
                persona,
                "--epochs",
                str(args.epochs),
                "--judge",
                judge,
                "--out",
                str(args.out / "runs"),
                "--no-track",
            )
            runs[group] = run_dir_from(out)
            results.setdefault("wall_s", {})[f"{group}/{judge}"] = round(time.perf_counter() - t, 1)
        cmp_dir = args.out / f"compare-{judge.replace(':', '_').replace('+', '_')}"
        rolecall("compare", str(runs["production-first"]), str(runs["research-first"]), "--out", str(cmp_dir))
        comparison = json.loads((cmp_dir / "compare.json").read_text())["comparisons"][0]["dimensions"]
        summaries = {g: json.loads((r / "summary.json").read_text()) for g, r in runs.items()}
        rows = {}
        for dim, c in comparison.items():
            rows[dim] = {
                "research_first": {
                    k: summaries["research-first"]["dimensions"][dim][k]
                    for k in ("mean", "ci_low", "ci_high", "icc")
                },
                "production_first": {
                    k: summaries["production-first"]["dimensions"][dim][k]
                    for k in ("mean", "ci_low", "ci_high", "icc")
                },
                "diff": c["diff"],
                "p_holm": c["p_holm"],
                "cliffs_delta": c["cliffs_delta"],
                "cohens_d": c["cohens_d"],
            }
        right = sum(1 for r in rows.values() if r["diff"] is not None and r["diff"] > 0)
        results["judges"][judge] = {
            "dimensions": rows,
            "right_direction": right,
            "runs": {g: str(r) for g, r in runs.items()},
        }
    (args.out / "validity.json").write_text(json.dumps(results, indent=2))
    for judge, res in results["judges"].items():
        print(
            f"\n### judge `{judge}` ({args.epochs} epochs): right direction on {res['right_direction']} of {len(res['dimensions'])} dimensions\n"
        )
        print(
            "| dimension | research-first persona | production-first persona | difference | Holm p | Cliff's δ | ICC (R / P) |"
        )
        print("|---|---|---|---|---|---|---|")
        for dim, r in res["dimensions"].items():
            a, b = r["research_first"], r["production_first"]
            fmt = lambda x: "—" if x is None else f"{x:.2f}"  # noqa: E731
            print(
                f"| {dim} | {fmt(a['mean'])} [{fmt(a['ci_low'])}, {fmt(a['ci_high'])}] | {fmt(b['mean'])} "
                f"[{fmt(b['ci_low'])}, {fmt(b['ci_high'])}] | {fmt(r['diff'])} | {fmt(r['p_holm'])} | "
                f"{fmt(r['cliffs_delta'])} | {fmt(a['icc'])} / {fmt(b['icc'])} |"
            )
    print(f"\nwall time per run (s): {results['wall_s']}")


if __name__ == "__main__":
    main()
