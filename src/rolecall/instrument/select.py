"""A seeded, dimension-balanced subset of an instrument's items (``rolecall run --items N``), and
the instrument a run actually asked (its manifest names the subset)."""

from __future__ import annotations

import random
from collections import Counter

from rolecall.instrument.load import load_instrument
from rolecall.instrument.schema import Instrument
from rolecall.rundir.records import InstrumentRef


def select_items(instrument: Instrument, per_dimension: int, seed: int) -> list[str]:
    """Item ids giving every dimension at least ``per_dimension`` items (all it has, if fewer),
    drawn in a seeded order, the scarcest dimension first; returned in the instrument's order."""
    if per_dimension < 1:
        raise ValueError("--items must be at least 1")
    order = list(instrument.items)
    random.Random(seed).shuffle(order)
    available = Counter(d for item in instrument.items for d in item.dimensions)
    chosen: set[str] = set()
    counts: Counter[str] = Counter()
    for dim in sorted(available, key=lambda d: (available[d], d)):
        for item in order:
            if counts[dim] >= per_dimension:
                break
            if dim in item.dimensions and item.id not in chosen:
                chosen.add(item.id)
                counts.update(item.dimensions)
    return [item.id for item in instrument.items if item.id in chosen]


def subset(instrument: Instrument, item_ids: list[str]) -> Instrument:
    keep = set(item_ids)
    return instrument.model_copy(update={"items": [i for i in instrument.items if i.id in keep]})


def run_instrument(entry: InstrumentRef) -> tuple[Instrument, str]:
    """The instrument a run's manifest names (loaded from its ref), cut to the run's item subset
    when it ran one; and the file's hash."""
    instrument, digest = load_instrument(entry.ref)
    items = entry.items
    return (subset(instrument, list(items)) if items else instrument), digest
