"""How numbers are rounded for the run files and written for people: one place for both.

- ``rounded``: a statistic as stored in summary.json, compare.json, ... (None and NaN: None).
- ``num``, ``pct``, ``ci``, ``interval``: a figure as the reports and the terminal print it.
- ``plural``: a count with its noun.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def rounded(x: float | None, nd: int = 3) -> float | None:
    """``x`` rounded to ``nd`` places for a run file; None (or NaN: no estimate) stays None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), nd)


def num(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def interval(lo: float | None, hi: float | None, nd: int = 2) -> str:
    """``[2.10, 3.40]``, or ``—`` when there is no interval."""
    if lo is None or hi is None:
        return "—"
    return f"[{lo:.{nd}f}, {hi:.{nd}f}]"


def ci(d: Mapping[str, Any]) -> str:
    """The 95% interval of an estimate with ``ci_low``/``ci_high`` keys."""
    return interval(d.get("ci_low"), d.get("ci_high"))


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 dimension``, ``2 dimensions``: a count with its noun (``many``: an irregular plural)."""
    return f"{n} {word if n == 1 else many or word + 's'}"
