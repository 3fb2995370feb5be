"""`rolecall check`: a CI gate on a run's hypothesis verdict."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError
from rolecall.gate import passes

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def check(
    run_dir: Path = typer.Argument(..., help="A run directory, or a grid directory (rolecall grid)."),
    strict: bool = typer.Option(False, "--strict", help="Treat inconclusive dimensions as failures."),
) -> None:
    """Exit 0 if the persona's hypothesis is validated, 1 if not, 2 on error. Given a grid
    directory, every cell whose persona states a hypothesis must pass (and every cell be done)."""
    from rolecall.rundir import RunDir

    if (run_dir / "grid.json").is_file():
        raise typer.Exit(_check_grid(run_dir, strict=strict))
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
    console.print(f"hypothesis: {overall}" + (" (strict)" if strict else ""), markup=False)
    raise typer.Exit(0 if passes(hyp, strict=strict) else 1)


def _check_grid(grid_dir: Path, *, strict: bool) -> int:
    """Every cell of a grid: one line each; 0 when every cell is done and every hypothesis passes."""
    from rolecall.grids import read_index
    from rolecall.rundir import RunDir

    index = read_index(grid_dir)
    assert index is not None
    gated = passed = 0
    unfinished = []
    for c in index["cells"]:
        if c["status"] != "done" or not c["run_dir"]:
            unfinished.append(c["id"])
            console.print(f"{c['id']}: {c['status']} (no verdict)", markup=False)
            continue
        hyp = RunDir(grid_dir / c["run_dir"]).read_summary().get("hypothesis")
        if not hyp:
            console.print(f"{c['id']}: no hypothesis for this instrument (not gated)", markup=False)
            continue
        ok = passes(hyp, strict=strict)
        gated += 1
        passed += ok
        console.print(f"{c['id']}: {hyp['verdict']}" + ("" if ok else " (fails)"), markup=False)
    if gated == 0 and not unfinished:
        raise RolecallError(
            "no cell of the grid has a hypothesis verdict (its personas state none for its instruments)",
            path=grid_dir,
        )
    tail = f"; {len(unfinished)} not done" if unfinished else ""
    console.print(
        f"grid: {passed}/{gated} hypotheses pass" + (" (strict)" if strict else "") + tail, markup=False
    )
    return 0 if passed == gated and not unfinished else 1
