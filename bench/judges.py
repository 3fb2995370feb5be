"""Measure judge configurations against a labelled set and on the two example personas.

    .venv/bin/python bench/judges.py [--judges semantic local local+logprob] [--personas]

Labelled set: bench/data/judge_labels.jsonl (60 answers, five research-orientation dimensions,
both poles and the middle, labelled before any judge was run). For each judge: Spearman's rho
with the labels, accuracy within ±1 scale point, mean score per label group, verdicts/second.
With --personas: interviews both example personas once with the embedded model and reports,
per judge, the per-dimension difference (research-first minus production-first) and how many
dimensions separate in the right direction. Writes bench/out/judges.json and prints a Markdown
table for bench/judges.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import numpy as np
from scipy import stats

from rolecall.calls import open_cache
from rolecall.instrument import load_instrument
from rolecall.judge import make_judge
from rolecall.judge.answers import Answer

ROOT = Path(__file__).resolve().parent
LABELS = ROOT / "data" / "judge_labels.jsonl"


async def score_labels(spec: str) -> dict:
    inst, _ = load_instrument("research-orientation")
    rows = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    cache = open_cache(True)
    judge = make_judge(spec, cache, concurrency=1, seed=0)
    preds: list[float | None] = []
    start = time.perf_counter()
    for r in rows:
        item = inst.item(r["item"])
        ans = Answer(
            item=r["id"],
            epoch=0,
            subject="persona",
            question=item.prompt,
            text=r["answer"],
            answer_only=r["answer"],
        )
        rec = await judge.score(inst, inst.dimension(r["dimension"]), item, ans)
        preds.append(rec.score)
    elapsed = time.perf_counter() - start
    await judge.aclose()
    if cache is not None:
        cache.close()
    labels = np.array([r["label"] for r in rows], dtype=float)
    ok = np.array([p is not None for p in preds])
    p = np.array([np.nan if v is None else v for v in preds], dtype=float)
    rho = stats.spearmanr(labels[ok], p[ok]).statistic if ok.sum() > 2 else float("nan")
    within1 = float(np.mean(np.abs(p[ok] - labels[ok]) <= 1.0)) if ok.any() else float("nan")
    groups = {
        g: float(np.nanmean(p[(labels >= lo) & (labels <= hi)]))
        for g, (lo, hi) in {"low (1-2)": (1, 2), "middle (3)": (3, 3), "high (4-5)": (4, 5)}.items()
    }
    per_dim = {}
    for dim in sorted({r["dimension"] for r in rows}):
        m = np.array([r["dimension"] == dim for r in rows]) & ok
        per_dim[dim] = float(stats.spearmanr(labels[m], p[m]).statistic) if m.sum() > 2 else None
    return {
        "judge": spec,
        "n": len(rows),
        "unscored": int((~ok).sum()),
        "spearman": float(rho),
        "within_1": within1,
        "group_means": groups,
        "per_dimension_spearman": per_dim,
        "seconds": round(elapsed, 2),
        "verdicts_per_s": round(len(rows) / elapsed, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--judges", nargs="+", default=["semantic", "local", "local+logprob"])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "judges.json")
    args = ap.parse_args()
    results = [asyncio.run(score_labels(spec)) for spec in args.judges]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print("| judge | Spearman ρ | within ±1 | mean on low / middle / high labels | unscored | verdicts/s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        g = r["group_means"]
        print(
            f"| `{r['judge']}` | {r['spearman']:.2f} | {r['within_1']:.0%} | "
            f"{g['low (1-2)']:.2f} / {g['middle (3)']:.2f} / {g['high (4-5)']:.2f} | {r['unscored']} | "
            f"{r['verdicts_per_s']:.2f} |"
        )
    print()
    for r in results:
        print(
            r["judge"],
            {k: (None if v is None else round(v, 2)) for k, v in r["per_dimension_spearman"].items()},
        )


if __name__ == "__main__":
    main()
