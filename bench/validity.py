"""Known-groups validity, G and test–retest on the embedded model.

    .venv/bin/python bench/validity.py [--epochs 2] [--heldout-epochs 1] [--items N]
        [--persona-style first-person] [--judges semantic] [--out bench/out/validity]

Two known-group pairs, each a research-first and a production-first persona: the examples
(ml-engineer vs platform-sre, `--epochs` epochs) and two held-out personas written for this
bench (bench/personas: lab-scientist vs payments-oncall-lead, `--heldout-epochs`). Each persona
is interviewed with the embedded model, judged with each judge, and each pair goes through
`rolecall compare` (the production-first persona as reference). Reports per pair, judge and
dimension: both means with intervals, the difference, Holm-adjusted p, Cliff's delta, the
test–retest ICC(2,1) and the run's G coefficient (with ≥ 2 epochs). Writes validity.json and
prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAIRS = {
    "examples": {
        "research-first": "examples/personas/ml-engineer.md",
        "production-first": "examples/personas/platform-sre.md",
    },
    "held-out": {
        "research-first": "bench/personas/lab-scientist.md",
        "production-first": "bench/personas/payments-oncall-lead.md",
    },
}


def rolecall(*args: str) -> str:
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "rolecall", *args], cwd=ROOT, capture_output=True, text=True, env=env
    )
    if proc.returncode not in (0, 1):  # 1: a hypothesis not met, which is data here
        raise SystemExit(proc.stderr)
    return proc.stdout + proc.stderr


def run_dir_from(output: str) -> Path:
    for line in output.splitlines():
        if line.startswith("run directory:"):
            return ROOT / line.split(":", 1)[1].strip()
    raise SystemExit("no run directory in output")


def run_pair(pair: dict[str, str], judge: str, epochs: int, args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, Path] = {}
    wall: dict[str, float] = {}
    for group, persona in pair.items():
        t = time.perf_counter()
        extra = ["--items", str(args.items)] if args.items else []
        out = rolecall(
            "run", persona, "--epochs", str(epochs), "--judge", judge, "--persona-style", args.persona_style,
            "--model", args.model, *extra, "--out", str(args.out / "runs"), "--no-track",
        )  # fmt: skip
        runs[group] = run_dir_from(out)
        wall[group] = round(time.perf_counter() - t, 1)
    name = f"{Path(pair['research-first']).stem}-{judge.replace(':', '_').replace('+', '_')}"
    cmp_dir = args.out / f"compare-{name}"
    rolecall("compare", str(runs["production-first"]), str(runs["research-first"]), "--out", str(cmp_dir))
    comparison = json.loads((cmp_dir / "compare.json").read_text())["comparisons"][0]["dimensions"]
    summaries = {g: json.loads((r / "summary.json").read_text()) for g, r in runs.items()}

    def stats(group: str, dim: str) -> dict[str, Any]:
        s = summaries[group]
        d = s["dimensions"][dim]
        g = (s.get("generalizability") or {}).get(dim, {})
        return {
            **{k: d[k] for k in ("mean", "ci_low", "ci_high", "icc", "n_items")},
            "g": g.get("g"),
            "items_for_g80": g.get("items_for_g80"),
        }

    rows = {
        dim: {
            "research_first": stats("research-first", dim),
            "production_first": stats("production-first", dim),
            "diff": c["diff"],
            "p_holm": c["p_holm"],
            "cliffs_delta": c["cliffs_delta"],
            "cohens_d": c["cohens_d"],
        }
        for dim, c in comparison.items()
    }
    return {
        "epochs": epochs,
        "dimensions": rows,
        "right_direction": sum(1 for r in rows.values() if r["diff"] is not None and r["diff"] > 0),
        "significant": sum(1 for r in rows.values() if r["p_holm"] is not None and r["p_holm"] < 0.05),
        "runs": {g: str(r.relative_to(ROOT)) for g, r in runs.items()},
        "wall_s": wall,
    }


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2, help="epochs for the example pair")
    ap.add_argument("--heldout-epochs", type=int, default=1, help="epochs for the held-out pair")
    ap.add_argument("--items", type=int, default=0, help="items per dimension (0: the whole instrument)")
    ap.add_argument("--persona-style", default="first-person")
    ap.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    ap.add_argument("--judges", nargs="+", default=["semantic"])
    ap.add_argument("--model", default="local", help="subject model spec (local: the 0.5B; local:1.5b)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "validity")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "validity.json"
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("pairs", {})
    for pair in args.pairs:
        epochs = args.epochs if pair == "examples" else args.heldout_epochs
        for judge in args.judges:
            res = run_pair(PAIRS[pair], judge, epochs, args)
            res.update(
                persona_style=args.persona_style, items_per_dimension=args.items or "all", model=args.model
            )
            results["pairs"].setdefault(pair, {})[judge] = res
            path.write_text(json.dumps(results, indent=2))
    for pair, by_judge in results["pairs"].items():
        for judge, res in by_judge.items():
            print(
                f"\n### {pair} pair, judge `{judge}`, {res['epochs']} epoch(s), style {res['persona_style']}: "
                f"right direction on {res['right_direction']} of {len(res['dimensions'])} dimensions, "
                f"Holm p < 0.05 on {res['significant']}\n"
            )
            print(
                "| dimension | research-first: mean [95% CI] | production-first: mean [95% CI] | difference | "
                "Holm p | Cliff's δ | items | ICC (R / P) | G (R / P) |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for dim, r in res["dimensions"].items():
                a, b = r["research_first"], r["production_first"]
                print(
                    f"| {dim} | {_fmt(a['mean'])} [{_fmt(a['ci_low'])}, {_fmt(a['ci_high'])}] | {_fmt(b['mean'])} "
                    f"[{_fmt(b['ci_low'])}, {_fmt(b['ci_high'])}] | {_fmt(r['diff'])} | {_fmt(r['p_holm'])} | "
                    f"{_fmt(r['cliffs_delta'])} | {a['n_items']} | {_fmt(a['icc'])} / {_fmt(b['icc'])} | "
                    f"{_fmt(a['g'])} / {_fmt(b['g'])} |"
                )
            print(f"\nwall time per run (s): {res['wall_s']}")


if __name__ == "__main__":
    main()
