"""What is known of a judge's agreement with people, per instrument (bench/judges.md).

The figures live in ``validity.json`` beside this module, written by ``bench/judges.py`` from the
labelled answer sets in ``bench/data`` (never typed in by hand). A report prints them for the
instrument it is about, or warns that the judge was not validated for that instrument.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SOURCE = "bench/judges.md"


@cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    text = resources.files("rolecall.judge").joinpath("validity.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(text)["instruments"]
    return data


def judge_validity(judge: str, instrument_id: str) -> dict[str, Any]:
    """``{"validated": True, ...figures}`` for a measured judge × instrument, else a warning."""
    figures = _table().get(instrument_id, {}).get(judge)
    if figures:
        return {"validated": True, "source": SOURCE, **figures}
    measured_on = sorted(i for i, judges in _table().items() if judge in judges)
    return {
        "validated": False,
        "warning": f"judge {judge!r} not validated for instrument {instrument_id!r}"
        + (f" (measured on: {', '.join(measured_on)})" if measured_on else "")
        + "; its scores are unchecked against human ratings",
    }
