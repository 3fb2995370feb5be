"""What the reports show of each item, kept in the summary so that reports need no other file.

- ``answers_block``: per item, the question and the answer of its first epoch, how a
  transcript's answer was matched to an instrument item, and per dimension the quote the
  reports cite (a verified one when any judge verified one).
- ``phrases_block``: the phrases most distinctive of the persona against the baseline run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from rolecall.rundir import SESSION_ITEM, ScoreRecord, TurnRecord
from rolecall.stats.phrases import distinctive_from_counts, ngram_counts
from rolecall.transcripts.match import recorded_match

#: how many distinctive phrases each side keeps
PHRASES = 12
#: the n-grams phrases are made of (``distinctive_phrases``' default)
PHRASE_NGRAM = (1, 3)


def _cited(records: list[ScoreRecord]) -> ScoreRecord | None:
    """The verdict whose quote the reports cite: the first scored one with a verified quote, else
    the first scored one with any quote."""
    scored = [r for r in records if r.score is not None and r.evidence]
    return next((r for r in scored if r.quote_verified), None) or next(iter(scored), None)


def _empty() -> dict[str, Any]:
    return {"question": "", "answer": "", "rubric_item": None, "match": None, "dimensions": {}}


def answers_block(turns: Iterable[TurnRecord], records: list[ScoreRecord]) -> dict[str, Any]:
    """item -> {question, answer, rubric_item, match, dimensions: {dim: {evidence, verified,
    indicators}}} for the persona's ordinary answers (in a session, an item's first probe).
    ``records``: the verdicts the summary counts (on-item dimensions, pressure left out); their
    file order decides which quote is cited."""
    by_cell: dict[tuple[str, str], list[ScoreRecord]] = defaultdict(list)
    for r in records:
        if r.subject == "persona" and r.condition == "ordinary":
            by_cell[(r.item, r.dimension)].append(r)
    out: dict[str, dict[str, Any]] = {}
    for t in turns:
        if t.subject != "persona" or t.epoch != 0:
            continue
        if t.item == SESSION_ITEM:  # a session: each item at its first probe
            if t.probe is not None:
                entry = out.setdefault(t.probe, _empty())
                key = "question" if t.role == "user" else "answer"
                entry[key] = entry[key] or t.text
            continue
        entry = out.setdefault(t.item, _empty())
        if t.role == "assistant" and not entry["answer"]:
            entry["answer"] = t.text
        if t.role == "user" and t.turn == 0:
            entry["question"] = t.question or t.text
            entry["rubric_item"] = t.instrument_item
            m = recorded_match(t)
            if m is not None:  # a transcript's answer: how it was matched to an instrument item
                entry["match"] = {"text": m.describe(), "doubt": m.doubt(), "by": m.by, "score": m.score}
    for (item, dim), rs in by_cell.items():
        cited = _cited(rs)
        out.setdefault(item, _empty())
        out[item]["dimensions"][dim] = {
            "evidence": cited.evidence if cited else "",
            "verified": bool(cited and cited.quote_verified),
            "indicators": list(cited.indicators_seen) if cited else [],
        }
    scored_items = {item for item, _ in by_cell}
    return {item: entry for item, entry in out.items() if item in scored_items}


def phrases_block(turns: Iterable[TurnRecord]) -> dict[str, Any] | None:
    """The persona's most distinctive phrases against the baseline's (None without a baseline)."""
    persona: list[str] = []
    baseline: list[str] = []
    for t in turns:
        if t.role == "assistant":
            (persona if t.subject == "persona" else baseline).append(t.text)
    if not baseline:
        return None
    return phrases_from_counts(ngram_counts(persona, PHRASE_NGRAM), ngram_counts(baseline, PHRASE_NGRAM))


def phrases_from_counts(persona: Counter[str], baseline: Counter[str]) -> dict[str, Any]:
    """``phrases_block`` from the n-gram counts (``PHRASE_NGRAM``) of the subjects' answers, for a
    reader that counts them as the transcript streams by instead of keeping every answer."""
    mine, theirs = distinctive_from_counts(persona, baseline, top=PHRASES)
    return {
        "against": "the same model with no persona",
        "persona": [asdict(p) for p in mine],
        "other": [asdict(p) for p in theirs],
    }
