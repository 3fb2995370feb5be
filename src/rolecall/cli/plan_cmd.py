"""`rolecall plan`: the cheapest design that reaches a target G, from a run's own G-study."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError
from rolecall.formatting import plural


def plan(
    run_dir: Path = typer.Argument(..., help="A run directory with a G-study (two epochs or two judges)."),
    target_g: float = typer.Option(0.8, "--target-g", help="The G coefficient every dimension should reach."),
) -> None:
    """Project the run's variance components onto other numbers of items, epochs and judges and
    print the cheapest design reaching --target-g, with its expected calls and tokens."""
    from rolecall.instrument import load_instrument
    from rolecall.plan import make_plan
    from rolecall.rundir import RunDir

    if not 0 < target_g < 1:
        raise RolecallError("--target-g must lie between 0 and 1")
    run = RunDir(run_dir)
    manifest = run.read_manifest()
    summary = run.read_summary()
    full, _ = load_instrument(manifest.instrument.ref)
    asked = manifest.instrument.items or [i.id for i in full.items]
    result = make_plan(
        summary,
        full,
        target=target_g,
        run_items=len(asked),
        epochs=manifest.epochs,
        judges=len(manifest.judges),
        subjects=2 if manifest.baseline else 1,
        seed=manifest.seed,
    )
    for dim in result.unreachable:
        console.print(
            f"{dim}: no design up to 500 items reaches G {target_g:g} — the run cannot tell this "
            "dimension's mean from its cut; more items will not decide it",
            markup=False,
        )
    for dim in result.elsewhere:
        console.print(
            f"{dim}: reaches G {target_g:g} only with another number of epochs or judges (see below)",
            markup=False,
        )
    best = result.cheapest
    if best is None:
        console.print("no design reaches the target on any dimension", markup=False)
        raise typer.Exit(1)
    console.print(
        f"cheapest design for G ≥ {target_g:g} on {len(result.reachable)} of "
        f"{plural(len(result.reachable) + len(result.unreachable), 'dimension')}: "
        f"{plural(best.items_per_dimension, 'item')} per dimension ({plural(best.items, 'item')}) × "
        f"{plural(best.epochs, 'epoch')} × {plural(best.judges, 'judge')}",
        markup=False,
    )
    console.print(
        f"expected cost: {plural(best.conversations, 'conversation')}, "
        f"{plural(best.subject_calls, 'subject call')}, {plural(best.judge_calls, 'judge call')}, "
        f"~{best.tokens:,} subject tokens",
        markup=False,
    )
    need = ", ".join(f"{d} {n}" for d, n in sorted(result.reachable.items()))
    console.print(f"items each dimension needs: {need}", markup=False)
    for dim, have in sorted(result.short.items()):
        console.print(
            f"note: {dim} needs {plural(result.reachable[dim], 'item')}; "
            f"the instrument has {have} — add items",
            markup=False,
        )
    extra = f" and add judges to {best.judges}" if best.judges > len(manifest.judges) else ""
    persona = manifest.persona.path if manifest.persona else "PERSONA.md"
    console.print(
        f"run it: rolecall run {persona} --items {best.items_per_dimension} --epochs {best.epochs}{extra}",
        markup=False,
    )
    others = [d for d in result.designs[1:4]]
    for d in others:
        console.print(
            f"  also: {plural(d.items_per_dimension, 'item')}/dimension × {plural(d.epochs, 'epoch')} × "
            f"{plural(d.judges, 'judge')}: {plural(d.calls, 'call')}, ~{d.tokens:,} tokens",
            markup=False,
        )
