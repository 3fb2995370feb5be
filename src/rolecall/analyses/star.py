"""The summary's STAR block: every answer's STAR analysis, the probes asked, and the rates."""

from __future__ import annotations

from collections import Counter
from statistics import mean, median
from typing import Any

from rolecall.judge.answers import Answer
from rolecall.rundir import TurnRecord
from rolecall.star import LABELS, PARTS, PROBES, analyse

_PROBE_ELEMENT = {text: element for element, text in PROBES.items()}


def _probes_asked(turns: list[TurnRecord]) -> dict[tuple[str, int, str], str]:
    return {
        (t.item, t.epoch, t.subject): _PROBE_ELEMENT.get(t.text, "custom") for t in turns if t.kind == "probe"
    }


def _first_answer(turns: list[TurnRecord]) -> dict[tuple[str, int, str], str]:
    firsts: dict[tuple[str, int, str], TurnRecord] = {}
    for t in turns:
        key = (t.item, t.epoch, t.subject)
        if t.role == "assistant" and (key not in firsts or t.turn < firsts[key].turn):
            firsts[key] = t
    return {k: t.text for k, t in firsts.items()}


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def star_block(answers: list[Answer], turns: list[TurnRecord]) -> dict[str, Any]:
    """Per-answer STAR analyses (of everything the subject said, probes included) and rates."""
    probes = _probes_asked(turns)
    firsts = _first_answer(turns)
    per_answer: list[dict[str, Any]] = []
    for a in answers:
        if a.pressured:
            continue
        key = (a.item, a.epoch, a.subject)
        analysis = analyse(a.answer_only)
        entry: dict[str, Any] = {
            "item": a.item,
            "epoch": a.epoch,
            "subject": a.subject,
            "question": a.question,
            "text": a.answer_only,
            **analysis.to_json(),
        }
        if key in probes:
            entry["probe"] = probes[key]
            entry["missing_before_probe"] = analyse(firsts.get(key, "")).missing
        per_answer.append(entry)
    persona = [e for e in per_answer if e["subject"] == "persona"]
    ownership = [e["ownership"] for e in persona if e["ownership"] is not None]
    return {
        "answers": per_answer,
        "aggregate": {
            "n": len(persona),
            "present_rate": {
                label: _rate([e["parts"][label]["present"] for e in persona]) for label in LABELS
            },
            "complete_rate": _rate([e["complete"] for e in persona]),
            "quantified_rate": _rate([e["quantified"] for e in persona]),
            "reflection_rate": _rate([e["reflection"] for e in persona]),
            "ownership_mean": round(mean(ownership), 3) if ownership else None,
            "words_median": median([e["words"] for e in persona]) if persona else None,
            "probes": dict(Counter(e["probe"] for e in persona if "probe" in e)),
            "parts": list(PARTS),
        },
    }
