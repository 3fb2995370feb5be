"""Calibration learned from human labels (``rolecall calibrate``), and its application to a run.

Two methods, both fitted per dimension, both reporting cross-validated agreement with the labels
next to the raw judge's: ``isotonic`` (a monotone map of the judge's score, any judge) and
``learned`` (a ridge scorer on the judge's score, the anchored position and the evidence
embedding). ``--calibration CAL.json`` on ``run``, ``score`` and ``report`` maps the named
judge's scores before any statistic is computed, so intervals are on calibrated scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rolecall.calibration import isotonic, learned
from rolecall.calibration.cv import figures, held_out
from rolecall.calibration.file import (
    METHODS,
    Calibration,
    DimensionMap,
    LinearModel,
    Method,
    for_run,
    load_calibration,
    manifest_entry,
    record_in_manifest,
)
from rolecall.calibration.isotonic import isotonic_fit
from rolecall.errors import RolecallError
from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, load_answers
from rolecall.rundir import RunDir, ScoreRecord

__all__ = [
    "METHODS",
    "MIN_LABELS",
    "Calibration",
    "DimensionMap",
    "Labelled",
    "LinearModel",
    "calibrated",
    "fit",
    "for_run",
    "isotonic_fit",
    "load_calibration",
    "manifest_entry",
    "record_in_manifest",
]

#: the fewest scored labels per dimension a calibration is fitted on
MIN_LABELS = 10


@dataclass(frozen=True)
class Labelled:
    """One labelled answer × dimension the judge scored."""

    dimension: str
    score: float  # the judge's
    label: float  # the raters'
    answer: Answer | None = None  # needed by ``learned``


def fit(
    rows: list[Labelled],
    *,
    instrument: str,
    judge: str,
    lo: int,
    hi: int,
    method: Method = "isotonic",
    featurizer: learned.Featurizer | None = None,
) -> Calibration:
    """Fit the method per dimension; refused for a dimension with fewer than MIN_LABELS labels."""
    by_dim: dict[str, list[Labelled]] = defaultdict(list)
    for r in rows:
        by_dim[r.dimension].append(r)
    maps: dict[str, DimensionMap] = {}
    models: dict[str, LinearModel] = {}
    pooled: tuple[list[float], list[float], list[float]] = ([], [], [])
    for dim, rs in sorted(by_dim.items()):
        if len(rs) < MIN_LABELS:
            raise RolecallError(
                f"dimension {dim!r} has {len(rs)} scored labels; a calibration needs at least {MIN_LABELS}"
            )
        labels = [r.label for r in rs]
        raw = [r.score for r in rs]
        if method == "learned":
            if featurizer is None or any(r.answer is None for r in rs):
                raise ValueError("a learned calibration needs a featurizer and every labelled answer")
            xs = [featurizer.vector(r.answer, dim, r.score) for r in rs if r.answer is not None]
            pred = held_out(xs, labels, learned.fitter(lo, hi))
            models[dim] = learned.fit_dimension(xs, labels).model_copy(
                update={"cv": figures(labels, pred, raw, lo, hi)}
            )
        else:
            pred = held_out(raw, labels, isotonic.fitter)
            maps[dim] = isotonic.fit_dimension(raw, labels).model_copy(
                update={"cv": figures(labels, pred, raw, lo, hi)}
            )
        for acc, values in zip(pooled, (labels, pred, raw), strict=True):
            acc += values
    return Calibration(
        method=method,
        instrument=instrument,
        judge=judge,
        scale=[lo, hi],
        dimensions=maps,
        models=models,
        features=featurizer.spec if method == "learned" and featurizer is not None else {},
        cv_overall=figures(*pooled, lo, hi) if pooled[0] else {},
    )


def calibrated(
    records: list[ScoreRecord],
    cal: Calibration,
    *,
    answers: Iterable[Answer] = (),
    instrument: Instrument | None = None,
    transcript: Path | None = None,
) -> list[ScoreRecord]:
    """The records with the calibrated judge's scores mapped (others, and abstentions, unchanged).
    A learned calibration needs the run's answers (read from ``transcript``) and its instrument."""
    featurizer = None
    by_key: dict[tuple[str, int, str], Answer] = {}
    if cal.method == "learned":
        if instrument is None:
            raise ValueError("a learned calibration is applied with the run's instrument")
        featurizer = learned.Featurizer(instrument)
        if featurizer.spec != cal.features:
            raise RolecallError(
                f"the calibration's features were made with {cal.features}, this installation "
                f"makes them with {featurizer.spec}; fit it again with `rolecall calibrate`"
            )
        by_key = {(a.item, a.epoch, a.subject): a for a in answers}
    out = []
    for r in records:
        if r.judge == cal.judge and r.score is not None:
            x = None
            if featurizer is not None and r.dimension in cal.models:
                answer = by_key.get((r.item, r.epoch, r.subject))
                if answer is None:
                    raise RolecallError(
                        f"no answer in the transcript for score ({r.item}, epoch {r.epoch}, {r.subject})",
                        path=transcript,
                    )
                x = featurizer.vector(answer, r.dimension, r.score)
            r = r.model_copy(update={"score": round(cal.apply(r.score, r.dimension, x), 3)})
        out.append(r)
    return out


def labelled_runs(
    runs: list[Path], label_files: list[Path], judge: str | None
) -> tuple[Instrument, str, list[Labelled]]:
    """The runs' instrument, the judge, and every answer × dimension that judge scored and a
    rater scored (each run's own labels.jsonl unless files are given)."""
    from rolecall.agreement import human_labels
    from rolecall.instrument import run_instrument
    from rolecall.labels import read_labels
    from rolecall.rundir import read_records

    if label_files and len(runs) > 1:
        raise RolecallError("with several runs, each run's own labels.jsonl is used; drop --labels")
    instrument: Instrument | None = None
    rows: list[Labelled] = []
    for path in runs:
        run = RunDir(path)
        manifest = run.read_manifest()
        inst, _ = run_instrument(manifest.instrument)
        if instrument is not None and instrument.id != inst.id:
            raise RolecallError(f"runs use different instruments ({instrument.id}, {inst.id})", path=path)
        instrument = inst
        judge = judge or manifest.judges[0].spec
        files = list(label_files) or [run.labels]
        for f in files:
            if not f.exists():
                raise RolecallError("no labels: rate answers with `rolecall label RUN_DIR`", path=f)
        scale = (inst.scale.min, inst.scale.max)
        known = {d.id for d in inst.dimensions}
        human = human_labels([lab for f in files for lab in read_labels(f, dimensions=known, scale=scale)])
        answers = {(a.item, a.epoch, a.subject): a for a in load_answers(run)}
        for s in read_records(run.scores, ScoreRecord):
            label = human.get((s.item, s.epoch, s.subject, s.dimension))
            if s.judge == judge and s.score is not None and label is not None:
                answer = answers.get((s.item, s.epoch, s.subject))
                rows.append(Labelled(s.dimension, s.score, float(label), answer))
    assert instrument is not None and judge is not None
    if not rows:
        raise RolecallError(f"no labelled answer has a score from judge {judge!r}")
    return instrument, judge, rows
