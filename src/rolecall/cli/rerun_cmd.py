"""`rolecall rerun`: repeat a run from its manifest and report whether the scores agree."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rolecall.cli.console import RichProgress, console, err_console
from rolecall.cli.track import track
from rolecall.formatting import num

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def rerun(
    run_dir: Path = typer.Argument(..., help="The run directory to repeat."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Parent folder of the new run (default: beside the old)."
    ),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", envvar="MLFLOW_TRACKING_URI"),
    no_track: bool = typer.Option(False, "--no-track", envvar="ROLECALL_NO_TRACK"),
) -> None:
    """Repeat RUN_DIR from its manifest, bypassing the cache; exit 0 if every dimension agrees."""
    from rolecall.rerun import rerun as do_rerun
    from rolecall.rundir import write_json_atomic
    from rolecall.rundir.compare import RerunResult
    from rolecall.rundir.versioned import dump_versioned

    with RichProgress() as progress:
        outcome, result = do_rerun(run_dir, out=out, progress=progress)
    details = outcome.run.path / "rerun.json"
    write_json_atomic(details, dump_versioned(RerunResult, {"of": str(run_dir), **result}, path=details))
    t = Table(title=f"rerun of {run_dir.name}")
    for col in ("dimension", "old", "old 95% CI", "new", "new 95% CI", "agrees"):
        t.add_column(col)
    for dim, d in result["dimensions"].items():
        t.add_row(
            dim,
            num(d["old_mean"]),
            f"[{num(d['old_ci'][0])}, {num(d['old_ci'][1])}]",
            num(d["new_mean"]),
            f"[{num(d['new_ci'][0])}, {num(d['new_ci'][1])}]",
            "—" if d["agrees"] is None else str(d["agrees"]),
        )
    console.print(t)
    console.print(f"new run directory: {outcome.run.path}", markup=False)
    console.print(
        "scores agree within their intervals" if result["agrees"] else "scores do NOT all agree", markup=False
    )
    track(
        outcome.run,
        outcome.run.read_manifest(),
        outcome.summary,
        tracking_uri=tracking_uri,
        no_track=no_track,
    )
    err_console.print(f"details: {outcome.run.path / 'rerun.json'}", markup=False)
    raise typer.Exit(0 if result["agrees"] else 1)
