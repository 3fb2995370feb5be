"""Which embedded subject (model × persona framing) plays a persona: measured, not assumed.

    .venv/bin/python bench/subjects.py [--items 3] [--configs local:role local:first-person ...]

For each configuration (subject model spec and ``--persona-style``) interviews the two example
personas, research-first ``ml-engineer`` and production-first ``platform-sre``, on a seeded,
dimension-balanced subset of ``research-orientation`` (``--items N`` per dimension, one epoch, no
cache, default semantic judge) and reports:

- known groups: dimensions where the research-first persona scores higher (right direction),
  mean Cliff's δ, and Holm p from ``rolecall compare``;
- in role: share of main answers in the first person (first-person singular words at least as
  many as second-person ones, and at least one);
- refusals: share of answers the evidence screen calls a refusal;
- subject output tokens per second of wall time (uncached; the runs include judging) and wall time.

Writes bench/out/subjects/subjects.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from validity import ROOT, rolecall, run_dir_from  # bench/ is on sys.path when run as a script

PERSONAS = {
    "research-first": "examples/personas/ml-engineer.md",
    "production-first": "examples/personas/platform-sre.md",
}
FIRST = re.compile(r"\b(i|i'm|i'd|i've|i'll|me|my|mine|myself)\b", re.IGNORECASE)
SECOND = re.compile(r"\b(you|you're|you'd|you've|you'll|your|yours|yourself)\b", re.IGNORECASE)


def in_role(text: str) -> bool:
    first, second = len(FIRST.findall(text)), len(SECOND.findall(text))
    return first >= 1 and first >= second


def answer_stats(run: Path) -> dict[str, Any]:
    turns = [json.loads(x) for x in (run / "transcript.jsonl").read_text().splitlines() if x.strip()]
    main = [t for t in turns if t["role"] == "assistant" and t["turn"] == 1]
    scores = [json.loads(x) for x in (run / "scores.jsonl").read_text().splitlines() if x.strip()]
    refused = {(s["item"], s["epoch"]) for s in scores if s.get("abstain_reason") == "refusal"}
    answers = {(s["item"], s["epoch"]) for s in scores}
    timing = json.loads((run / "timing.json").read_text())["models"]["subject"]
    return {
        "answers": len(main),
        "in_role": sum(in_role(t["text"]) for t in main) / len(main) if main else None,
        "refusal": len(refused) / len(answers) if answers else None,
        "tokens_out": timing["tokens_out"],
        "latency_s": timing["latency_s_total"],
    }


def measure(spec: str, style: str, items: int, out: Path) -> dict[str, Any]:
    runs: dict[str, Path] = {}
    stats: dict[str, Any] = {}
    wall = 0.0
    for group, persona in PERSONAS.items():
        t = time.perf_counter()
        output = rolecall(
            "run", persona, "--model", spec, "--persona-style", style, "--items", str(items),
            "--no-cache", "--out", str(out / "runs"),
        )  # fmt: skip
        wall += time.perf_counter() - t
        runs[group] = run_dir_from(output)
        stats[group] = answer_stats(runs[group])
    cmp_dir = out / f"compare-{spec.replace(':', '_')}-{style}"
    rolecall("compare", str(runs["production-first"]), str(runs["research-first"]), "--out", str(cmp_dir))
    dims = json.loads((cmp_dir / "compare.json").read_text())["comparisons"][0]["dimensions"]
    deltas = [d["cliffs_delta"] for d in dims.values() if d.get("cliffs_delta") is not None]
    tokens = sum(s["tokens_out"] for s in stats.values())
    answers = sum(s["answers"] for s in stats.values())
    return {
        "spec": spec,
        "style": style,
        "items_per_dimension": items,
        "right_direction": sum(1 for d in dims.values() if (d.get("diff") or 0) > 0),
        "dimensions": len(dims),
        "mean_cliffs_delta": round(sum(deltas) / len(deltas), 3) if deltas else None,
        "significant_holm": sum(1 for d in dims.values() if (d.get("p_holm") or 1) < 0.05),
        "per_dimension": {
            k: {"diff": d.get("diff"), "p_holm": d.get("p_holm"), "cliffs_delta": d.get("cliffs_delta")}
            for k, d in dims.items()
        },
        "in_role": round(sum(s["in_role"] * s["answers"] for s in stats.values()) / answers, 3),
        "refusal": round(sum(s["refusal"] * s["answers"] for s in stats.values()) / answers, 3),
        "tokens_per_s": round(tokens / wall, 1) if wall else None,  # output tokens over wall time
        "wall_s": round(wall, 1),
        "runs": {g: str(r.relative_to(ROOT)) for g, r in runs.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=3, help="items per dimension (seeded, balanced subset)")
    ap.add_argument(
        "--configs",
        nargs="+",
        default=["local:role", "local:first-person", "local:reminder", "local:1.5b:first-person"],
        help="SPEC:STYLE, the style after the last colon",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "subjects")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "subjects.json"
    results: list[dict[str, Any]] = json.loads(path.read_text()) if path.exists() else []
    for config in args.configs:
        spec, style = config.rsplit(":", 1)
        print(f"measuring {spec} with --persona-style {style} ...", flush=True)
        row = measure(spec, style, args.items, args.out)
        results = [
            r
            for r in results
            if (r["spec"], r["style"], r["items_per_dimension"]) != (spec, style, args.items)
        ]
        results.append(row)
        path.write_text(json.dumps(results, indent=1))
    print(
        "| subject | persona style | items/dim | right direction | mean Cliff's δ | Holm p < 0.05 | "
        "first-person answers | refusals | tokens/s | wall (2 runs) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| `{r['spec']}` | {r['style']} | {r['items_per_dimension']} | {r['right_direction']}/{r['dimensions']} | "
            f"{r['mean_cliffs_delta']} | {r['significant_holm']} | {100 * r['in_role']:.0f}% | "
            f"{100 * r['refusal']:.0f}% | {r['tokens_per_s']} | {r['wall_s']:.0f} s |"
        )


if __name__ == "__main__":
    main()
