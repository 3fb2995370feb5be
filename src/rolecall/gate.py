"""The CI gate on a hypothesis verdict, shared by `rolecall check`, `Run.check` and
`rolecall.testing.assert_persona`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def passes(hypothesis: Mapping[str, Any], *, strict: bool) -> bool:
    """Whether a summary's hypothesis passes: validated, or (not strict) every dimension met or
    inconclusive with at least one met."""
    verdicts = [h["verdict"] for h in hypothesis["dimensions"].values()]
    return hypothesis["verdict"] == "validated" or (
        not strict and all(v in {"met", "inconclusive"} for v in verdicts) and "met" in verdicts
    )
