"""`rolecall instruments`: list the built-in instruments, or print the JSON Schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rolecall.cli.console import console

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def instruments(
    schema: bool = typer.Option(False, "--schema", help="Print the instrument JSON Schema instead."),
) -> None:
    """List built-in instruments (id, version, dimensions, items, items per dimension)."""
    from rolecall.instrument import builtin_ids, instrument_json_schema, load_instrument

    if schema:
        print(instrument_json_schema())
        return
    t = Table()
    t.add_column("id", no_wrap=True)  # ids are what users type: never cut or wrapped
    for col in ("version", "dimensions", "items", "items/dim", "name"):
        t.add_column(col)
    for iid in builtin_ids():
        inst, _ = load_instrument(iid)
        per = [sum(d.id in i.dimensions for i in inst.items) for d in inst.dimensions]
        spread = str(min(per)) if min(per) == max(per) else f"{min(per)}–{max(per)}"
        t.add_row(inst.id, inst.version, str(len(inst.dimensions)), str(len(inst.items)), spread, inst.name)
    console.print(t)
