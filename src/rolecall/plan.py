"""``rolecall plan``: the cheapest design (items per dimension × epochs × judges) that the run's
own G-study projects to reach a target G on every dimension that can reach it, with its expected
cost in calls and tokens, from the run's summary and call counts alone."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rolecall.errors import RolecallError
from rolecall.instrument import Instrument, select_items
from rolecall.stats.generalizability import EPOCHS_GRID, JUDGES_GRID, Components, items_for


@dataclass(frozen=True)
class Design:
    items_per_dimension: int
    epochs: int
    judges: int
    items: int  # items asked (a balanced subset gives some dimensions more)
    conversations: int
    subject_calls: int
    judge_calls: int
    tokens: int
    reached: int = 0  # dimensions this design brings to the target

    @property
    def calls(self) -> int:
        return self.subject_calls + self.judge_calls


@dataclass(frozen=True)
class Plan:
    target: float
    reachable: dict[str, int]  # dimension -> items it needs under the cheapest design
    unreachable: list[str]  # no design on the grid decides these
    elsewhere: list[str]  # decided by another design, not by the cheapest one
    cheapest: Design | None
    designs: list[Design]
    short: dict[str, int]  # dimension -> items the instrument has, where fewer than needed


def components(block: dict[str, Any]) -> Components:
    """A dimension's components as summary.json stores them."""
    design = block["design"]
    facets = tuple(f for f in ("item", "epoch", "judge") if f == "item" or design[f] > 1)
    variance = {tuple(k.split(" × ")): float(v) for k, v in block["variance"].items()}
    return Components(
        facets=facets, sizes={f: design[f] for f in facets}, variance=variance, mean=block["mean"]
    )


def _unit_costs(
    summary: dict[str, Any], manifest_epochs: int, n_items: int, subjects: int
) -> dict[str, float]:
    calls = summary.get("calls") or {}
    conversations = max(1, n_items * manifest_epochs * subjects)
    subject_calls = calls.get("subject_calls", 0)
    tokens = calls.get("tokens_in", 0) + calls.get("tokens_out", 0)
    models = (summary.get("timing") or {}).get("models", {})
    judge_calls = sum(m.get("calls", 0) + m.get("cached", 0) for k, m in models.items() if k != "subject")
    verdicts = max(1, (summary.get("verdicts") or {}).get("total", 0))
    return {
        "calls_per_conversation": subject_calls / conversations,
        "tokens_per_call": tokens / subject_calls if subject_calls else 0.0,
        "judge_calls_per_verdict": judge_calls / verdicts,
    }


def make_plan(
    summary: dict[str, Any],
    instrument: Instrument,
    *,
    target: float,
    run_items: int,
    epochs: int,
    judges: int,
    subjects: int,
    seed: int,
) -> Plan:
    """``instrument`` is the full instrument the subset would be drawn from."""
    study = summary.get("generalizability")
    if not study and instrument.session is not None:
        raise RolecallError(
            "a session instrument has no G-study (its probes are not a crossed design); its "
            "drift block says what more sessions (--epochs) would decide"
        )
    if not study and (epochs >= 2 or judges >= 2):
        raise RolecallError("this run has no G-study: too few of its items were scored in every epoch")
    if not study:
        raise RolecallError(
            "this run has no G-study: run with --epochs 2 or more (or two judges) to plan a design"
        )
    comps = {d: (components(b), float(b["cut"])) for d, b in study.items()}
    some = next(iter(comps.values()))[0]
    unit = _unit_costs(summary, epochs, run_items, subjects)
    dims_per_item = sum(len(i.dimensions) for i in instrument.items) / len(instrument.items)
    designs: list[Design] = []
    needs_by_design: dict[tuple[int, int], dict[str, int | None]] = {}
    for e in EPOCHS_GRID if "epoch" in some.facets else (epochs,):
        for j in JUDGES_GRID if "judge" in some.facets else (judges,):
            needs = {d: items_for(c, cut, target, {"epoch": e, "judge": j}) for d, (c, cut) in comps.items()}
            needs_by_design[(e, j)] = needs
            reach = [n for n in needs.values() if n is not None]
            if not reach:
                continue
            per_dim = max(reach)
            items = len(select_items(instrument, per_dim, seed))
            conversations = items * e * subjects
            subject_calls = round(conversations * unit["calls_per_conversation"])
            verdicts = round(items * dims_per_item) * e * subjects * j
            designs.append(
                Design(
                    items_per_dimension=per_dim,
                    epochs=e,
                    judges=j,
                    items=items,
                    conversations=conversations,
                    subject_calls=subject_calls,
                    judge_calls=math.ceil(verdicts * unit["judge_calls_per_verdict"]),
                    tokens=round(subject_calls * unit["tokens_per_call"]),
                    reached=len(reach),
                )
            )
    # the design that decides the most dimensions first, then the cheapest of those
    designs.sort(key=lambda d: (-d.reached, d.calls, d.conversations, d.judges))
    cheapest = designs[0] if designs else None
    needs = needs_by_design[(cheapest.epochs, cheapest.judges)] if cheapest else {}
    available = {d.id: sum(d.id in i.dimensions for i in instrument.items) for d in instrument.dimensions}
    reachable = {d: n for d, n in needs.items() if n is not None}
    return Plan(
        target=target,
        reachable=reachable,
        unreachable=sorted(d for d in comps if all(n[d] is None for n in needs_by_design.values())),
        elsewhere=sorted(
            d for d in comps if d not in reachable and any(n[d] is not None for n in needs_by_design.values())
        ),
        cheapest=cheapest,
        designs=designs,
        short={d: available.get(d, 0) for d, n in reachable.items() if n > available.get(d, 0)},
    )
