"""Persona regression tests in your own pytest suite.

    from rolecall.testing import assert_persona

    @pytest.mark.persona
    def test_ml_engineer():
        assert_persona("personas/ml-engineer.md", model="openai:llama3.1@http://127.0.0.1:8000/v1")

``assert_persona`` runs the persona (identical calls come from the response cache, so an
unchanged persona re-checks in seconds) and fails with the per-dimension verdict table. This
module is also a pytest plugin (entry point ``rolecall``): it registers the ``persona`` marker
for these slow tests, so ``pytest -m "not persona"`` leaves them out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rolecall import defaults as D

if TYPE_CHECKING:  # imported when used: a pytest plugin should cost nothing to load
    from rolecall.api import InstrumentLike, PersonaLike, Run

__all__ = ["PersonaAssertionError", "assert_persona"]


class PersonaAssertionError(AssertionError):
    """The persona's hypothesis did not pass; ``run`` is the run that shows why."""

    def __init__(self, message: str, run: Run):
        super().__init__(message)
        self.run = run


def verdict_table(r: Run) -> str:
    """The hypothesis per dimension as a plain-text table (the assertion message)."""
    hyp = r.hypothesis or {"dimensions": {}, "verdict": "none"}
    dims = r.summary_data["dimensions"]
    lines = [f"{'dimension':<28} {'expected':<14} {'mean':>6}  {'95% CI':<16} verdict"]
    for dim, h in hyp["dimensions"].items():
        name = dims.get(dim, {}).get("name", dim)
        mean = "—" if h["mean"] is None else f"{h['mean']:.2f}"
        ci = "—" if h["ci_low"] is None else f"[{h['ci_low']:.2f}, {h['ci_high']:.2f}]"
        lines.append(f"{name[:28]:<28} {h['expected'][:14]:<14} {mean:>6}  {ci:<16} {h['verdict']}")
    lines.append(f"hypothesis: {hyp['verdict']}   (run: {r.path})")
    return "\n".join(lines)


def assert_persona(
    persona: PersonaLike,
    instrument: InstrumentLike | None = None,
    *,
    model: str = D.DEFAULT_MODEL,
    judges: str | Sequence[str] = (D.DEFAULT_JUDGE,),
    epochs: int = D.DEFAULT_EPOCHS,
    items: int | None = None,
    strict: bool = False,
    out: str | os.PathLike[str] = D.DEFAULT_OUT,
    track: bool = False,
    **options: Any,
) -> Run:
    """Run ``persona`` and assert that its hypothesis passes (`rolecall check`, ``--strict`` with
    ``strict=True``); return the run. Fails with the per-dimension verdict table, and raises
    ``RolecallError`` when the persona states no hypothesis for the instrument."""
    from rolecall.api import run

    r = run(
        persona, instrument, model=model, judges=judges, epochs=epochs, items=items, out=out,
        track=track, **options,
    )  # fmt: skip
    if not r.check(strict=strict):
        raise PersonaAssertionError(
            "persona hypothesis not met" + (" (strict)" if strict else "") + "\n" + verdict_table(r), r
        )
    return r


def pytest_configure(config: Any) -> None:
    """pytest plugin hook: the ``persona`` marker for persona regression tests (slow)."""
    config.addinivalue_line(
        "markers", "persona: a persona regression test (rolecall.testing.assert_persona); slow"
    )
