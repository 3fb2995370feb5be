"""Hypothesis verdicts: an expected range per dimension against the estimate's interval.

A dimension is ``met`` when its whole confidence interval lies inside the expected range,
``exceeded`` / ``below`` when the whole interval lies above / below it, and ``inconclusive`` when
the interval straddles a bound or is missing (a mean alone is too thin to judge). A dimension
whose answers mostly abstained ("no evidence") is ``insufficient evidence`` whatever its
interval (decided in ``aggregate``). The overall verdict combines them (see ``overall_verdict``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["met", "exceeded", "below", "inconclusive", "no data", "insufficient evidence"]
Overall = Literal[
    "validated", "partially validated", "not validated", "inconclusive", "insufficient evidence"
]

_NUM = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+))"
_HELP = "expected '>=x', '<=x', 'a..b', 'a-b' or a number"


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    text: str


def parse_range(text: str, *, scale_min: float, scale_max: float) -> Range:
    """Parse ``>=4``, ``> 3.5`` (as >=), ``<=2``, ``<2`` (as <=), ``3..5``, ``3-5``, ``4``.

    The result is clamped into [scale_min, scale_max]; a range wholly outside the scale, with its
    low end above its high end, or in any other form raises ``ValueError``.
    """
    t = str(text).strip().replace("≥", ">=").replace("≤", "<=")
    if m := re.fullmatch(rf">=?\s*{_NUM}", t):
        low, high = float(m.group(1)), scale_max
    elif m := re.fullmatch(rf"<=?\s*{_NUM}", t):
        low, high = scale_min, float(m.group(1))
    elif m := re.fullmatch(rf"{_NUM}\s*(?:\.\.|-|–|to)\s*{_NUM}", t):
        low, high = float(m.group(1)), float(m.group(2))
    elif m := re.fullmatch(_NUM, t):
        low = high = float(m.group(1))
    else:
        raise ValueError(f"{_HELP}, got {text!r}")
    if low > high:
        raise ValueError(f"range {text!r} has its low end above its high end")
    if high < scale_min or low > scale_max:
        raise ValueError(f"range {text!r} lies outside the scale {scale_min:g}..{scale_max:g}")
    return Range(float(max(low, scale_min)), float(min(high, scale_max)), t)


def _missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def dimension_verdict(rng: Range, ci_low: float | None, ci_high: float | None, mean: float | None) -> Verdict:
    """Where the interval [ci_low, ci_high] lies relative to ``rng``."""
    if _missing(mean):
        return "no data"
    if ci_low is None or ci_high is None or _missing(ci_low) or _missing(ci_high):
        return "inconclusive"
    if ci_low >= rng.low and ci_high <= rng.high:
        return "met"
    if ci_low > rng.high:
        return "exceeded"
    if ci_high < rng.low:
        return "below"
    return "inconclusive"


def overall_verdict(verdicts: Mapping[str, Verdict]) -> Overall:
    """insufficient evidence: more than half the dimensions lack evidence (or have no data);
    validated: all met; partially: some met; not validated: none met, some outside the range;
    inconclusive: none met and none outside (including no dimensions at all)."""
    values = list(verdicts.values())
    if values and sum(v in ("insufficient evidence", "no data") for v in values) * 2 > len(values):
        return "insufficient evidence"
    met = sum(v == "met" for v in values)
    outside = sum(v in ("exceeded", "below") for v in values)
    if values and met == len(values):
        return "validated"
    if met:
        return "partially validated"
    if outside:
        return "not validated"
    return "inconclusive"
