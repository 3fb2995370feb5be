"""grid.json: the index of a grid directory (``rolecall grid``), typed and versioned.

The cells are ordinary run directories under ``cells/``; grid.json lists each with its status,
its run directory (relative to the grid directory), the hashes of its inputs and its wall time,
and, once the grid has finished, the results the reports show (``results``): the persona ×
model matrix per dimension, the hypothesis verdicts, and pairwise model comparisons per persona.
Written and read like summary.json (``dump_versioned`` / ``read_versioned``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from rolecall.rundir.compare import ComparisonStats, MatrixCell
from rolecall.rundir.summary import InstrumentInfo, OverallVerdict
from rolecall.rundir.versioned import (
    Block,
    Omittable,
    Version,
    read_versioned,
)

CellStatus = Literal["done", "failed", "pending"]


class CellInputs(Block):
    """sha256 of each input of a cell (see rolecall.grids.cells)."""

    persona: str
    instrument: str
    model: str
    judges: str
    settings: str


class GridCell(Block):
    id: str
    persona: str = Field(description="The persona file's label (its name, unique within the grid).")
    persona_path: str
    model: str = Field(description="The model spec as the grid file writes it.")
    instrument: str = Field(description="The instrument's id.")
    instrument_ref: str
    persona_style: str
    column: str = Field(description="The cell's column in the persona × model matrix.")
    status: CellStatus
    run_dir: str | None = Field(description="The cell's run directory, relative to the grid directory.")
    inputs: CellInputs
    inputs_sha256: str
    wall_s: float | None = Field(description="Wall time of the cell's attempts, summed.")
    attempts: int = Field(description="How many times the cell was started (retries and resumes count).")
    error: str | None = Field(description="Why the cell failed (or the last attempt's error).")
    failed_calls: int = Field(description="Calls that failed after their retries, in the last attempt.")
    cost_usd: float | None
    calls: int | None = Field(description="Subject calls made (cached ones included).")
    verdict: OverallVerdict | None = Field(description="The hypothesis verdict, when the persona states one.")
    worker: str | None = Field(description="Where the last attempt ran (host:pid).")
    mlflow_run_id: str | None = None


class PairComparison(Block):
    a: str = Field(description="The reference column (model).")
    b: str
    dimensions: dict[str, ComparisonStats] = Field(description="diff = b − a, per dimension.")


class InstrumentResults(Block):
    instrument: InstrumentInfo
    dimension_names: dict[str, str]
    personas: list[str]
    columns: list[str]
    matrix: dict[str, dict[str, dict[str, MatrixCell]]] = Field(
        description="dimension -> persona -> column -> estimate (cells not done are left out)."
    )
    verdicts: dict[str, dict[str, OverallVerdict | None]] = Field(description="persona -> column -> verdict.")
    comparisons: dict[str, list[PairComparison]] = Field(
        description="persona -> every pair of its columns, Holm-corrected across pairs × dimensions."
    )


class GridResults(Block):
    instruments: dict[str, InstrumentResults]
    method: str


class GridTracking(Block):
    tracking_uri: str
    parent_run_id: str


class GridIndex(Block):
    """grid.json: every cell of a grid, its status and where its run directory is."""

    schema_version: Version
    name: str
    grid_file: str = Field(description="The grid file the grid was last run from (absolute path).")
    grid_sha256: str
    created: str
    updated: str
    executor: Literal["local", "ray"]
    cells: list[GridCell]
    results: Omittable[GridResults] = Field(
        default=None, description="Written when the grid finishes; absent while cells run."
    )
    tracking: Omittable[GridTracking] = None


def read_grid_index(path: Path, data: Any) -> dict[str, Any]:
    return read_versioned(path, data, GridIndex, rebuild=None)
