"""`rolecall schema NAME`: the JSON Schema of a file rolecall writes or reads."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

import typer

from rolecall.errors import RolecallError


def _model(module: str, name: str) -> Callable[[], str]:
    def build() -> str:
        return json.dumps(getattr(importlib.import_module(module), name).model_json_schema(), indent=2)

    return build


def _instrument() -> str:
    from rolecall.instrument import instrument_json_schema

    return instrument_json_schema()


#: name -> the schema's JSON text (modules are imported only for the schema asked for)
SCHEMAS: dict[str, Callable[[], str]] = {
    "summary": _model("rolecall.rundir.summary", "Summary"),  # RUN_DIR/summary.json
    "manifest": _model("rolecall.rundir.records", "Manifest"),  # RUN_DIR/manifest.json
    "timing": _model("rolecall.rundir.summary", "Timing"),  # RUN_DIR/timing.json
    "compare": _model("rolecall.rundir.compare", "CompareResult"),  # compare --out DIR: compare.json
    "rerun": _model("rolecall.rundir.compare", "RerunResult"),  # the new run's rerun.json
    "ablation": _model("rolecall.rundir.ablation", "AblationResult"),  # ablate --out DIR: ablation.json
    "grid": _model("rolecall.rundir.grid", "GridIndex"),  # GRID_DIR/grid.json
    "scores": _model("rolecall.rundir.records", "ScoreRecord"),  # a line of scores.jsonl
    "transcript": _model("rolecall.rundir.records", "TurnRecord"),  # a line of transcript.jsonl
    "failures": _model("rolecall.rundir.records", "FailureRecord"),  # a line of failures.jsonl
    "labels": _model("rolecall.labels", "LabelRecord"),  # a line of labels.jsonl
    "calibration": _model("rolecall.calibration.file", "Calibration"),  # calibrate --out CAL.json
    "instrument": _instrument,  # an instrument YAML file
    "grid-file": _model("rolecall.grids.spec", "GridSpec"),  # a grid YAML file (rolecall grid)
}


def schema(
    name: str = typer.Argument(..., help="One of: " + ", ".join(SCHEMAS) + "."),
) -> None:
    """Print the JSON Schema of a file rolecall writes or reads (summary, manifest, scores, ...)."""
    build = SCHEMAS.get(name)
    if build is None:
        raise RolecallError(f"unknown schema {name!r}; one of: {', '.join(SCHEMAS)}")
    print(build())
