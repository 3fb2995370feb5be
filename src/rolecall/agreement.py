"""Judge versus human agreement on a run's answers (``rolecall agreement``), and rater versus rater.

For every judge and dimension, on the answer × dimension units both a judge verdict and a human
label exist:

- ``n``: units; ``n_scored``: units both scored (the judge did not abstain, the label is a score);
- ``spearman`` with a seeded percentile bootstrap CI over units (``spearman_ci``);
- ``kappa_quadratic`` (judge scores rounded to the scale), ``exact`` and ``within_1``;
- ``confusion``: label (rows) × judge (columns), scale points then ``no evidence``;
- ``abstention``: labelled "no evidence" / judge abstained, both, and the recall and false rate.

With several raters on one unit the human label is their median score, or "no evidence" when
most of them said so. ``raters``: with two or more raters on shared units, Krippendorff's alpha
(ordinal, every rater) and quadratic-weighted kappa for each pair of raters: the human ceiling a
judge's agreement should be read against.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from statistics import median
from typing import Any

import numpy as np

from rolecall.formatting import rounded
from rolecall.labels import LabelKey, LabelRecord, latest
from rolecall.rundir import ScoreRecord
from rolecall.stats.agreement import abstention_agreement, quadratic_kappa, spearman, within
from rolecall.stats.reliability import judge_alpha

NO_EVIDENCE = "no evidence"
BOOTSTRAP = 2000


def human_labels(labels: Iterable[LabelRecord]) -> dict[LabelKey, int | None]:
    """One human label per unit: the raters' median score, or None when most found no evidence."""
    by: dict[LabelKey, list[int | None]] = defaultdict(list)
    for lab in latest(labels).values():
        by[lab.key].append(lab.score)
    out: dict[LabelKey, int | None] = {}
    for key, scores in by.items():
        numeric = [s for s in scores if s is not None]
        out[key] = None if len(numeric) * 2 < len(scores) else round(median(numeric))
    return out


def _spearman_ci(a: list[float], b: list[float], seed: int) -> list[float] | None:
    if len(a) < 5:
        return None
    rng = np.random.default_rng(seed)
    x, y = np.asarray(a), np.asarray(b)
    stats = []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, len(x), len(x))
        rho = spearman(list(x[idx]), list(y[idx]))
        if rho is not None:
            stats.append(rho)
    if len(stats) < BOOTSTRAP // 2:
        return None
    return [round(float(np.percentile(stats, 2.5)), 3), round(float(np.percentile(stats, 97.5)), 3)]


def compare_units(
    pairs: list[tuple[int | None, ScoreRecord]], lo: int, hi: int, seed: int = 0
) -> dict[str, Any]:
    """Agreement figures for (human label, judge verdict) pairs on one judge."""
    scored = [(float(h), float(v.score)) for h, v in pairs if h is not None and v.score is not None]
    hum = [h for h, _ in scored]
    jud = [j for _, j in scored]
    points = [str(p) for p in range(lo, hi + 1)]
    columns = [*points, NO_EVIDENCE]
    confusion = {row: dict.fromkeys(columns, 0) for row in columns}
    for h, v in pairs:
        row = NO_EVIDENCE if h is None else str(h)
        col = NO_EVIDENCE if v.score is None else str(int(np.clip(round(v.score), lo, hi)))
        confusion[row][col] += 1
    ab = abstention_agreement([h is None for h, _ in pairs], [v.abstained for _, v in pairs])
    return {
        "n": len(pairs),
        "n_scored": len(scored),
        "spearman": rounded(spearman(hum, jud)),
        "spearman_ci": _spearman_ci(hum, jud, seed),
        "kappa_quadratic": rounded(quadratic_kappa(hum, jud, lo, hi)),
        "exact": rounded(float(np.mean(np.rint(jud) == np.asarray(hum)))) if scored else None,
        "within_1": rounded(within(hum, jud)),
        "confusion": confusion,
        "abstention": {
            "labelled_no_evidence": sum(h is None for h, _ in pairs),
            "judge_abstained": sum(v.abstained for _, v in pairs),
            "both": sum(h is None and v.abstained for h, v in pairs),
            "recall": rounded(ab["recall"]),
            "false_abstain": rounded(ab["false_abstain"]),
        },
    }


def rater_agreement(labels: Iterable[LabelRecord], lo: int, hi: int) -> dict[str, Any]:
    """Krippendorff's alpha over every rater, and kappa for each pair, on the units they share."""
    table = latest(labels)
    raters = sorted({r for _, r in table})
    units = sorted({k for k, _ in table})
    out: dict[str, Any] = {"raters": raters, "units": len(units)}
    if len(raters) < 2:
        return out
    m = np.full((len(raters), len(units)), np.nan)
    col = {u: j for j, u in enumerate(units)}
    row = {r: i for i, r in enumerate(raters)}
    for (key, rater), lab in table.items():
        if lab.score is not None:
            m[row[rater], col[key]] = lab.score
    shared = int(np.sum(np.sum(~np.isnan(m), axis=0) >= 2))
    out["shared_units"] = shared
    out["krippendorff_alpha"] = rounded(judge_alpha(m)) if shared >= 2 else None
    pairs = {}
    for a, b in itertools.combinations(raters, 2):
        both = ~np.isnan(m[row[a]]) & ~np.isnan(m[row[b]])
        xa, xb = list(m[row[a]][both]), list(m[row[b]][both])
        pairs[f"{a}|{b}"] = {
            "n": int(both.sum()),
            "kappa_quadratic": rounded(quadratic_kappa(xa, xb, lo, hi)),
            "within_1": rounded(within(xa, xb)),
        }
    out["pairs"] = pairs
    return out


def agreement(
    scores: Iterable[ScoreRecord], labels: list[LabelRecord], lo: int, hi: int, seed: int = 0
) -> dict[str, Any]:
    """``{"judges": {judge: {"overall": ..., "dimensions": {dim: ...}}}, "raters": ..., "labels": n}``."""
    human = human_labels(labels)
    by_judge: dict[str, list[tuple[int | None, ScoreRecord]]] = defaultdict(list)
    for s in scores:
        key = (s.item, s.epoch, s.subject, s.dimension)
        if key in human and not s.unscored and s.condition == "ordinary":
            by_judge[s.judge].append((human[key], s))
    judges: dict[str, Any] = {}
    for judge, pairs in sorted(by_judge.items()):
        dims: dict[str, list[tuple[int | None, ScoreRecord]]] = defaultdict(list)
        for h, v in pairs:
            dims[v.dimension].append((h, v))
        judges[judge] = {
            "overall": compare_units(pairs, lo, hi, seed),
            "dimensions": {d: compare_units(p, lo, hi, seed) for d, p in sorted(dims.items())},
        }
    return {
        "labels": len(labels),
        "units_labelled": len(human),
        "judges": judges,
        "raters": rater_agreement(labels, lo, hi),
    }


def agreement_summary(agreed: dict[str, Any]) -> dict[str, Any]:
    """The overall and per-dimension figures of agreement.json that summary.json carries."""
    return {
        judge: {
            "n": res["overall"]["n"],
            "spearman": res["overall"]["spearman"],
            "kappa_quadratic": res["overall"]["kappa_quadratic"],
            "within_1": res["overall"]["within_1"],
            "abstain_recall": res["overall"]["abstention"]["recall"],
            "dimensions": {
                d: {k: m[k] for k in ("n", "spearman", "kappa_quadratic", "within_1")}
                for d, m in res["dimensions"].items()
            },
        }
        for judge, res in agreed["judges"].items()
    }
