"""Panels: per dimension and (item, epoch), the mean over judges of one subject's scores.

The columnar form of ``rolecall.aggregate.panel_scores`` over the verdicts the summary counts,
and what is read off a panel: the per-item score lists a dimension estimate bootstraps
(``by_item``), the item × epoch matrix of Cronbach's alpha and the ICC (``matrix``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rolecall.aggregation.columns import Groups, ScoreColumns, combined, first_seen


@dataclass(frozen=True)
class DimPanel:
    """One dimension's cells, sorted by (item, epoch): item and epoch codes and mean scores."""

    columns: ScoreColumns
    item: np.ndarray
    epoch: np.ndarray
    mean: np.ndarray

    def by_item(self) -> dict[str, list[float]]:
        """item -> its cells' means in epoch order, items sorted (``aggregate._by_item``)."""
        if self.item.size == 0:
            return {}
        starts = np.flatnonzero(np.r_[True, self.item[1:] != self.item[:-1]])
        return {
            self.columns.items[int(self.item[s])]: part.tolist()
            for s, part in zip(starts, np.split(self.mean, starts[1:]), strict=True)
        }

    @property
    def n_epochs(self) -> int:
        return int(np.unique(self.epoch).size)

    def matrix(self, rows: str) -> np.ndarray:
        """Items × epochs (``rows="items"``) or epochs × items; NaN where a cell has no score."""
        cols = self.columns
        item_pos = np.unique(cols.item_rank_of(self.item), return_inverse=True)[1]
        epoch_pos = np.unique(cols.epoch_rank_of(self.epoch), return_inverse=True)[1]
        n_items = int(item_pos.max(initial=-1)) + 1
        n_epochs = int(epoch_pos.max(initial=-1)) + 1
        m = np.full((n_items, n_epochs), np.nan)
        m[item_pos, epoch_pos] = self.mean
        return m if rows == "items" else m.T


def panel(columns: ScoreColumns, subject: str) -> dict[str, DimPanel]:
    """dimension -> its panel, for ``subject``'s counted, scored verdicts; dimensions in the
    order they first occur (as ``panel_scores`` builds its dict)."""
    idx = np.flatnonzero(columns.counted(subject) & columns.scored)
    dim = columns.dim[idx]
    groups = Groups.of(
        combined(
            (dim, len(columns.dims)),
            (columns.item_rank_of(columns.item[idx]), len(columns.items)),
            (columns.epoch_rank_of(columns.epoch[idx]), len(columns.epochs)),
        )
    )
    means = groups.means(columns.score[idx])
    first = idx[groups.first()]
    cell_dim, cell_item, cell_epoch = columns.dim[first], columns.item[first], columns.epoch[first]
    out: dict[str, DimPanel] = {}
    for code in first_seen(dim):
        sel = cell_dim == code  # cells are sorted by dimension first: one contiguous run
        out[columns.dims[code]] = DimPanel(columns, cell_item[sel], cell_epoch[sel], means[sel])
    return out
