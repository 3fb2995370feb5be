"""`rolecall export`: tidy tables (one row per answer × dimension × judge) for pandas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rolecall.cli.console import console
from rolecall.formatting import plural

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def export(
    runs: list[Path] = typer.Argument(..., help="Run directories."),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet or csv."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file. Default: scores.<format>."),
) -> None:
    """Write one tidy table of every verdict in RUNS (load with pandas.read_parquet / read_csv)."""
    from rolecall.export import export as export_runs

    target = out or Path(f"scores.{fmt}")
    n = export_runs(list(runs), target, fmt)
    console.print(f"wrote {plural(n, 'row')} to {target}", markup=False)
