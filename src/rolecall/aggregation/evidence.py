"""The verdicts whose quotes the summary cites, chosen while the verdicts stream by.

Only these few verdicts keep their text: every other quote is dropped as soon as it is read.

- ``Representatives``: per subject and dimension, the three quotes ``dimension_block`` shows —
  the first three of all evidenced verdicts sorted by (quote not verified, distance of the score
  from the dimension mean, longer quote first up to 200 characters, item, epoch, file order).
  The mean is known only at the end; but among verdicts with the same verification and the same
  score the order does not depend on it, so keeping the best three of each (verified, score)
  group keeps the overall best three. Scores are rubric points or rounded to 3 decimals, so the
  groups are few whatever the run's size.
- ``CitedFirsts``: per item and dimension, the verdicts ``answers_block`` needs to pick the
  quote the reports cite: the cell's first verdict, its first scored verdict with a quote, and
  its first such verdict with a verified quote.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from typing import Any

from rolecall.rundir import ScoreRecord

#: quotes longer than this are not preferred any further
_QUOTE_CHARS = 200
_SHOWN = 3

# (-quote length, item, epoch, file position) and what is shown
_Entry = tuple[tuple[int, str, int, int], dict[str, Any]]


class Representatives:
    """Candidates for the quotes shown per dimension (see the module docstring)."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], dict[tuple[bool, float], list[_Entry]]] = defaultdict(dict)

    def add(
        self,
        subject: str,
        dim: str,
        *,
        item: str,
        epoch: int,
        judge: str,
        score: float,
        evidence: str,
        verified: bool | None,
        seq: int,
    ) -> None:
        """One scored verdict with a non-blank quote, ``seq`` its place in the file."""
        groups = self._groups[(subject, dim)]
        key = (-min(len(evidence), _QUOTE_CHARS), item, epoch, seq)
        group = groups.get((not verified, score))
        if group is None:
            groups[(not verified, score)] = group = []
        elif len(group) == _SHOWN:
            if key >= group[-1][0]:
                return
            group.pop()
        shown = {"item": item, "epoch": epoch, "judge": judge, "score": score, "quote": evidence}
        insort(group, (key, {**shown, "verified": verified}), key=lambda e: e[0])

    def pick(self, subject: str, dim: str, mean: float | None) -> list[dict[str, Any]]:
        """The quotes shown for ``dim``, given the dimension's mean."""
        ranked = sorted(
            (((not_verified, abs((score or 0) - (mean or 0)), *key), shown)
             for (not_verified, score), group in self._groups.get((subject, dim), {}).items()
             for key, shown in group),
            key=lambda e: e[0],
        )  # fmt: skip
        return [shown for _, shown in ranked[:_SHOWN]]


class CitedFirsts:
    """Per (item, dimension), the persona's verdicts that decide which quote the reports cite."""

    def __init__(self) -> None:
        self._cells: dict[tuple[str, str], dict[str, tuple[int, ScoreRecord]]] = {}

    def add(self, row: dict[str, Any], score: float | None, seq: int) -> None:
        """One counted verdict of the persona (``row`` as read, ``score`` after calibration)."""
        cell = self._cells.get((row["item"], row["dimension"]))
        if cell is None:
            cell = self._cells[(row["item"], row["dimension"])] = {}
        quoted = score is not None and bool(row.get("evidence"))
        verified = quoted and bool(row.get("quote_verified"))
        if "first" in cell and (not quoted or "quoted" in cell) and (not verified or "verified" in cell):
            return
        record = ScoreRecord.model_construct(**{**row, "score": score})
        for role, wanted in (("first", True), ("quoted", quoted), ("verified", verified)):
            if wanted and role not in cell:
                cell[role] = (seq, record)

    def records(self) -> list[ScoreRecord]:
        """The kept verdicts in file order (``answers_block`` relies on it)."""
        kept = {seq: r for cell in self._cells.values() for seq, r in cell.values()}
        return [kept[seq] for seq in sorted(kept)]
