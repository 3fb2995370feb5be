"""The shared end of `run` and `score`: progress, Ctrl-C handling, summary, tracking, failures."""

from __future__ import annotations

import sys
from collections.abc import Callable

from rolecall.cli.console import RichProgress, console, err_console
from rolecall.cli.summary_view import print_summary
from rolecall.cli.track import track
from rolecall.pipeline import Outcome
from rolecall.progress import Progress
from rolecall.rundir import Manifest, RunDir


def finish_session(
    run: RunDir,
    manifest: Manifest,
    work: Callable[[Progress], Outcome],
    *,
    resume_command: str,
    tracking_uri: str | None,
    no_track: bool,
) -> Outcome:
    """Run ``work`` with a progress display; on Ctrl-C say how to resume (exit 130)."""
    err_console.print(f"run directory: {run.path}", markup=False, highlight=False)
    try:
        with RichProgress() as progress:
            outcome = work(progress)
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: everything received so far is saved. Resume with: {resume_command}",
            markup=False,
            highlight=False,
        )
        sys.exit(130)
    print_summary(outcome.summary, str(run.path))
    track(run, manifest, outcome.summary, tracking_uri=tracking_uri, no_track=no_track)
    if outcome.failures:
        console.print(
            f"{outcome.failures} call(s) failed after retries; retry only those with: {resume_command}",
            markup=False,
        )
    return outcome
