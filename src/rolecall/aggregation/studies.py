"""The pressure comparison and the generalizability study, from the verdict columns.

Both reduce the verdicts to small tables first — per (dimension, item) means for pressure, per
(item, epoch, judge) cells for the G-study — which is all their record-list versions in
``rolecall.analyses`` read; the statistics and the blocks are then theirs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rolecall.aggregation.columns import Groups, ScoreColumns, combined, ranks
from rolecall.analyses.generalizability import study_entry
from rolecall.analyses.pressure import pressure_from_panels
from rolecall.instrument import Instrument
from rolecall.persona import Hypothesis
from rolecall.stats.generalizability import Components, anova_components


def _pressure_panel(columns: ScoreColumns, pressured: bool) -> dict[str, dict[str, float]]:
    """dimension -> item -> mean score of the persona's on-item verdicts, in first-seen order
    (``analyses.pressure._panel``)."""
    idx = np.flatnonzero(~columns.baseline & columns.scored & (columns.pressure == pressured))
    groups = Groups.of(
        combined((columns.dim[idx], len(columns.dims)), (columns.item[idx], len(columns.items)))
    )
    means = groups.means(columns.score[idx])
    first = groups.first()
    out: dict[str, dict[str, float]] = {}
    for g in np.argsort(first, kind="stable"):
        row = idx[first[g]]
        out.setdefault(columns.dims[columns.dim[row]], {})[columns.items[columns.item[row]]] = float(means[g])
    return out


def pressure_block(instrument: Instrument, columns: ScoreColumns, seed: int) -> dict[str, Any] | None:
    """``analyses.pressure.pressure_block`` (None when nothing was said under pressure)."""
    after = _pressure_panel(columns, pressured=True)
    if not after:
        return None
    return pressure_from_panels(instrument, _pressure_panel(columns, pressured=False), after, seed)


def _study(columns: ScoreColumns, idx: np.ndarray) -> tuple[Components | None, int]:
    """``analyses.generalizability._study`` of the verdicts at ``idx``: (components, items left out)."""
    epochs = np.unique(columns.epoch_rank_of(columns.epoch[idx]))
    judge_codes = np.unique(columns.judge[idx])
    items = np.unique(columns.item_rank_of(columns.item[idx]))
    n_e, n_j = epochs.size, judge_codes.size
    scored = idx[columns.scored[idx]]
    item_pos = np.searchsorted(items, columns.item_rank_of(columns.item[scored]))
    epoch_pos = np.searchsorted(epochs, columns.epoch_rank_of(columns.epoch[scored]))
    judge_rank = ranks([columns.judges[int(c)] for c in judge_codes])
    judge_pos = judge_rank[np.searchsorted(judge_codes, columns.judge[scored])]
    cells = Groups.of(combined((item_pos, items.size), (epoch_pos, n_e), (judge_pos, n_j)))
    per_item = np.bincount(cells.keys // max(n_e * n_j, 1), minlength=items.size)
    complete = np.flatnonzero(per_item == n_e * n_j)
    facets = ("item",) + (("epoch",) if n_e > 1 else ()) + (("judge",) if n_j > 1 else ())
    if len(facets) == 1 or complete.size < 2:
        return None, items.size - complete.size
    y = np.full((items.size, n_e, n_j), np.nan)
    last = cells.last()
    y[item_pos[last], epoch_pos[last], judge_pos[last]] = columns.score[scored][last]
    y = y[complete]
    keep = [0] + ([1] if n_e > 1 else []) + ([2] if n_j > 1 else [])
    y = y.reshape([y.shape[a] for a in keep])
    return anova_components(y, facets), items.size - complete.size


def generalizability_block(
    instrument: Instrument, columns: ScoreColumns, hypothesis: Hypothesis | None
) -> dict[str, Any] | None:
    """``analyses.generalizability.generalizability_block`` of the persona's counted verdicts."""
    counted = columns.counted("persona")
    out: dict[str, Any] = {}
    for dim in instrument.dimensions:
        code = columns.dims.index(dim.id) if dim.id in columns.dims else -1
        comp, dropped = _study(columns, np.flatnonzero(counted & (columns.dim == code)))
        if comp is not None:
            out[dim.id] = study_entry(instrument, hypothesis, dim.id, comp, dropped)
    return out or None
