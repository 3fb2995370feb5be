"""`rolecall score`: judge a recorded transcript, or re-judge an existing run directory."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli import options as O
from rolecall.cli.console import err_console
from rolecall.cli.session import finish_session
from rolecall.defaults import DEFAULT_JUDGE


def score(
    source: Path = typer.Argument(..., help="A transcript (.jsonl, .csv, .md) or an existing run directory."),
    instrument: str | None = typer.Option(
        None,
        "--instrument",
        "-i",
        envvar="ROLECALL_INSTRUMENT",
        help="Built-in instrument id or YAML file (transcripts).",
    ),
    judge: list[str] | None = typer.Option(
        None,
        "--judge",
        "-j",
        envvar="ROLECALL_JUDGE",
        help="Judge model spec; repeat for a panel. "
        "Default for transcripts: semantic. On a run directory: adds judges.",
    ),
    concurrency: int = O.CONCURRENCY,
    seed: int = O.SEED,
    out: Path = O.OUT,
    calibration: Path | None = O.CALIBRATION,
    no_cache: bool = O.NO_CACHE,
    tracking_uri: str | None = O.TRACKING_URI,
    no_track: bool = O.NO_TRACK,
) -> None:
    """Score SOURCE: recorded answers with no subject model, or a run re-judged with --judge."""
    from rolecall.score_run import ScoreConfig, execute_score, match_warnings, reopen_for_scoring, start_score

    if source.is_dir():
        run, inst, manifest = reopen_for_scoring(source, list(judge) if judge else None)
        if calibration is not None:
            from rolecall.calibration import record_in_manifest

            manifest = record_in_manifest(run, manifest, calibration, inst.id)
    else:
        cfg = ScoreConfig(
            source=source,
            instrument=instrument,
            judges=list(judge or [DEFAULT_JUDGE]),
            concurrency=concurrency,
            seed=seed,
            out=out,
            calibration=calibration,
        )
        run, inst, manifest = start_score(cfg)
        for line in match_warnings(run):  # low, ambiguous or no match to an item: one line per answer
            err_console.print(f"warning: {line}", markup=False, highlight=False)
    finish_session(
        run,
        manifest,
        lambda progress: execute_score(run, inst, manifest, progress=progress, use_cache=not no_cache),
        resume_command=f"rolecall score {run.path}",
        tracking_uri=tracking_uri,
        no_track=no_track,
    )
