"""The summary's dimension statistics, computed on the verdict columns.

Each function gives exactly what its record-list predecessor in ``rolecall.aggregate`` gave
(``dimension_block``, ``_items_block``, the overall estimate, ``_baseline_effects``): the same
selections, the same scores in the same order into the same numpy and ``rolecall.stats`` calls.
Counting abstentions and evidence mirrors ``rolecall.analyses.evidence``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from rolecall.aggregation.columns import Groups, ScoreColumns, combined, ranks
from rolecall.aggregation.evidence import Representatives
from rolecall.aggregation.panels import DimPanel, panel
from rolecall.defaults import MIN_EVIDENCED_ITEMS, MIN_EVIDENCED_SHARE
from rolecall.formatting import rounded
from rolecall.instrument import Instrument
from rolecall.judge.evidence import ABSTAIN_REASONS
from rolecall.stats import (
    cronbach_alpha,
    dimension_estimate,
    icc_test_retest,
    judge_alpha,
    paired_comparison,
    with_holm,
)
from rolecall.stats.intervals import Estimate


def abstention_counts(columns: ScoreColumns, idx: np.ndarray) -> dict[str, Any]:
    """``analyses.evidence.abstention_counts`` of the verdicts at ``idx``."""
    reasons = Counter(columns.reasons[int(c)] for c in columns.reason[idx][columns.abstained[idx]])
    return {
        "total": sum(reasons.values()),
        "by_reason": {k: reasons[k] for k in ABSTAIN_REASONS if reasons[k]},
    }


def evidence_status(columns: ScoreColumns, idx: np.ndarray, n_items: int) -> dict[str, Any]:
    """``analyses.evidence.evidence_status`` of the verdicts at ``idx``."""
    judged = idx[~columns.unscored[idx]]
    evidenced = int(columns.scored[judged].sum())
    share = evidenced / judged.size if judged.size else 0.0
    asked = int(np.unique(columns.item[judged]).size)
    return {
        "evidenced": evidenced,
        "judged": int(judged.size),
        "evidenced_share": round(share, 3),
        "evidenced_items": n_items,
        "sufficient": bool(judged.size)
        and n_items >= min(MIN_EVIDENCED_ITEMS, asked)
        and share >= MIN_EVIDENCED_SHARE,
    }


def _complete_rows(m: np.ndarray) -> np.ndarray:
    return m[~np.isnan(m).any(axis=1)] if m.size else m


def _judge_alpha(columns: ScoreColumns, idx: np.ndarray) -> float | None:
    """Krippendorff's alpha over judges × answers (item, epoch); the last score of a cell counts."""
    present = np.unique(columns.judge[idx])
    if present.size < 2:
        return None
    judge_pos = ranks([columns.judges[int(c)] for c in present])[np.searchsorted(present, columns.judge[idx])]
    unit_key = combined(
        (columns.item_rank_of(columns.item[idx]), len(columns.items)),
        (columns.epoch_rank_of(columns.epoch[idx]), len(columns.epochs)),
    )
    units, unit_pos = np.unique(unit_key, return_inverse=True)
    m = np.full((present.size, units.size), np.nan)
    scored = columns.scored[idx]
    last = Groups.of(judge_pos[scored] * units.size + unit_pos[scored]).last()
    m[judge_pos[scored][last], unit_pos[scored][last]] = columns.score[idx][scored][last]
    return judge_alpha(m)


def _by_judge(columns: ScoreColumns, idx: np.ndarray) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    codes = columns.judge[idx]
    for code in sorted(np.unique(codes).tolist(), key=lambda c: columns.judges[c]):
        jr = idx[codes == code]
        vals = columns.score[jr][columns.scored[jr]]
        out[columns.judges[code]] = {
            "mean": rounded(float(np.mean(vals))) if vals.size else None,
            "n": int(vals.size),
            "unscored": int(columns.unscored[jr].sum()),
            "abstained": int(columns.abstained[jr].sum()),
            "unverified_quotes": int((columns.verified[jr] == 0).sum()),
        }
    return out


def _reliability(dim_panel: DimPanel | None) -> tuple[float | None, float | None]:
    """(Cronbach's alpha over items, test-retest ICC) when the panel has two epochs or more."""
    if dim_panel is None or dim_panel.n_epochs < 2:
        return None, None
    alpha = cronbach_alpha(_complete_rows(dim_panel.matrix("epochs")))
    return rounded(alpha), rounded(icc_test_retest(_complete_rows(dim_panel.matrix("items"))))


def dimension_block(
    instrument: Instrument,
    columns: ScoreColumns,
    subject: str,
    seed: int,
    representatives: Representatives,
    panels: dict[str, DimPanel] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per dimension of the instrument: estimate, reliability, judges, evidence, quotes."""
    panels = panel(columns, subject) if panels is None else panels
    counted = columns.counted(subject)
    out: dict[str, dict[str, Any]] = {}
    for dim in instrument.dimensions:
        code = columns.dims.index(dim.id) if dim.id in columns.dims else -1
        idx = np.flatnonzero(counted & (columns.dim == code))
        dim_panel = panels.get(dim.id)
        est = dimension_estimate(dim_panel.by_item() if dim_panel else {}, seed=seed)
        alpha, icc = _reliability(dim_panel)
        out[dim.id] = {
            "name": dim.name,
            "mean": rounded(est.mean),
            "ci_low": rounded(est.ci_low),
            "ci_high": rounded(est.ci_high),
            "n": est.n,
            "n_items": est.n_items,
            "unscored": int(columns.unscored[idx].sum()),
            "abstained": abstention_counts(columns, idx),
            "evidence_status": evidence_status(columns, idx, est.n_items),
            "cronbach_alpha": alpha,
            "icc": icc,
            "judge_alpha": rounded(_judge_alpha(columns, idx)),
            "judges": _by_judge(columns, idx),
            "evidence": representatives.pick(subject, dim.id, est.mean),
        }
    return out


def overall_estimate(persona_panels: dict[str, DimPanel], seed: int) -> Estimate:
    """Every (dimension, item) of the persona as one cluster of the bootstrap."""
    return dimension_estimate(
        {f"{d}:{item}": v for d, p in persona_panels.items() for item, v in p.by_item().items()},
        seed=seed,
    )


def items_block(columns: ScoreColumns, subject: str) -> dict[str, dict[str, Any]]:
    """item -> dimension -> mean, n, unscored, abstentions by reason; both sorted."""
    idx = np.flatnonzero(columns.counted(subject))
    dim_rank = ranks(columns.dims)
    groups = Groups.of(
        combined(
            (columns.item_rank_of(columns.item[idx]), len(columns.items)),
            (dim_rank[columns.dim[idx]], len(columns.dims)),
        )
    )
    items: dict[str, dict[str, Any]] = {}
    for rs in groups.split(idx):
        item, dim = columns.items[int(columns.item[rs[0]])], columns.dims[int(columns.dim[rs[0]])]
        vals = columns.score[rs][columns.scored[rs]]
        items.setdefault(item, {})[dim] = {
            "mean": rounded(float(np.mean(vals))) if vals.size else None,
            "n": int(vals.size),
            "unscored": int(columns.unscored[rs].sum()),
            "abstained": abstention_counts(columns, rs)["by_reason"],
        }
    return items


def baseline_effects(
    instrument: Instrument, persona: dict[str, DimPanel], base: dict[str, DimPanel], seed: int
) -> dict[str, Any]:
    """Persona against baseline per dimension, paired by item (Holm across dimensions)."""
    comps = []
    for dim in instrument.dimensions:
        a = {i: float(np.mean(v)) for i, v in (base[dim.id].by_item() if dim.id in base else {}).items()}
        b = {
            i: float(np.mean(v)) for i, v in (persona[dim.id].by_item() if dim.id in persona else {}).items()
        }
        comps.append(paired_comparison(a, b, dimension=dim.id, seed=seed))
    return {
        c.dimension: {
            "baseline_mean": rounded(c.mean_a),
            "persona_mean": rounded(c.mean_b),
            "effect": rounded(c.diff),
            "ci_low": rounded(c.ci_low),
            "ci_high": rounded(c.ci_high),
            "p_value": rounded(c.p_value, 4),
            "p_holm": rounded(c.p_holm, 4),
            "cliffs_delta": rounded(c.cliffs_delta),
            "n_pairs": c.n_pairs,
        }
        for c in with_holm(comps)
    }
