"""Aggregate a run's files into summary.json: intervals, reliability, unscored counts, verdicts.

Reads only the run directory's files (plus the instrument and persona they name), so a summary
can be rebuilt at any time. Each file is read once, streaming, and what the statistics need is
kept as columns (``rolecall.aggregation``): a million verdicts summarise in bounded memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rolecall.aggregation.columns import counts_in_first_seen_order
from rolecall.aggregation.digest import TurnDigest
from rolecall.aggregation.dimensions import (
    abstention_counts,
    baseline_effects,
    dimension_block,
    items_block,
    overall_estimate,
)
from rolecall.aggregation.panels import panel
from rolecall.aggregation.reading import FullRecords, RunReading, read_run
from rolecall.aggregation.studies import generalizability_block, pressure_block
from rolecall.agreement import agreement_summary
from rolecall.analyses import level_block, ranking_block, star_block
from rolecall.analyses.answers import answers_block
from rolecall.analyses.drift import drift_block
from rolecall.analyses.sessions import session_block
from rolecall.calibration import Calibration
from rolecall.formatting import rounded
from rolecall.instrument import Instrument, names_instrument
from rolecall.judge.validity import judge_validity
from rolecall.persona import Hypothesis
from rolecall.pricing import cost
from rolecall.rundir import (
    Manifest,
    RelevanceRecord,
    RunDir,
    ScoreRecord,
    Subject,
    TurnRecord,
    read_records,
)
from rolecall.stats import dimension_verdict, overall_verdict, parse_range
from rolecall.stats.hypothesis import Verdict

Key = tuple[str, int]  # (item, epoch)


def panel_scores(scores: Iterable[ScoreRecord], subject: Subject) -> dict[str, dict[Key, float]]:
    """dimension -> (item, epoch) -> mean over judges of the scored verdicts (answers under
    pressure are summarised apart, by ``rolecall.analyses.pressure``)."""
    acc: dict[str, dict[Key, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in scores:
        if s.subject == subject and s.score is not None and s.condition == "ordinary":
            acc[s.dimension][(s.item, s.epoch)].append(s.score)
    return {d: {k: float(np.mean(v)) for k, v in by.items()} for d, by in acc.items()}


def hypothesis_block(
    hypothesis: Hypothesis, instrument: Instrument, dims: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    verdicts: dict[str, Verdict] = {}
    per_dim: dict[str, Any] = {}
    for dim_id, expr in hypothesis.expect.items():
        rng = parse_range(expr, scale_min=instrument.scale.min, scale_max=instrument.scale.max)
        d = dims.get(dim_id, {})
        v: Verdict = dimension_verdict(rng, d.get("ci_low"), d.get("ci_high"), d.get("mean"))
        if not d.get("evidence_status", {}).get("sufficient", True):
            v = "insufficient evidence"
        verdicts[dim_id] = v
        per_dim[dim_id] = {
            "expected": expr,
            "range": [rng.low, rng.high],
            "mean": d.get("mean"),
            "ci_low": d.get("ci_low"),
            "ci_high": d.get("ci_high"),
            "verdict": v,
        }
    return {
        "instrument": hypothesis.instrument,
        "statement": hypothesis.statement,
        "verdict": overall_verdict(verdicts),
        "dimensions": per_dim,
    }


def _calls_block(turns: TurnDigest) -> dict[str, Any]:
    """Calls to the subject model; a transcript's recorded answers (model "transcript") are none.

    The latencies stay a float64 array: ``np.median`` gives what ``statistics.median`` of their
    list gave (the middle value, or the mean of the two middle ones) without a million floats."""
    live = np.frombuffer(turns.latencies, dtype=np.float64)
    return {
        "subject_calls": turns.calls,
        "cached": turns.cached,
        "tokens_in": turns.tokens_in,
        "tokens_out": turns.tokens_out,
        "latency_p50_s": rounded(float(np.median(live)), 4) if live.size else None,
        "latency_p95_s": rounded(float(np.percentile(live, 95)), 4) if live.size else None,
    }


def source_block(manifest: Manifest) -> dict[str, Any] | None:
    """Where the answers came from: a persona interviewed by a subject model, or a transcript."""
    if manifest.persona:
        return {"kind": "persona", "name": manifest.persona.name, "path": manifest.persona.path}
    t = manifest.transcript_source
    if t:
        block: dict[str, Any] = {
            "kind": "transcript",
            "name": t.get("name") or Path(t["path"]).stem,
            "path": t["path"],
        }
        if isinstance(t.get("answers"), int):
            block["answers"] = t["answers"]
        return block
    return None


def on_item_dimensions(
    instrument: Instrument, records: list[ScoreRecord], turns: Iterable[TurnRecord]
) -> list[ScoreRecord]:
    """The verdicts on dimensions their item asks about (all dimensions for an unmatched item).

    When every answer is judged on every dimension to rank them, the others are left out here;
    answers given under pressure count for their base item.
    """
    rubric: dict[str, str] = {}
    for t in turns:
        rubric.setdefault(t.item, t.instrument_item or t.item)
    allowed: dict[str, set[str]] = {}
    out = []
    for r in records:
        item = rubric.get(r.item, r.item)
        if item not in allowed:
            allowed[item] = set(instrument.dimensions_for(item))
        if r.dimension in allowed[item]:
            out.append(r)
    return out


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
    """The summary of ``run`` (validated and written by ``pipeline.finish``).

    ``calibration`` maps its judge's scores before any statistic. Each file is read once
    (``aggregation.reading``); the statistics are computed on the verdicts as columns.
    """
    manifest = run.read_manifest()
    reading = read_run(run, instrument, calibration, baseline_hint=manifest.baseline)
    cols, scores = reading.columns, reading.scores
    persona_panels = panel(cols, "persona")
    dims = dimension_block(instrument, cols, "persona", seed, scores.representatives, persona_panels)
    overall = overall_estimate(persona_panels, seed)
    persona_recs = np.flatnonzero(cols.counted("persona"))
    failed_by_model: dict[str, int] = defaultdict(int)
    for f in reading.failures:
        failed_by_model[f.model] += 1
    source = source_block(manifest)
    summary: dict[str, Any] = {
        "persona": persona_name if (source or {}).get("kind") != "transcript" else None,
        **({"source": source} if source else {}),
        "instrument": {
            "id": instrument.id,
            "name": instrument.name,
            "version": instrument.version,
            "scale": instrument.scale.model_dump(),
        },
        "judges": {j: {"validity": judge_validity(j, instrument.id)} for j in sorted(scores.judges)},
        "dimensions": dims,
        "overall": {
            "mean": rounded(overall.mean),
            "ci_low": rounded(overall.ci_low),
            "ci_high": rounded(overall.ci_high),
            "n": overall.n,
        },
        "items": items_block(cols, "persona"),
        "answers": answers_block(reading.turns.first_epoch, scores.cited.records()),
        "unscored": {
            "total": sum(scores.unscored_by_judge.values()),
            "by_judge": dict(scores.unscored_by_judge),
        },
        "abstained": {
            **abstention_counts(cols, persona_recs),
            "by_judge": counts_in_first_seen_order(
                cols.judge[persona_recs][cols.abstained[persona_recs]], cols.judges
            ),
        },
        "verdicts": {
            "total": scores.persona_total,
            "scored": scores.persona_scored,
            "abstained": scores.persona_abstained,
            "counted": int(persona_recs.size),
        },
        "failures": {
            "interview": sum(f.stage == "interview" for f in reading.failures),
            "judge": sum(f.stage == "judge" for f in reading.failures),
            "by_model": dict(failed_by_model),
        },
        "calls": _calls_block(reading.turns),
    }
    timing = run.read_timing()
    if timing is not None:
        summary["timing"] = {k: v for k, v in timing.items() if k != "schema_version"}
        priced = cost(summary["timing"].get("models", {}), subject_spec)
        summary["timing"]["cost_usd"] = priced["total_usd"]
        summary["timing"]["cost"] = priced
    if cols.counted("baseline").any():
        base_panels = panel(cols, "baseline")
        summary["baseline"] = {
            "dimensions": dimension_block(
                instrument, cols, "baseline", seed, scores.representatives, base_panels
            ),
            "effects": baseline_effects(instrument, persona_panels, base_panels, seed),
        }
    if reading.phrases is not None:
        summary["phrases"] = reading.phrases
    if instrument.levels:
        for dim_id, level in level_block(instrument, dims).items():
            dims[dim_id]["level"] = level
    _whole_record_blocks(summary, run, instrument, reading, hypothesis, seed, before_pressure=True)
    pressure = pressure_block(instrument, cols, seed)
    if pressure is not None:
        summary["pressure"] = pressure
    if hypothesis is not None and names_instrument(hypothesis.instrument, instrument):
        summary["hypothesis"] = hypothesis_block(hypothesis, instrument, dims)
    # a session repeats items at other turns: their spread is drift, not a facet of the design
    study = generalizability_block(instrument, cols, hypothesis) if instrument.session is None else None
    if study is not None:
        summary["generalizability"] = study
    _whole_record_blocks(summary, run, instrument, reading, hypothesis, seed, before_pressure=False)
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


def _whole_record_blocks(
    summary: dict[str, Any],
    run: RunDir,
    instrument: Instrument,
    reading: RunReading,
    hypothesis: Hypothesis | None,
    seed: int,
    *,
    before_pressure: bool,
) -> None:
    """The analyses that read whole conversations: STAR and ranking (placed before the pressure
    block), drift and sessions (after the G-study). Only a run read in full has any."""
    full: FullRecords | None = reading.full
    if full is None:
        return
    if before_pressure:
        if instrument.star != "off":
            summary["star"] = star_block(full.answers, full.turns)
        if instrument.rank_dimensions:
            relevance = list(read_records(run.relevance, RelevanceRecord))
            summary["ranking"] = ranking_block(instrument, full.answers, full.scores, relevance)
        return
    if instrument.session is None:
        return
    on_item = on_item_dimensions(instrument, full.scores, full.turns)
    ordinary = [r for r in on_item if r.condition == "ordinary"]
    drift = drift_block(instrument, ordinary, full.turns, hypothesis, seed)
    if drift is not None:
        summary["drift"] = drift
    sessions = session_block(instrument, full.turns, ordinary, reading.stops, reading.session_scores)
    if sessions is not None:
        summary["session"] = sessions
