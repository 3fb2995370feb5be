"""Does a persona drift over a long conversation? Per dimension, score against session turn.

The data are the judged answers of a session run (probes, and any other judged turns): one
point per session (epoch) × turn × item, the mean over judges. A session asks different items at
different turns, and items differ in how they score; so drift is measured *within* items: an
item asked two or more times in a session (the same scenario early and late, in another wording)
is compared with itself. Per dimension and subject:

- ``slope_per_turn``: the least-squares slope of score on turn number within items (item ×
  session fixed effects: each item's scores and turns are centred on its own mean in that
  session; an item asked once says nothing about drift), with a percentile bootstrap 95%
  interval. With two sessions or more the sessions are resampled (each keeps all its points: the
  interval is over sessions, the unit a deployment repeats); with one session its repeated items
  are (``resampled: probes``).
- ``early_mean`` / ``late_mean``: the mean score of all judged turns in the first half of the
  session (turn ≤ turns / 2) and in the second, as observed; ``difference``: late − early within
  the items asked in both halves, with its bootstrap interval and permutation p, paired over
  sessions when there are two or more, else over those items (``rolecall.stats.compare``).
- ``verdict``: *drifts toward <pole>* when the slope's interval excludes 0 (the pole it moves
  toward); *holds* when the whole interval, times the turns between the first and the last
  point, stays within ±``HOLD_MARGIN`` scale points; *inconclusive* otherwise, and always with
  fewer than ``MIN_POINTS`` points on repeated items.

The first and the last probe of the persona's first session come with their question, answer,
score and cited quote, so that the reports can show what changed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from rolecall.formatting import rounded
from rolecall.instrument import Instrument
from rolecall.instrument.load import names_instrument
from rolecall.persona import Hypothesis
from rolecall.rundir import SESSION_ITEM, ScoreRecord, Subject, TurnRecord
from rolecall.stats import paired_comparison, parse_range

HOLD_MARGIN = 0.5
MIN_POINTS = 3
RESAMPLES = 2000
#: answers quoted in the summary are cut to this many characters
ANSWER_CHARS = 1200

Point = tuple[int, str, int, float]  # (epoch, item, turn, score)


def _points(records: list[ScoreRecord], subject: Subject, dim: str) -> list[Point]:
    acc: dict[tuple[int, str, int], list[float]] = defaultdict(list)
    for r in records:
        if r.subject == subject and r.dimension == dim and r.session_turn is not None and r.score is not None:
            acc[(r.epoch, r.item, r.session_turn)].append(r.score)
    return [(e, i, t, float(np.mean(v))) for (e, i, t), v in sorted(acc.items())]


def _centred(points: list[Point]) -> dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]:
    """(session, item) -> turns and scores centred on their mean, for items asked twice or more."""
    groups: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
    for e, i, t, v in points:
        groups[(e, i)].append((t, v))
    out = {}
    for key, tv in groups.items():
        if len({t for t, _ in tv}) > 1:
            x = np.array([t for t, _ in tv], dtype=float)
            y = np.array([v for _, v in tv], dtype=float)
            out[key] = (x - x.mean(), y - y.mean())
    return out


def slope_interval(points: list[Point], seed: int) -> tuple[float | None, float | None, float | None, str]:
    """(within-item slope, ci_low, ci_high, what was resampled) — see the module docstring."""
    groups = _centred(points)
    sessions = sorted({e for e, _ in groups})
    what = "sessions" if len(sessions) >= 2 else "probes"
    if not groups:
        return None, None, None, what
    unit_of = {key: (str(key[0]) if what == "sessions" else f"{key[0]}:{key[1]}") for key in groups}
    units = sorted(set(unit_of.values()))
    sums = np.zeros((len(units), 2))  # per unit: Σ x̃ỹ, Σ x̃²
    for key, (x, y) in groups.items():
        sums[units.index(unit_of[key])] += [(x * y).sum(), (x * x).sum()]
    slope = float(sums[:, 0].sum() / sums[:, 1].sum())
    n = len(units)
    if n < 2:
        return slope, None, None, what
    draws = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=RESAMPLES).astype(float)
    num, den = (draws @ sums).T
    boot = num[den > 1e-12] / den[den > 1e-12]
    if boot.size == 0:
        return slope, None, None, what
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return slope, min(float(lo), slope), max(float(hi), slope), what


def _early_late(points: list[Point], split: float, seed: int) -> dict[str, Any]:
    early = [p for p in points if p[2] <= split]
    late = [p for p in points if p[2] > split]
    # the items asked in both halves of a session: (session, item) -> (early mean, late mean)
    both: dict[tuple[int, str], tuple[float, float]] = {}
    for key in {(p[0], p[1]) for p in early} & {(p[0], p[1]) for p in late}:
        before = [p[3] for p in early if (p[0], p[1]) == key]
        after = [p[3] for p in late if (p[0], p[1]) == key]
        both[key] = (float(np.mean(before)), float(np.mean(after)))
    sessions = sorted({e for e, _ in both})
    if len(sessions) >= 2:
        a = {str(e): float(np.mean([v[0] for k, v in both.items() if k[0] == e])) for e in sessions}
        b = {str(e): float(np.mean([v[1] for k, v in both.items() if k[0] == e])) for e in sessions}
    else:
        a = {f"{k[0]}:{k[1]}": v[0] for k, v in both.items()}
        b = {f"{k[0]}:{k[1]}": v[1] for k, v in both.items()}
    c = paired_comparison(a, b, dimension="", seed=seed)
    return {
        "early_mean": rounded(float(np.mean([p[3] for p in early]))) if early else None,
        "late_mean": rounded(float(np.mean([p[3] for p in late]))) if late else None,
        "difference": rounded(c.diff),
        "diff_ci_low": rounded(c.ci_low),
        "diff_ci_high": rounded(c.ci_high),
        "p_value": rounded(c.p_value, 4),
        "n_paired": c.n_pairs,
    }


def verdict(lo: float | None, hi: float | None, span: int, n: int, low_label: str, high_label: str) -> str:
    if lo is None or hi is None or n < MIN_POINTS:
        return "inconclusive"
    if lo > 0:
        return f"drifts toward {high_label}"
    if hi < 0:
        return f"drifts toward {low_label}"
    if max(abs(lo), abs(hi)) * max(span, 1) <= HOLD_MARGIN:
        return "holds"
    return "inconclusive"


def drift_stats(points: list[Point], instrument: Instrument, split: float, seed: int) -> dict[str, Any]:
    """The drift figures of one dimension for one subject (see the module docstring)."""
    slope, lo, hi, what = slope_interval(points, seed)
    repeated = [p for p in points if (p[0], p[1]) in _centred(points)]
    turns = sorted({p[2] for p in repeated})
    span = turns[-1] - turns[0] if turns else 0
    intercept = None
    if slope is not None:
        intercept = float(np.mean([p[3] for p in points]) - slope * np.mean([p[2] for p in points]))
    by_turn: dict[int, list[float]] = defaultdict(list)
    for _, _, t, v in points:
        by_turn[t].append(v)
    scale = instrument.scale
    return {
        "slope_per_turn": rounded(slope, 4),
        "slope_ci_low": rounded(lo, 4),
        "slope_ci_high": rounded(hi, 4),
        "intercept": rounded(intercept),
        **_early_late(points, split, seed),
        "n_sessions": len({p[0] for p in points}),
        "n_points": len(points),
        "n_repeated": len(repeated),
        "resampled": what,
        "verdict": verdict(
            rounded(lo, 4), rounded(hi, 4), span, len(repeated), scale.low_label, scale.high_label
        ),
        "points": [
            {
                "turn": t,
                "mean": rounded(float(np.mean(v))),
                "low": rounded(min(v)),
                "high": rounded(max(v)),
                "n": len(v),
            }
            for t, v in sorted(by_turn.items())
        ],
    }


def _quote(
    records: list[ScoreRecord],
    turns: dict[tuple[int, int], tuple[TurnRecord, TurnRecord]],
    epoch: int,
    turn: int,
    dim: str,
) -> dict[str, Any]:
    mine = [
        r
        for r in records
        if r.subject == "persona" and r.dimension == dim and r.epoch == epoch and r.session_turn == turn
    ]
    scored = [r for r in mine if r.score is not None]
    cited = next((r for r in scored if r.evidence and r.quote_verified), None) or next(
        (r for r in scored if r.evidence), None
    )
    user, answer = turns[(epoch, turn)]
    return {
        "turn": turn,
        "epoch": epoch,
        "item": mine[0].item if mine else user.probe or SESSION_ITEM,
        "question": user.text,
        "answer": answer.text[:ANSWER_CHARS],
        "score": rounded(float(np.mean([r.score for r in scored if r.score is not None])))
        if scored
        else None,
        "quote": cited.evidence if cited else "",
        "verified": bool(cited and cited.quote_verified),
    }


def expected_ranges(instrument: Instrument, hypothesis: Hypothesis | None) -> dict[str, list[float]]:
    """The persona's expected range per dimension, from a hypothesis about this instrument or about
    the one whose dimensions it reuses (``dimensions_from``)."""
    if hypothesis is None or not (
        names_instrument(hypothesis.instrument, instrument)
        or hypothesis.instrument == instrument.dimensions_from
    ):
        return {}
    scale = instrument.scale
    dims = {d.id for d in instrument.dimensions}
    out = {}
    for dim, expr in hypothesis.expect.items():
        if dim in dims:
            rng = parse_range(expr, scale_min=scale.min, scale_max=scale.max)
            out[dim] = [rng.low, rng.high]
    return out


def drift_block(
    instrument: Instrument,
    records: list[ScoreRecord],
    turns: list[TurnRecord],
    hypothesis: Hypothesis | None,
    seed: int,
) -> dict[str, Any] | None:
    """``drift.<dimension>`` for a session run (None for any other). ``records``: the ordinary
    verdicts on dimensions their item asks about."""
    session = instrument.session
    if session is None:
        return None
    split = session.turns / 2
    pairs: dict[tuple[int, int], dict[str, TurnRecord]] = defaultdict(dict)
    for t in turns:
        if t.item == SESSION_ITEM and t.subject == "persona" and t.session_turn is not None:
            pairs[(t.epoch, t.session_turn)][t.role] = t
    answered = {k: (v["user"], v["assistant"]) for k, v in pairs.items() if len(v) == 2}
    expected = expected_ranges(instrument, hypothesis)
    out: dict[str, Any] = {}
    for dim in instrument.dimensions:
        points = _points(records, "persona", dim.id)
        block: dict[str, Any] = {
            "name": dim.name,
            "probe_turns": sorted(
                {p.turn for p in session.probes if dim.id in instrument.dimensions_for(p.item)}
            ),
            **drift_stats(points, instrument, split, seed),
        }
        if dim.id in expected:
            block["expected"] = expected[dim.id]
        first = last = None
        if points:
            epoch = points[0][0]
            mine = sorted({t for e, _, t, _ in points if e == epoch and (e, t) in answered})
            if mine:
                first = _quote(records, answered, epoch, mine[0], dim.id)
                last = _quote(records, answered, epoch, mine[-1], dim.id) if len(mine) > 1 else None
        block["first_probe"] = first
        block["last_probe"] = last
        base_points = _points(records, "baseline", dim.id)
        if base_points:
            block["baseline"] = drift_stats(base_points, instrument, split, seed)
        out[dim.id] = block
    return out
