"""The effects of an ablation, built from the runs' files only (like ``rolecall compare``).

Each variant is compared with the full persona on every dimension: item means over epochs
(judges averaged per answer first), on each item's own dimensions, paired over the items both
runs scored (``rolecall.stats.paired_comparison``: permutation p, bootstrap interval, Cliff's
delta), effect = variant − full. Holm runs once across every variant × dimension test. For each
significant cell the answer that moved most in the effect's direction is quoted, before (full
persona) and after (variant), on the same item and epoch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rolecall.ablation.findings import overall_finding, variant_finding
from rolecall.aggregate import on_item_dimensions
from rolecall.comparison import item_means_of
from rolecall.formatting import rounded
from rolecall.instrument import Instrument, run_instrument
from rolecall.rundir import RunDir, ScoreRecord, TurnRecord, read_records
from rolecall.stats import Comparison, paired_comparison, with_holm

ALPHA = 0.05
QUOTE_CHARS = 400

METHOD = (
    "each variant against the full persona: item means over epochs (judges averaged per answer "
    "first) on each item's own dimensions, paired over the items both runs scored; effect = variant "
    "minus full persona; two-sided paired permutation test, bootstrap 95% interval of the mean "
    "paired difference, Cliff's delta; Holm's correction across every variant × dimension test; "
    "significant = Holm-adjusted p below {alpha} and an interval that excludes 0"
)


@dataclass(frozen=True)
class Arm:
    """One run of the study: the full persona (``section`` None) or a variant."""

    key: str
    label: str
    section: str | None
    persona_file: Path
    run: RunDir
    sentence: int | None = None
    sentence_text: str | None = None


@dataclass
class _Answers:
    """A run's verdicts on each item's own dimensions, and what was asked and answered."""

    means: dict[str, dict[str, float]]  # dimension -> item -> mean over epochs
    cells: dict[tuple[str, str, int], tuple[float, str, str]]  # (dim, item, epoch) -> score, quote, answer
    questions: dict[tuple[str, int], str]


def _read(run: RunDir, instrument: Instrument) -> _Answers:
    turns = list(read_records(run.transcript, TurnRecord))
    records = on_item_dimensions(instrument, list(read_records(run.scores, ScoreRecord)), turns)
    answers: dict[tuple[str, int], str] = {}
    questions: dict[tuple[str, int], str] = {}
    for t in sorted(turns, key=lambda t: t.turn):
        if t.subject != "persona":
            continue
        key = (t.item, t.epoch)
        if t.role == "user":
            questions.setdefault(key, t.text)
        else:
            answers.setdefault(key, t.text)
    scored: dict[tuple[str, str, int], list[ScoreRecord]] = defaultdict(list)
    for r in records:
        if r.subject == "persona" and r.condition == "ordinary" and r.score is not None:
            scored[(r.dimension, r.item, r.epoch)].append(r)
    cells: dict[tuple[str, str, int], tuple[float, str, str]] = {}
    for cell, rs in scored.items():
        quote = next((r.evidence for r in rs if r.evidence.strip()), "")
        score = float(np.mean([r.score for r in rs if r.score is not None]))
        cells[cell] = (score, _short(quote), _short(answers.get(cell[1:], "")))
    return _Answers(item_means_of(records), cells, questions)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _counts(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "verdicts": summary["verdicts"]["total"],
        "scored": summary["verdicts"]["scored"],
        "abstained": summary["abstained"]["total"],
        "abstained_by_reason": dict(summary["abstained"]["by_reason"]),
        "unscored": summary["unscored"]["total"],
        "failures": summary["failures"]["interview"] + summary["failures"]["judge"],
    }


def _r(x: float | None) -> float | None:
    return rounded(x, 4)  # as compare.json stores its differences and p-values


def _effect(c: Comparison, alpha: float) -> dict[str, Any]:
    excludes_zero = c.ci_low is not None and c.ci_high is not None and (c.ci_low > 0 or c.ci_high < 0)
    return {
        "effect": _r(c.diff),
        "ci_low": _r(c.ci_low),
        "ci_high": _r(c.ci_high),
        "p": _r(c.p_value),
        "p_holm": _r(c.p_holm),
        "cliffs_delta": _r(c.cliffs_delta),
        "cohens_d": _r(c.cohens_d),
        "n_pairs": c.n_pairs,
        "mean_full": _r(c.mean_a),
        "mean_variant": _r(c.mean_b),
        "significant": bool(c.p_holm is not None and c.p_holm < alpha and excludes_zero),
    }


def _quote(dim: str, sign: float, full: _Answers, variant: _Answers) -> dict[str, Any] | None:
    """The (item, epoch) both runs scored whose score moved most in the direction ``sign``."""
    best: tuple[float, str, int] | None = None
    for d, item, epoch in sorted(k for k in variant.cells if k[0] == dim):
        if (d, item, epoch) not in full.cells:
            continue
        moved = sign * (variant.cells[(d, item, epoch)][0] - full.cells[(d, item, epoch)][0])
        if moved > 0 and (best is None or moved > best[0]):
            best = (moved, item, epoch)
    if best is None:
        return None
    _, item, epoch = best
    before, after = full.cells[(dim, item, epoch)], variant.cells[(dim, item, epoch)]
    return {
        "item": item,
        "epoch": epoch,
        "question": " ".join(full.questions.get((item, epoch), "").split()),
        "before": {"score": round(before[0], 4), "quote": before[1], "answer": before[2]},
        "after": {"score": round(after[0], 4), "quote": after[1], "answer": after[2]},
    }


def analyse(
    full: Arm,
    variants: list[Arm],
    *,
    persona: dict[str, str],
    mode: str,
    unit: str,
    sentences_of: str | None = None,
    alpha: float = ALPHA,
    seed: int = 0,
) -> dict[str, Any]:
    """ablation.json's content (``rolecall.rundir.ablation.AblationResult``).

    ``persona``: name, path and sha256 of the persona file the study ablated.
    """
    manifest = full.run.read_manifest()
    instrument, _ = run_instrument(manifest.instrument)
    full_summary = full.run.read_summary()
    dims = list(full_summary["dimensions"])
    names = {d: full_summary["dimensions"][d]["name"] for d in dims}
    base = _read(full.run, instrument)
    read = [_read(v.run, instrument) for v in variants]
    flat: list[Comparison] = []
    for answers in read:
        for d in dims:
            flat.append(
                paired_comparison(base.means.get(d, {}), answers.means.get(d, {}), dimension=d, seed=seed)
            )
    flat = with_holm(flat)
    tests = sum(c.p_value is not None for c in flat)
    out_variants: list[dict[str, Any]] = []
    for k, (arm, answers) in enumerate(zip(variants, read, strict=True)):
        mine = flat[k * len(dims) : (k + 1) * len(dims)]
        effects = {d: _effect(c, alpha) for d, c in zip(dims, mine, strict=True)}
        quotes = {}
        for d, e in effects.items():
            if e["significant"]:
                q = _quote(d, 1.0 if e["effect"] > 0 else -1.0, base, answers)
                if q is not None:
                    quotes[d] = q
        summary = arm.run.read_summary()
        entry: dict[str, Any] = {
            "section": arm.section,
            "label": arm.label,
            "persona_file": str(arm.persona_file),
            "run": str(arm.run.path),
            "counts": _counts(summary),
            "hypothesis": (summary.get("hypothesis") or {}).get("verdict"),
            "dimensions": effects,
            "quotes": quotes,
            "finding": variant_finding(arm.label, effects, names, tests),
        }
        if arm.sentence is not None:
            entry["sentence"] = {"index": arm.sentence, "text": arm.sentence_text or ""}
        out_variants.append(entry)
    result: dict[str, Any] = {
        "persona": persona["name"],
        "persona_path": persona["path"],
        "persona_sha256": persona["sha256"],
        "instrument": full_summary["instrument"],
        "dimension_names": names,
        "full": str(full.run.path),
        "full_persona_file": str(full.persona_file),
        "full_counts": _counts(full_summary),
        "full_hypothesis": (full_summary.get("hypothesis") or {}).get("verdict"),
        "mode": mode,
        "unit": unit,
        "model": manifest.subject_model.spec if manifest.subject_model else "",
        "judges": [j.spec for j in manifest.judges],
        "epochs": manifest.epochs,
        "items_per_dimension": manifest.instrument.items_per_dimension,
        "alpha": alpha,
        "tests": tests,
        "sections": out_variants,
        "overall": overall_finding(out_variants, names, unit),
        "method": METHOD.format(alpha=alpha),
    }
    if sentences_of is not None:
        result["sentences_of"] = sentences_of
    return result
