"""`rolecall label`: rate a run's answers in the browser, blind to the judges."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError
from rolecall.formatting import plural


def label(
    run_dir: Path = typer.Argument(..., help="A run directory."),
    rater: str = typer.Option(
        "", "--rater", envvar="ROLECALL_RATER", help="Your name in labels.jsonl. Default: your login name."
    ),
    sample: int = typer.Option(50, "--sample", "-n", help="How many answer × dimension pairs to rate."),
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to bind (no other is allowed)."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed; the same seed gives the same sample."),
) -> None:
    """Serve a keyboard-driven rating page on 127.0.0.1; labels are appended to RUN_DIR/labels.jsonl.

    The sample is stratified across dimensions and the judges' score levels, seeded, and resumable:
    reopen it with the same --rater and --seed to continue."""
    import getpass

    from rolecall.instrument import run_instrument
    from rolecall.labelling import label_tasks
    from rolecall.labelling.server import LabelSession, check_loopback, serve
    from rolecall.rundir import RunDir, repair_tail

    check_loopback(host)
    if sample < 1:
        raise RolecallError("--sample must be at least 1")
    run = RunDir(run_dir)
    manifest = run.read_manifest()
    instrument, _ = run_instrument(manifest.instrument)
    tasks = label_tasks(run, instrument, sample=sample, seed=seed)
    if not tasks:
        raise RolecallError("the run has no judged answers to rate yet", path=run.path)
    name = rater or getpass.getuser()
    repair_tail(run.labels)  # a torn last label from a crash; appending after it would glue onto it
    session = LabelSession(tasks, run.labels, name, instrument.scale.min, instrument.scale.max)
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"rating {plural(len(tasks), 'answer')} as {name!r} ({len(session.labels)} done) — "
        f"open http://{shown}:{port}/ "
        f"(Ctrl-C to stop; labels go to {run.labels})",
        markup=False,
    )
    serve(session, host, port)
