"""The shared end of `run` and `score`: progress, Ctrl-C handling, summary, tracking, failures."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rolecall.cli.console import RichProgress, console, err_console
from rolecall.cli.summary_view import print_summary
from rolecall.cli.track import track
from rolecall.formatting import plural

#: after Ctrl-C, how long the orderly stop (cancel calls, flush files) may take before we exit anyway
STOP_GRACE_S = 5.0

if TYPE_CHECKING:
    from rolecall.pipeline import Outcome
    from rolecall.progress import Progress
    from rolecall.rundir import Manifest, RunDir


def stop_message(resume_command: str) -> str:
    return f"interrupted: everything received so far is saved. Resume with: {resume_command}"


@contextmanager
def bounded_ctrl_c(resume_command: str, stopped: threading.Event) -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt as usual, and a watchdog ends the process if stopping hangs.

    Every record on disk is a whole line (a torn last line is cut on resume), so exiting hard
    after the grace period loses nothing that had been saved.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def watchdog() -> None:
        if stopped.wait(STOP_GRACE_S):
            return  # the orderly stop finished and said so
        sys.stderr.write(stop_message(resume_command) + "\n")
        sys.stderr.flush()
        os._exit(130)

    def on_sigint(signum: int, frame: object) -> None:
        threading.Thread(target=watchdog, daemon=True).start()
        signal.default_int_handler(signum, frame)  # type: ignore[arg-type]

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def finish_session(
    run: RunDir,
    manifest: Manifest,
    work: Callable[[Progress], Outcome],
    *,
    resume_command: str,
    tracking_uri: str | None,
    no_track: bool,
) -> Outcome:
    """Run ``work`` with a progress display; on Ctrl-C say how to resume (exit 130).

    The run's files are checked first: a damaged one is refused (one line naming it, exit 2)
    before anything is printed or asked.
    """
    run.verify()
    err_console.print(f"run directory: {run.path}", markup=False, highlight=False)
    stopped = threading.Event()
    try:
        with bounded_ctrl_c(resume_command, stopped), RichProgress() as progress:
            outcome = work(progress)
    except KeyboardInterrupt:
        stopped.set()
        err_console.print(stop_message(resume_command), markup=False, highlight=False)
        sys.exit(130)
    print_summary(outcome.summary, str(run.path))
    track(run, manifest, outcome.summary, tracking_uri=tracking_uri, no_track=no_track)
    if outcome.failures:
        console.print(
            f"{plural(outcome.failures, 'call')} failed after retries; "
            f"retry only those with: {resume_command}",
            markup=False,
        )
    return outcome
