"""`rolecall validate`: check persona and instrument files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rolecall.cli.console import console, err_console
from rolecall.errors import RolecallError
from rolecall.formatting import plural

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def _is_instrument(path: Path) -> bool:
    from rolecall.yamlio import read_text

    if path.suffix.lower() not in {".yaml", ".yml"}:
        return False
    head = read_text(path, what="input")[:4000]
    return any(line.startswith(("dimensions:", "items:", "scale:")) for line in head.splitlines())


def validate(
    files: list[Path] = typer.Argument(..., help="Persona (.md/.yaml) or instrument (.yaml) files."),
) -> None:
    """Check persona and instrument files; print one line per file. Exit 2 if any is invalid."""
    from rolecall.instrument import load_instrument
    from rolecall.persona import load_persona
    from rolecall.pipeline import resolve_instrument

    bad = 0
    for f in files:
        try:
            if _is_instrument(f):
                inst, _digest = load_instrument(f)
                console.print(
                    f"ok  {f}: instrument {inst.id} v{inst.version}, "
                    f"{plural(len(inst.dimensions), 'dimension')}, {plural(len(inst.items), 'item')}",
                    markup=False,
                )
            else:
                p = load_persona(f)
                extra = ""
                if p.hypothesis:
                    inst, _, _ = resolve_instrument(p, None)
                    extra = f", hypothesis on {inst.id} ({plural(len(p.hypothesis.expect), 'dimension')})"
                console.print(
                    f"ok  {f}: persona {p.name!r}, {plural(len(p.sections), 'section')}{extra}", markup=False
                )
        except RolecallError as exc:
            bad += 1
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    if bad:
        raise typer.Exit(2)
