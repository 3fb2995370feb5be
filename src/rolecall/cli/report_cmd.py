"""`rolecall report`: regenerate a run's reports from its files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError
from rolecall.formatting import plural

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def report(
    run_dir: Path = typer.Argument(..., help="A run directory."),
    writer: str | None = typer.Option(
        None,
        "--writer",
        envvar="ROLECALL_WRITER",
        help="Model spec that writes a narrative from the run's data (quotes cited, numbers checked).",
    ),
    calibration: Path | None = typer.Option(
        None,
        "--calibration",
        envvar="ROLECALL_CALIBRATION",
        help="A calibration file from `rolecall calibrate`: maps its judge's scores before any statistic.",
    ),
) -> None:
    """Rebuild summary.json, report.md and report.html from the run directory's files.

    A copy holding only summary.json and manifest.json (no scores.jsonl) renders its reports
    from the summary as it stands."""
    from rolecall.instrument import run_instrument
    from rolecall.persona import load_persona
    from rolecall.pipeline import finish
    from rolecall.report import write_reports
    from rolecall.rundir import RunDir

    run = RunDir(run_dir)
    # a summary-only copy (the JSONL files left behind): the reports are a function of the
    # summary, so they render exactly as they did where the run was made
    summary_only = not run.scores.exists() and run.summary.exists()
    if summary_only and calibration is not None:
        raise RolecallError(
            "--calibration needs the run's verdicts, and this run has no scores.jsonl", path=run.path
        )
    # every file up front: a damaged one is refused before the manifest takes a calibration
    # (the records are read while the summary is built, and refused there when that is all)
    manifest = run.verify(records=calibration is not None)
    instrument, _ = run_instrument(manifest.instrument)
    if calibration is not None:
        from rolecall.calibration import record_in_manifest

        manifest = record_in_manifest(run, manifest, calibration, instrument.id)
    if summary_only:
        summary = run.read_summary()
        write_reports(run, instrument, manifest, summary)
        console.print("no scores.jsonl here: reports rendered from summary.json as it stands", markup=False)
    else:
        persona = load_persona(manifest.persona.path) if manifest.persona else None
        summary = finish(run, persona, instrument, manifest)
    if writer:
        from rolecall.report.narrative import write_narrative

        narrative = write_narrative(run, summary, writer)
        write_reports(run, instrument, manifest, summary)
        console.print(
            f"narrative: {plural(len(narrative['sentences']), 'sentence')}, "
            f"{narrative['unsupported']} flagged as unsupported",
            markup=False,
        )
    console.print(f"wrote {run.summary}, {run.report_md}", markup=False)
