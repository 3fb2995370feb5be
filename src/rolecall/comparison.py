"""Compare runs: per-dimension differences with paired permutation tests, effect sizes, Holm.

Each run after the first is compared with the first (the reference). Pairs are the items both
runs answered (item means over epochs and judges); with no shared items the comparison is
unpaired. The item means come from each run's summary.json; the distinctive phrases from the
persona's answers in transcript.jsonl.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rolecall.aggregate import panel_scores
from rolecall.errors import RolecallError
from rolecall.rundir import RunDir, ScoreRecord, Subject, TurnRecord, read_records
from rolecall.stats import distinctive_phrases, paired_comparison, unpaired_comparison, with_holm


def item_means(run: RunDir) -> dict[str, dict[str, float]]:
    """dimension -> item -> the persona's mean score on the item, as the run's summary.json holds
    it (each item's own dimensions, ordinary answers, every epoch and judge): a comparison reads
    the same numbers the run's report shows."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for item, dims in run.read_summary()["items"].items():
        for dim, stats in dims.items():
            if stats["mean"] is not None:
                out[dim][item] = float(stats["mean"])
    return dict(out)


def item_means_of(
    records: Iterable[ScoreRecord], subject: Subject = "persona"
) -> dict[str, dict[str, float]]:
    """``item_means`` of these verdicts (``rolecall ablate`` passes those on each item's own dimensions)."""
    panel = panel_scores(records, subject)
    out: dict[str, dict[str, float]] = {}
    for dim, by in panel.items():
        acc: dict[str, list[float]] = defaultdict(list)
        for (item, _epoch), v in by.items():
            acc[item].append(v)
        out[dim] = {i: float(np.mean(v)) for i, v in acc.items()}
    return out


def answers_text(run: RunDir) -> list[str]:
    return [
        t.text
        for t in read_records(run.transcript, TurnRecord)
        if t.role == "assistant" and t.subject == "persona"
    ]


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def compare_runs(paths: list[Path], *, seed: int = 0) -> dict[str, Any]:
    if len(paths) < 2:
        raise RolecallError("compare needs at least two run directories")
    runs = [RunDir(p) for p in paths]
    summaries = [r.read_summary() for r in runs]
    ids = {s["instrument"]["id"] for s in summaries}
    if len(ids) > 1:
        raise RolecallError(
            f"runs use different instruments ({', '.join(sorted(ids))}); compare runs of one instrument"
        )
    labels = [
        f"{s.get('persona') or 'transcript'} [{r.path.name}]" for s, r in zip(summaries, runs, strict=True)
    ]
    ref, ref_means = runs[0], item_means(runs[0])
    dims = list(summaries[0]["dimensions"])
    comparisons: list[dict[str, Any]] = []
    for run, label in zip(runs[1:], labels[1:], strict=True):
        means = item_means(run)
        comps = []
        for dim in dims:
            a, b = ref_means.get(dim, {}), means.get(dim, {})
            if set(a) & set(b):
                comps.append(paired_comparison(a, b, dimension=dim, seed=seed))
            else:
                comps.append(
                    unpaired_comparison(list(a.values()), list(b.values()), dimension=dim, seed=seed)
                )
        comps = with_holm(comps)
        ref_phr, run_phr = distinctive_phrases(answers_text(ref), answers_text(run), top=12)
        comparisons.append(
            {
                "reference": labels[0],
                "run": label,
                "run_dir": str(run.path),
                "dimensions": {
                    c.dimension: {
                        k: (_r(v) if isinstance(v, float) else v)
                        for k, v in asdict(c).items()
                        if k != "dimension"
                    }
                    for c in comps
                },
                "distinctive_phrases": {
                    "reference": [asdict(p) for p in ref_phr],
                    "run": [asdict(p) for p in run_phr],
                },
            }
        )
    absent = {"mean": None, "ci_low": None, "ci_high": None, "n": 0}  # a run without this dimension
    matrix = {
        label: {
            dim: {k: s["dimensions"][dim][k] for k in absent} if dim in s["dimensions"] else dict(absent)
            for dim in dims
        }
        for label, s in zip(labels, summaries, strict=True)
    }
    hypotheses = {
        label: (s.get("hypothesis") or {}).get("verdict") for label, s in zip(labels, summaries, strict=True)
    }
    return {
        "instrument": summaries[0]["instrument"],
        "runs": [{"label": lb, "path": str(r.path)} for lb, r in zip(labels, runs, strict=True)],
        "dimension_names": {d: summaries[0]["dimensions"][d]["name"] for d in dims},
        "matrix": matrix,
        "comparisons": comparisons,
        "hypotheses": hypotheses,
        "method": "paired two-sided permutation test over shared items (item means), Holm correction "
        "across dimensions per pair; Cohen's d_z and Cliff's delta; bootstrap CI of the mean difference",
    }
