"""Calibration learned from human labels: a monotone map per dimension from a judge's score to the
raters' scale (``rolecall calibrate --method isotonic``).

A calibration is an input like an instrument: ``--calibration CAL.json`` on ``run``, ``score`` and
``report`` maps the named judge's scores through it before any statistic is computed, the run's
manifest records the file's hash, and a calibration fitted on one instrument is refused on
another. The map is isotonic regression (scipy) of the label on the judge score, per dimension,
with cross-validated agreement reported next to it; a dimension with too few labels is refused.
Abstentions are not calibrated: "no evidence" stays no evidence.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_file
from rolecall.rundir import Manifest, RunDir, ScoreRecord, write_json_atomic
from rolecall.stats.agreement import quadratic_kappa, spearman, within

SCHEMA_VERSION = 1
#: the fewest scored labels per dimension a map is fitted on
MIN_LABELS = 10
FOLDS = 5


class DimensionMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: list[float] = Field(description="Judge scores (increasing) at the map's knots.")
    y: list[float] = Field(description="Calibrated scores at the knots (non-decreasing).")
    n: int
    cv: dict[str, float | None] = Field(default_factory=dict)


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    method: Literal["isotonic"] = "isotonic"
    instrument: str
    judge: str
    scale: list[int]
    dimensions: dict[str, DimensionMap]
    cv_overall: dict[str, float | None] = Field(default_factory=dict)

    def apply(self, score: float, dimension: str) -> float:
        m = self.dimensions.get(dimension)
        if m is None:
            return score
        return float(np.interp(score, m.x, m.y))


def isotonic_fit(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    """Knots of the least-squares non-decreasing fit of y on x (ties in x pooled first)."""
    from scipy.optimize import isotonic_regression

    by: dict[float, list[float]] = defaultdict(list)
    for a, b in zip(x, y, strict=True):
        by[float(a)].append(float(b))
    xs = sorted(by)
    means = [float(np.mean(by[k])) for k in xs]
    weights = [float(len(by[k])) for k in xs]
    fitted = isotonic_regression(means, weights=weights, increasing=True).x
    return xs, [float(v) for v in fitted]


def _agreement(labels: list[float], pred: list[float], lo: int, hi: int) -> dict[str, float | None]:
    return {
        "spearman": spearman(labels, pred),
        "kappa_quadratic": quadratic_kappa(labels, pred, lo, hi),
        "within_1": within(labels, pred),
    }


def cross_validate(x: list[float], y: list[float], lo: int, hi: int, seed: int = 0) -> dict[str, Any]:
    """K-fold agreement of the fitted map on held-out labels, and of the raw judge for contrast."""
    idx = np.random.default_rng(seed).permutation(len(x))
    pred = [0.0] * len(x)
    for k in range(FOLDS):
        test = set(idx[k::FOLDS].tolist())
        train = [i for i in range(len(x)) if i not in test]
        kx, ky = isotonic_fit([x[i] for i in train], [y[i] for i in train])
        for i in test:
            pred[i] = float(np.interp(x[i], kx, ky))
    return {
        **_agreement(y, pred, lo, hi),
        **{f"raw_{k}": v for k, v in _agreement(y, x, lo, hi).items()},
    }


def fit(
    pairs: dict[str, list[tuple[float, float]]], *, instrument: str, judge: str, lo: int, hi: int
) -> Calibration:
    """pairs: dimension -> [(judge score, human label)], both scored."""
    dims: dict[str, DimensionMap] = {}
    all_x: list[float] = []
    all_y: list[float] = []
    for dim, ps in sorted(pairs.items()):
        if len(ps) < MIN_LABELS:
            raise RolecallError(
                f"dimension {dim!r} has {len(ps)} scored labels; a calibration needs at least {MIN_LABELS}"
            )
        x = [p[0] for p in ps]
        y = [p[1] for p in ps]
        kx, ky = isotonic_fit(x, y)
        cv = {k: (None if v is None else round(v, 3)) for k, v in cross_validate(x, y, lo, hi).items()}
        dims[dim] = DimensionMap(x=kx, y=ky, n=len(ps), cv=cv)
        all_x += x
        all_y += y
    overall = cross_validate(all_x, all_y, lo, hi) if all_x else {}
    return Calibration(
        instrument=instrument,
        judge=judge,
        scale=[lo, hi],
        dimensions=dims,
        cv_overall={k: (None if v is None else round(v, 3)) for k, v in overall.items()},
    )


def load_calibration(path: Path, instrument_id: str) -> tuple[Calibration, str]:
    """The calibration and its file hash; refused for another instrument or a bad file."""
    try:
        cal = Calibration.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise RolecallError("calibration file not found", path=path) from None
    except (ValueError, ValidationError) as exc:
        raise RolecallError(f"not a calibration file: {str(exc).splitlines()[0]}", path=path) from None
    if cal.instrument != instrument_id:
        raise RolecallError(
            f"calibration fitted on instrument {cal.instrument!r}, not {instrument_id!r}", path=path
        )
    return cal, sha256_file(path)


def calibrated(records: list[ScoreRecord], cal: Calibration) -> list[ScoreRecord]:
    """The records with the calibrated judge's scores mapped (others, and abstentions, unchanged)."""
    out = []
    for r in records:
        if r.judge == cal.judge and r.score is not None:
            r = r.model_copy(update={"score": round(cal.apply(r.score, r.dimension), 3)})
        out.append(r)
    return out


def manifest_entry(path: Path, instrument_id: str, judges: list[str]) -> dict[str, Any]:
    """What a run's manifest records of the calibration it applies (checked against the run)."""
    cal, digest = load_calibration(path, instrument_id)
    if cal.judge not in judges:
        raise RolecallError(
            f"the calibration maps judge {cal.judge!r}, which this run does not use ({', '.join(judges)})",
            path=path,
        )
    return {"path": str(path.resolve()), "sha256": digest, "judge": cal.judge, "method": cal.method}


def for_run(entry: dict[str, Any] | None, instrument_id: str) -> Calibration | None:
    """The calibration a manifest names, refused if the file changed since it was recorded."""
    if not entry:
        return None
    path = Path(entry["path"])
    cal, digest = load_calibration(path, instrument_id)
    if digest != entry["sha256"]:
        raise RolecallError(
            "the calibration file changed since this run recorded it; apply it again with "
            "`rolecall report RUN_DIR --calibration FILE`",
            path=path,
        )
    return cal


def record_in_manifest(run: RunDir, manifest: Manifest, path: Path, instrument_id: str) -> Manifest:
    """Make an existing run apply this calibration from now on (its manifest records the hash)."""
    entry = manifest_entry(path, instrument_id, [j["spec"] for j in manifest.judges])
    updated = manifest.model_copy(update={"calibration": entry})
    write_json_atomic(run.manifest, updated)
    return updated
