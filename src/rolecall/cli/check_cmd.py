"""`rolecall check`: a CI gate on a run's hypothesis verdict."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError
from rolecall.rundir import RunDir


def check(
    run_dir: Path = typer.Argument(..., help="A run directory."),
    strict: bool = typer.Option(False, "--strict", help="Treat inconclusive dimensions as failures."),
) -> None:
    """Exit 0 if the persona's hypothesis is validated, 1 if not, 2 on error."""
    summary = RunDir(run_dir).read_summary()
    hyp = summary.get("hypothesis")
    if not hyp:
        raise RolecallError(
            "the run has no hypothesis verdict (the persona states none for this instrument)",
            path=run_dir,
        )
    verdicts = {d: h["verdict"] for d, h in hyp["dimensions"].items()}
    for d, v in verdicts.items():
        console.print(f"{d}: {v} (expected {hyp['dimensions'][d]['expected']})", markup=False)
    overall = hyp["verdict"]
    ok = overall == "validated" or (
        not strict
        and all(v in {"met", "inconclusive"} for v in verdicts.values())
        and "met" in verdicts.values()
    )
    console.print(f"hypothesis: {overall}" + (" (strict)" if strict else ""), markup=False)
    raise typer.Exit(0 if ok else 1)
