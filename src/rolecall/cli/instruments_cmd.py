"""`rolecall instruments`: list the built-in instruments, or print the JSON Schema."""

from __future__ import annotations

import typer
from rich.table import Table

from rolecall.cli.console import console
from rolecall.instrument import builtin_ids, instrument_json_schema, load_instrument


def instruments(
    schema: bool = typer.Option(False, "--schema", help="Print the instrument JSON Schema instead."),
) -> None:
    """List built-in instruments (id, version, dimensions, items)."""
    if schema:
        print(instrument_json_schema())
        return
    t = Table()
    for col in ("id", "version", "dimensions", "items", "name"):
        t.add_column(col)
    for iid in builtin_ids():
        inst, _ = load_instrument(iid)
        t.add_row(inst.id, inst.version, str(len(inst.dimensions)), str(len(inst.items)), inst.name)
    console.print(t)
