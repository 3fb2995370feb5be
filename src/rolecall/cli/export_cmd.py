"""`rolecall export`: tidy tables (one row per answer × dimension × judge) for pandas."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli.console import console
from rolecall.export import export as export_runs
from rolecall.formatting import plural


def export(
    runs: list[Path] = typer.Argument(..., help="Run directories."),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet or csv."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file. Default: scores.<format>."),
) -> None:
    """Write one tidy table of every verdict in RUNS (load with pandas.read_parquet / read_csv)."""
    target = out or Path(f"scores.{fmt}")
    n = export_runs(list(runs), target, fmt)
    console.print(f"wrote {plural(n, 'row')} to {target}", markup=False)
