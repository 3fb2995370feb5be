"""Typed compare.json (``rolecall compare``) and rerun.json (``rolecall rerun``)."""

from __future__ import annotations

from pydantic import Field

from rolecall.rundir.summary import InstrumentInfo, OptionalPair, OverallVerdict, Phrase
from rolecall.rundir.versioned import Block, Version

# ---------------------------------------------------------------- compare.json


class ComparisonStats(Block):
    mean_a: float | None
    mean_b: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    cliffs_delta: float | None
    cohens_d: float | None
    n_pairs: int


class DistinctivePhrases(Block):
    reference: list[Phrase]
    run: list[Phrase]


class RunComparison(Block):
    reference: str
    run: str
    run_dir: str
    dimensions: dict[str, ComparisonStats]
    distinctive_phrases: DistinctivePhrases


class RunRef(Block):
    label: str
    path: str


class MatrixCell(Block):
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


class CompareResult(Block):
    """compare.json: every run after the first against the first."""

    schema_version: Version
    instrument: InstrumentInfo
    runs: list[RunRef]
    dimension_names: dict[str, str]
    matrix: dict[str, dict[str, MatrixCell]] = Field(description="run label -> dimension -> estimate.")
    comparisons: list[RunComparison]
    hypotheses: dict[str, OverallVerdict | None]
    method: str


# ---------------------------------------------------------------- rerun.json


class RerunDimension(Block):
    old_mean: float | None
    new_mean: float | None
    old_ci: OptionalPair
    new_ci: OptionalPair
    agrees: bool | None
    identical: bool


class RerunResult(Block):
    """rerun.json: does each run's mean fall inside the other's 95% interval?"""

    schema_version: Version
    of: str = Field(description="The run directory that was repeated.")
    dimensions: dict[str, RerunDimension]
    agrees: bool | None
