"""The verdicts a summary counts, as numpy columns, and exact group statistics over them.

One million verdicts held as ``ScoreRecord`` instances take about a gigabyte; as columns (codes
for the strings, one array per field) they take about 30 MB, and every statistic is a few array
operations instead of a Python loop per record.

Means must equal, bit for bit, the ``np.mean`` of a Python list of the same scores in file order
that the record-list code took (the summary rounds them, and a rounding could flip). numpy sums a
float64 array pairwise, in blocks of 8 and up, and sequentially below 8; so ``group_means`` adds
small groups sequentially from 0.0 (vectorised over groups) and calls ``np.mean`` on the slice
of every larger group, in file order (groups are formed with a stable sort).
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: below this many values numpy's pairwise sum is a plain sequential loop
_PAIRWISE_BLOCK = 8


@dataclass(frozen=True)
class ScoreColumns:
    """Verdicts on the dimensions their item asks about, in file order: one entry per verdict.

    Strings are codes into the tables (``items[item[k]]`` is verdict k's item), each table in
    first-seen order. ``score`` holds 0.0 where ``scored`` is False (no score: abstained or
    unscored); ``verified`` is the quote check, 1 / 0 / -1 for True / False / None.
    """

    items: tuple[str, ...]
    epochs: tuple[int, ...]
    dims: tuple[str, ...]
    judges: tuple[str, ...]
    reasons: tuple[str, ...]
    item: np.ndarray
    epoch: np.ndarray
    dim: np.ndarray
    judge: np.ndarray
    baseline: np.ndarray
    pressure: np.ndarray
    session: np.ndarray
    score: np.ndarray
    scored: np.ndarray
    abstained: np.ndarray
    reason: np.ndarray
    verified: np.ndarray

    def __len__(self) -> int:
        return int(self.item.size)

    def counted(self, subject: str | None = None) -> np.ndarray:
        """The verdicts the dimension statistics count (ordinary, not a session's own turns),
        of ``subject`` when given."""
        mask: np.ndarray = ~self.pressure & ~self.session
        if subject is not None:
            mask &= self.baseline if subject == "baseline" else ~self.baseline
        return mask

    @property
    def unscored(self) -> np.ndarray:
        """No score because the verdict could not be read (``ScoreRecord.unscored``)."""
        out: np.ndarray = ~self.scored & ~self.abstained
        return out

    @functools.cached_property
    def _item_ranks(self) -> np.ndarray:
        return ranks(self.items)

    @functools.cached_property
    def _epoch_ranks(self) -> np.ndarray:
        return ranks(self.epochs)

    def item_rank_of(self, codes: np.ndarray) -> np.ndarray:
        """Per item code, the item's place in sorted item order."""
        out: np.ndarray = self._item_ranks[codes]
        return out

    def epoch_rank_of(self, codes: np.ndarray) -> np.ndarray:
        """Per epoch code, the epoch's place in sorted epoch order."""
        out: np.ndarray = self._epoch_ranks[codes]
        return out


class ColumnsBuilder:
    """Collects verdicts one at a time (typed arrays, not lists) and freezes them into columns."""

    def __init__(self) -> None:
        self._tables: tuple[dict[Any, int], ...] = ({}, {}, {}, {}, {})
        self._codes = tuple(array("i") for _ in range(5))  # item, epoch, dim, judge, reason
        self._flags = tuple(array("b") for _ in range(6))  # baseline ... verified
        self._score = array("d")

    def add(
        self,
        item: str,
        epoch: int,
        dim: str,
        judge: str,
        *,
        baseline: bool,
        pressure: bool,
        session: bool,
        score: float | None,
        abstained: bool,
        reason: str,
        verified: bool | None,
    ) -> None:
        tables, codes = self._tables, self._codes  # unrolled: this runs once per verdict
        codes[0].append(tables[0].setdefault(item, len(tables[0])))
        codes[1].append(tables[1].setdefault(epoch, len(tables[1])))
        codes[2].append(tables[2].setdefault(dim, len(tables[2])))
        codes[3].append(tables[3].setdefault(judge, len(tables[3])))
        codes[4].append(tables[4].setdefault(reason, len(tables[4])))
        flags = self._flags
        flags[0].append(baseline)
        flags[1].append(pressure)
        flags[2].append(session)
        flags[3].append(score is not None)
        flags[4].append(abstained)
        flags[5].append(-1 if verified is None else int(verified))
        self._score.append(0.0 if score is None else score)

    def build(self) -> ScoreColumns:
        items, epochs, dims, judges, reasons = (tuple(t) for t in self._tables)
        item, epoch, dim, judge, reason = (np.frombuffer(c, dtype=np.int32) for c in self._codes)
        baseline, pressure, session, scored, abstained = (
            np.frombuffer(f, dtype=np.int8).astype(bool) for f in self._flags[:5]
        )
        return ScoreColumns(
            items=items,
            epochs=epochs,
            dims=dims,
            judges=judges,
            reasons=reasons,
            item=item,
            epoch=epoch,
            dim=dim,
            judge=judge,
            baseline=baseline,
            pressure=pressure,
            session=session,
            score=np.frombuffer(self._score, dtype=np.float64),
            scored=scored,
            abstained=abstained,
            reason=reason,
            verified=np.frombuffer(self._flags[5], dtype=np.int8),
        )


def ranks(table: Sequence[Any]) -> np.ndarray:
    """code -> place of ``table[code]`` in sorted order."""
    out = np.empty(len(table), dtype=np.int64)
    out[sorted(range(len(table)), key=table.__getitem__)] = np.arange(len(table))
    return out


@dataclass(frozen=True)
class Groups:
    """Entries grouped by an integer key: ``order`` sorts them by key, stably (file order kept
    within a group); group g is ``order[starts[g] : starts[g] + counts[g]]`` with key ``keys[g]``."""

    keys: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray) -> Groups:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        if ordered.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(ordered, order, empty, empty)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        counts = np.diff(np.r_[starts, ordered.size])
        return cls(ordered[starts], order, starts, counts)

    def means(self, values: np.ndarray) -> np.ndarray:
        """Per group, ``np.mean`` of its values in file order (bit for bit)."""
        return group_means(np.take(values, self.order), self.starts, self.counts)

    def first(self) -> np.ndarray:
        """Per group, the index of its first entry."""
        return self.order[self.starts]

    def last(self) -> np.ndarray:
        """Per group, the index of its last entry."""
        return self.order[self.starts + self.counts - 1]

    def split(self, values: np.ndarray) -> list[np.ndarray]:
        """Per group, its values in file order."""
        return np.split(values[self.order], self.starts[1:]) if self.starts.size else []


def group_means(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``np.mean(values[s : s + n])`` for each (s, n), bit for bit (see the module docstring)."""
    out = np.empty(counts.size)
    small = counts < _PAIRWISE_BLOCK
    s_starts, s_counts = starts[small], counts[small]
    acc = np.zeros(s_counts.size)
    for j in range(int(s_counts.max(initial=0))):
        has = s_counts > j
        acc[has] += values[s_starts[has] + j]
    out[small] = acc / s_counts
    for g in np.flatnonzero(~small):
        out[g] = np.mean(values[starts[g] : starts[g] + counts[g]])
    return out


def combined(*parts: tuple[np.ndarray, int]) -> np.ndarray:
    """One int64 key from (codes, how many codes) pairs, ordered like the tuple of codes."""
    key = np.zeros(parts[0][0].size if parts else 0, dtype=np.int64)
    for codes, size in parts:  # in place: a million-entry key is built without temporaries
        key *= max(size, 1)
        key += codes
    return key


def first_seen(codes: np.ndarray) -> list[int]:
    """The distinct codes in the order they first occur."""
    uniq, first = np.unique(codes, return_index=True)
    return [int(c) for c in uniq[np.argsort(first, kind="stable")]]


def counts_in_first_seen_order(codes: np.ndarray, table: Sequence[Hashable]) -> dict[Any, int]:
    """``dict(Counter(table[c] for c in codes))``: counts keyed in first-occurrence order."""
    uniq, first, n = np.unique(codes, return_index=True, return_counts=True)
    return {table[int(uniq[k])]: int(n[k]) for k in np.argsort(first, kind="stable")}
