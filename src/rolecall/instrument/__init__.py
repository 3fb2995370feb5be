"""Instruments: anchored scales, dimensions, phases and items."""

from rolecall.instrument.load import builtin_ids, load_instrument, names_instrument, parse_instrument
from rolecall.instrument.schema import (
    Dimension,
    Instrument,
    Item,
    Level,
    Phase,
    Scale,
    instrument_json_schema,
)
from rolecall.instrument.select import run_instrument, select_items, subset

__all__ = [
    "Dimension",
    "Instrument",
    "Item",
    "Level",
    "Phase",
    "Scale",
    "builtin_ids",
    "instrument_json_schema",
    "load_instrument",
    "names_instrument",
    "parse_instrument",
    "run_instrument",
    "select_items",
    "subset",
]
