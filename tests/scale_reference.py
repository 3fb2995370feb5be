"""The record-list summary that ``rolecall.aggregation`` replaced, kept as the tests' oracle.

These are ``rolecall.aggregate``'s functions as they were before the summary was computed on
columns (every record of the run held as a pydantic model): the new code must give exactly what
they give. The analyses that still read whole records (STAR, ranking, drift, sessions) are
shared by both and left out here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from statistics import median
from typing import Any

import numpy as np

from rolecall.aggregate import Key, hypothesis_block, on_item_dimensions, panel_scores, source_block
from rolecall.agreement import agreement_summary
from rolecall.analyses import abstention_counts, evidence_status, level_block, pressure_block
from rolecall.analyses.answers import answers_block, phrases_block
from rolecall.analyses.generalizability import generalizability_block
from rolecall.calibration import Calibration, calibrated
from rolecall.formatting import rounded
from rolecall.instrument import Instrument, names_instrument
from rolecall.judge.validity import judge_validity
from rolecall.persona import Hypothesis
from rolecall.pricing import cost
from rolecall.rundir import (
    SESSION_ITEM,
    FailureRecord,
    RunDir,
    ScoreRecord,
    SessionScoreRecord,
    Subject,
    TurnRecord,
    read_records,
)
from rolecall.stats import (
    cronbach_alpha,
    dimension_estimate,
    icc_test_retest,
    judge_alpha,
    paired_comparison,
    with_holm,
)


def _by_item(panel: dict[Key, float]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for (item, _epoch), v in sorted(panel.items()):
        out[item].append(v)
    return dict(out)


def _matrix(panel: dict[Key, float], rows: str) -> np.ndarray:
    items = {item: i for i, item in enumerate(sorted({k[0] for k in panel}))}
    epochs = {epoch: j for j, epoch in enumerate(sorted({k[1] for k in panel}))}
    m = np.full((len(items), len(epochs)), np.nan)
    for (item, epoch), v in panel.items():
        m[items[item], epochs[epoch]] = v
    return m if rows == "items" else m.T


def _complete_rows(m: np.ndarray) -> np.ndarray:
    return m[~np.isnan(m).any(axis=1)] if m.size else m


def _judge_alpha(records: list[ScoreRecord]) -> float | None:
    judges = sorted({r.judge for r in records})
    if len(judges) < 2:
        return None
    units = {u: k for k, u in enumerate(sorted({(r.item, r.epoch) for r in records}))}
    rows = {j: k for k, j in enumerate(judges)}
    m = np.full((len(judges), len(units)), np.nan)
    for r in records:
        if r.score is not None:
            m[rows[r.judge], units[(r.item, r.epoch)]] = r.score
    return judge_alpha(m)


def _representative(records: list[ScoreRecord], mean: float | None) -> list[dict[str, Any]]:
    scored = [r for r in records if r.score is not None and r.evidence.strip()]
    scored.sort(
        key=lambda r: (
            not r.quote_verified,
            abs((r.score or 0) - (mean or 0)),
            -min(len(r.evidence), 200),
            r.item,
            r.epoch,
        )
    )
    return [
        {
            "item": r.item,
            "epoch": r.epoch,
            "judge": r.judge,
            "score": r.score,
            "quote": r.evidence,
            "verified": r.quote_verified,
        }
        for r in scored[:3]
    ]


def dimension_block(
    instrument: Instrument, records: list[ScoreRecord], subject: Subject, seed: int
) -> dict[str, dict[str, Any]]:
    panel = panel_scores(records, subject)
    out: dict[str, dict[str, Any]] = {}
    for dim in instrument.dimensions:
        recs = [r for r in records if r.subject == subject and r.dimension == dim.id]
        dim_panel = panel.get(dim.id, {})
        est = dimension_estimate(_by_item(dim_panel), seed=seed)
        by_judge: dict[str, dict[str, Any]] = {}
        for judge in sorted({r.judge for r in recs}):
            jr = [r for r in recs if r.judge == judge]
            vals = [r.score for r in jr if r.score is not None]
            by_judge[judge] = {
                "mean": rounded(float(np.mean(vals))) if vals else None,
                "n": len(vals),
                "unscored": sum(r.unscored for r in jr),
                "abstained": sum(r.abstained for r in jr),
                "unverified_quotes": sum(r.quote_verified is False for r in jr),
            }
        epochs = {k[1] for k in dim_panel}
        out[dim.id] = {
            "name": dim.name,
            "mean": rounded(est.mean),
            "ci_low": rounded(est.ci_low),
            "ci_high": rounded(est.ci_high),
            "n": est.n,
            "n_items": est.n_items,
            "unscored": sum(r.unscored for r in recs),
            "abstained": abstention_counts(recs),
            "evidence_status": evidence_status(recs, est.n_items),
            "cronbach_alpha": rounded(cronbach_alpha(_complete_rows(_matrix(dim_panel, "epochs"))))
            if len(epochs) > 1
            else None,
            "icc": rounded(icc_test_retest(_complete_rows(_matrix(dim_panel, "items"))))
            if len(epochs) > 1
            else None,
            "judge_alpha": rounded(_judge_alpha(recs)),
            "judges": by_judge,
            "evidence": _representative(recs, est.mean),
        }
    return out


def _items_block(records: list[ScoreRecord], subject: Subject) -> dict[str, dict[str, Any]]:
    by: dict[str, dict[str, list[ScoreRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.subject == subject:
            by[r.item][r.dimension].append(r)
    items: dict[str, dict[str, Any]] = {}
    for item in sorted(by):
        items[item] = {}
        for d in sorted(by[item]):
            rs = by[item][d]
            vals = [r.score for r in rs if r.score is not None]
            items[item][d] = {
                "mean": rounded(float(np.mean(vals))) if vals else None,
                "n": len(vals),
                "unscored": sum(r.unscored for r in rs),
                "abstained": abstention_counts(rs)["by_reason"],
            }
    return items


def _baseline_effects(instrument: Instrument, records: list[ScoreRecord], seed: int) -> dict[str, Any]:
    persona = panel_scores(records, "persona")
    base = panel_scores(records, "baseline")
    comps = []
    for dim in instrument.dimensions:
        a = {i: float(np.mean(v)) for i, v in _by_item(base.get(dim.id, {})).items()}
        b = {i: float(np.mean(v)) for i, v in _by_item(persona.get(dim.id, {})).items()}
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


def _percentile(values: list[float], q: float) -> float | None:
    return rounded(float(np.percentile(values, q)), 4) if values else None


def _calls_block(turns: list[TurnRecord]) -> dict[str, Any]:
    """Calls to the subject model; a transcript's recorded answers (model "transcript") are none."""
    answers = [t for t in turns if t.role == "assistant" and t.model != "transcript"]
    live = [t.latency_s for t in answers if not t.cached]
    return {
        "subject_calls": len(answers),
        "cached": sum(t.cached for t in answers),
        "tokens_in": sum(t.tokens_in for t in answers),
        "tokens_out": sum(t.tokens_out for t in answers),
        "latency_p50_s": rounded(median(live), 4) if live else None,
        "latency_p95_s": _percentile(live, 95),
    }


def unresolved_failures(
    failures: Iterable[FailureRecord],
    turns: list[TurnRecord],
    scores: list[ScoreRecord],
    session_scores: Iterable[SessionScoreRecord] = (),
) -> list[FailureRecord]:
    """Failures that a later resume has not made good (latest per call site). A session's
    failure names its turn: it is made good once that turn is answered (judged)."""
    answered = {(t.item, t.epoch, t.subject, t.session_turn) for t in turns if t.role == "assistant"}
    answered |= {(t.item, t.epoch, t.subject, None) for t in turns if t.role == "assistant"}
    judged = {(s.item, s.epoch, s.subject, s.condition, s.dimension, s.judge, s.session_turn) for s in scores}
    judged |= {
        (SESSION_ITEM, s.epoch, s.subject, "ordinary", s.dimension, s.judge, None) for s in session_scores
    }
    latest: dict[tuple[Any, ...], FailureRecord] = {}
    for f in failures:
        if f.stage == "interview" and (f.item, f.epoch, f.subject, f.session_turn) not in answered:
            latest[(f.stage, f.item, f.epoch, f.subject)] = f
        elif (
            f.stage == "judge"
            and (f.item, f.epoch, f.subject, f.condition, f.dimension, f.model, f.session_turn) not in judged
        ):
            latest[
                (f.stage, f.item, f.epoch, f.subject, f.condition, f.dimension, f.model, f.session_turn)
            ] = f
    return list(latest.values())


def summarize(
    run: RunDir,
    instrument: Instrument,
    *,
    hypothesis: Hypothesis | None,
    persona_name: str | None,
    seed: int = 0,
    subject_spec: str | None = None,
    calibration: Calibration | None = None,
) -> dict[str, Any]:
    all_records = list(read_records(run.scores, ScoreRecord))
    turns = list(read_records(run.transcript, TurnRecord))
    if calibration is not None:
        all_records = calibrated(all_records, calibration, transcript=run.transcript)
    session_scores = list(read_records(run.session_scores, SessionScoreRecord))
    failures = unresolved_failures(
        read_records(run.failures, FailureRecord), turns, all_records, session_scores
    )
    on_item = on_item_dimensions(instrument, all_records, turns)
    ordinary = [r for r in on_item if r.condition == "ordinary"]  # pressure is summarised apart
    # a session's judged turns that are not probes count only toward drift
    records = [r for r in ordinary if r.item != SESSION_ITEM]
    dims = dimension_block(instrument, records, "persona", seed)
    persona_recs = [r for r in records if r.subject == "persona"]
    overall = dimension_estimate(
        {
            f"{d}:{item}": v
            for d, panel in panel_scores(persona_recs, "persona").items()
            for item, v in _by_item(panel).items()
        },
        seed=seed,
    )
    by_judge: dict[str, int] = defaultdict(int)
    for r in all_records:
        if r.unscored:
            by_judge[r.judge] += 1
    failed_by_model: dict[str, int] = defaultdict(int)
    for f in failures:
        failed_by_model[f.model] += 1
    source = source_block(run.read_manifest())
    summary: dict[str, Any] = {
        "persona": persona_name if (source or {}).get("kind") != "transcript" else None,
        **({"source": source} if source else {}),
        "instrument": {
            "id": instrument.id,
            "name": instrument.name,
            "version": instrument.version,
            "scale": instrument.scale.model_dump(),
        },
        "judges": {
            j: {"validity": judge_validity(j, instrument.id)} for j in sorted({r.judge for r in all_records})
        },
        "dimensions": dims,
        "overall": {
            "mean": rounded(overall.mean),
            "ci_low": rounded(overall.ci_low),
            "ci_high": rounded(overall.ci_high),
            "n": overall.n,
        },
        "items": _items_block(records, "persona"),
        "answers": answers_block(turns, records),
        "unscored": {"total": sum(by_judge.values()), "by_judge": dict(by_judge)},
        "abstained": {
            **abstention_counts(persona_recs),
            "by_judge": dict(Counter(r.judge for r in persona_recs if r.abstained)),
        },
        "verdicts": {
            "total": sum(r.subject == "persona" for r in all_records),
            "scored": sum(r.subject == "persona" and r.score is not None for r in all_records),
            "abstained": sum(r.subject == "persona" and r.abstained for r in all_records),
            "counted": len(persona_recs),
        },
        "failures": {
            "interview": sum(f.stage == "interview" for f in failures),
            "judge": sum(f.stage == "judge" for f in failures),
            "by_model": dict(failed_by_model),
        },
        "calls": _calls_block(turns),
    }
    timing = run.read_timing()
    if timing is not None:
        summary["timing"] = {k: v for k, v in timing.items() if k != "schema_version"}
        priced = cost(summary["timing"].get("models", {}), subject_spec)
        summary["timing"]["cost_usd"] = priced["total_usd"]
        summary["timing"]["cost"] = priced
    if any(r.subject == "baseline" for r in records):
        summary["baseline"] = {
            "dimensions": dimension_block(instrument, records, "baseline", seed),
            "effects": _baseline_effects(instrument, records, seed),
        }
    phrases = phrases_block(turns)
    if phrases is not None:
        summary["phrases"] = phrases
    if instrument.levels:
        for dim_id, level in level_block(instrument, dims).items():
            dims[dim_id]["level"] = level
    pressure = pressure_block(instrument, on_item, seed)
    if pressure is not None:
        summary["pressure"] = pressure
    if hypothesis is not None and names_instrument(hypothesis.instrument, instrument):
        summary["hypothesis"] = hypothesis_block(hypothesis, instrument, dims)
    # a session repeats items at other turns: their spread is drift, not a facet of the design
    study = generalizability_block(instrument, records, hypothesis) if instrument.session is None else None
    if study is not None:
        summary["generalizability"] = study
    if calibration is not None:
        summary["calibration"] = {
            "judge": calibration.judge,
            "method": calibration.method,
            "cv": calibration.cv_overall,
        }
    agreed = run.read_agreement()
    if agreed:
        summary["agreement"] = agreement_summary(agreed)
    return summary
