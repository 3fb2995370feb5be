"""The calibration file (CAL.json): what ``rolecall calibrate`` writes and ``--calibration`` reads.

A calibration is an input like an instrument: the run's manifest records the file's hash, a file
that changed since is refused until applied again, and one fitted on another instrument is
refused. Abstentions are never calibrated: "no evidence" stays no evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_file
from rolecall.rundir import Manifest, RunDir, write_json_atomic

SCHEMA_VERSION = 1
Method = Literal["isotonic", "learned"]
METHODS: tuple[str, ...] = ("isotonic", "learned")


class DimensionMap(BaseModel):
    """``isotonic``: a monotone piecewise-linear map from the judge's score to the raters' scale."""

    model_config = ConfigDict(extra="forbid")

    x: list[float] = Field(description="Judge scores (increasing) at the map's knots.")
    y: list[float] = Field(description="Calibrated scores at the knots (non-decreasing).")
    n: int
    cv: dict[str, float | None] = Field(default_factory=dict)


class LinearModel(BaseModel):
    """``learned``: a ridge regression on standardised features, clipped to the scale."""

    model_config = ConfigDict(extra="forbid")

    mean: list[float] = Field(description="Feature means (standardisation).")
    scale: list[float] = Field(description="Feature standard deviations (standardisation).")
    coef: list[float]
    intercept: float
    alpha: float = Field(description="Ridge penalty chosen by leave-one-out cross-validation.")
    n: int
    cv: dict[str, float | None] = Field(default_factory=dict)

    def predict(self, x: np.ndarray) -> float:
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(self.intercept + z @ np.asarray(self.coef))


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    method: Method = "isotonic"
    instrument: str
    judge: str
    scale: list[int]
    dimensions: dict[str, DimensionMap] = Field(
        default_factory=dict, description="isotonic: the map per dimension."
    )
    models: dict[str, LinearModel] = Field(
        default_factory=dict, description="learned: the model per dimension."
    )
    features: dict[str, str] = Field(
        default_factory=dict,
        description="learned: what the features are made of (the embedding model and its version).",
    )
    cv_overall: dict[str, float | None] = Field(default_factory=dict)

    @property
    def fitted(self) -> dict[str, DimensionMap] | dict[str, LinearModel]:
        return self.models if self.method == "learned" else self.dimensions

    def apply(self, score: float, dimension: str, x: np.ndarray | None = None) -> float:
        """The calibrated score (unchanged for a dimension the file does not cover).
        ``x`` is the answer's feature vector, which a learned calibration needs."""
        if self.method == "learned":
            model = self.models.get(dimension)
            if model is None:
                return score
            if x is None:
                raise ValueError("a learned calibration needs the answer's features")
            return float(np.clip(model.predict(x), self.scale[0], self.scale[1]))
        m = self.dimensions.get(dimension)
        if m is None:
            return score
        return float(np.interp(score, m.x, m.y))


def load_calibration(path: Path, instrument_id: str) -> tuple[Calibration, str]:
    """The calibration and its file hash; refused for another instrument or a bad file."""
    try:
        cal = Calibration.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise RolecallError("calibration file not found", path=path) from None
    except OSError as exc:
        raise RolecallError(f"cannot read the calibration file: {exc.strerror}", path=path) from None
    except (ValueError, ValidationError) as exc:
        raise RolecallError(f"not a calibration file: {str(exc).splitlines()[0]}", path=path) from None
    if cal.instrument != instrument_id:
        raise RolecallError(
            f"calibration fitted on instrument {cal.instrument!r}, not {instrument_id!r}", path=path
        )
    return cal, sha256_file(path)


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
    entry = manifest_entry(path, instrument_id, [j.spec for j in manifest.judges])
    updated = manifest.model_copy(update={"calibration": entry})
    write_json_atomic(run.manifest, updated)
    return updated
