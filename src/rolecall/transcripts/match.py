"""Match recorded questions to instrument items: by id when given, else by lexical similarity.

Similarity is TF-IDF cosine over lowercase word unigrams and bigrams (numpy only), between the
recorded question and each item's prompt and paraphrases. The best score is recorded with the
match, and so is the runner-up item (the most similar other item) with its score; below
``threshold`` the question is left unmatched (scored on every dimension, flagged). A match that
is low (under ``THRESHOLD + LOW_MARGIN``) or ambiguous (runner-up within ``AMBIGUOUS_MARGIN``)
is shown as doubtful in the reports and warned about on the terminal.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from rolecall.instrument import Instrument
from rolecall.rundir.records import TurnRecord
from rolecall.text import STOPWORDS

_WORD = re.compile(r"[a-z0-9']+")
_QUESTION_WORDS = "how tell describe time about what when where which who why did"
_STOP = STOPWORDS | frozenset(_QUESTION_WORDS.split())
THRESHOLD = 0.2
#: A text match scoring under THRESHOLD + LOW_MARGIN (0.30) is low. Leave-one-out over the built-in
#: instruments' wordings (each prompt or paraphrase matched against all the others): the most
#: similar *wrong* item scored up to 0.31 (95th percentile 0.22-0.29), the right item's 5th
#: percentile was 0.33; under 0.30 a match is in the range where wrong items land.
LOW_MARGIN = 0.1
#: A runner-up item scoring within AMBIGUOUS_MARGIN of the best makes the match ambiguous. In the
#: same leave-one-out the right item led the best wrong one by 0.15 or more in 95% of cases, and
#: the only wrong match above 0.30 led its runner-up by 0.03. With both rules every wrong match
#: there is flagged, and 5 of 155 right ones.
AMBIGUOUS_MARGIN = 0.05


def _terms(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


class TfidfIndex:
    def __init__(self, docs: list[str]):
        self.docs = [Counter(_terms(d)) for d in docs]
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(docs)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.vocab = {t: i for i, t in enumerate(self.idf)}
        self.matrix = np.vstack([self._vec(d) for d in self.docs]) if docs else np.zeros((0, 0))

    def _vec(self, counts: Counter[str]) -> np.ndarray:
        v = np.zeros(len(self.vocab))
        for t, c in counts.items():
            if t in self.vocab:
                v[self.vocab[t]] = c * self.idf[t]
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def scores(self, query: str) -> np.ndarray:
        if not self.docs:
            return np.zeros(0)
        return self.matrix @ self._vec(Counter(_terms(query)))


@dataclass(frozen=True)
class Match:
    item: str | None  # instrument item id, or None when unmatched
    score: float
    by: str  # "id" (labelled by the transcript), "text" (by similarity) or "none"
    runner_up: str | None = None  # the most similar other item (text matches)
    runner_up_score: float | None = None

    def describe(self) -> str:
        """What the answer was matched to and how, e.g. ``q04, matched by similarity 0.62``."""
        if self.by == "id":
            return f"{self.item}, labelled by the transcript"
        if self.by == "text":
            nxt = (
                f" (next: {self.runner_up} {self.runner_up_score:.2f})"
                if self.runner_up is not None and self.runner_up_score is not None
                else ""
            )
            return f"{self.item}, matched by similarity {self.score:.2f}{nxt}"
        return f"none, best similarity {self.score:.2f} is under the threshold {THRESHOLD:.2f}"

    def doubt(self) -> str | None:
        """Why this match deserves a look (low, ambiguous or none), or None when it does not."""
        if self.by == "none":
            return "no instrument item matched, so the answer is judged on every dimension"
        if self.by != "text":
            return None
        reasons = []
        if self.score < THRESHOLD + LOW_MARGIN:
            reasons.append(f"low similarity (under {THRESHOLD + LOW_MARGIN:.2f})")
        if (
            self.runner_up is not None
            and self.runner_up_score is not None
            and self.score - self.runner_up_score < AMBIGUOUS_MARGIN
        ):
            reasons.append(f"ambiguous ({self.runner_up} is within {AMBIGUOUS_MARGIN:.2f})")
        return "; ".join(reasons) or None


def recorded_match(turn: TurnRecord) -> Match | None:
    """The match a transcript's turn records; None for a turn that was not matched (interviews).

    Turns written before ``match_by`` was recorded: unmatched when no item, else labelled when
    the score is exactly 1 (what an id match records), else by similarity."""
    if turn.match_score is None:
        return None
    by = turn.match_by or (
        "none" if turn.instrument_item is None else "id" if turn.match_score == 1.0 else "text"
    )
    return Match(turn.instrument_item, turn.match_score, by, turn.match_runner_up, turn.match_runner_up_score)


class ItemMatcher:
    def __init__(self, instrument: Instrument, threshold: float = THRESHOLD):
        self.instrument = instrument
        self.threshold = threshold
        self._owners: list[str] = []
        docs: list[str] = []
        for item in instrument.items:
            for text in item.wordings:
                docs.append(text)
                self._owners.append(item.id)
        self._index = TfidfIndex(docs)
        self._ids = {i.id for i in instrument.items}

    def match(self, question: str, item_hint: str | None) -> Match:
        if item_hint and item_hint in self._ids:
            return Match(item_hint, 1.0, "id")
        scores = self._index.scores(question)
        if scores.size == 0:
            return Match(None, 0.0, "none")
        per_item: dict[str, float] = {}  # best wording's score per item, in instrument order
        for owner, value in zip(self._owners, scores.tolist(), strict=True):
            per_item[owner] = max(per_item.get(owner, -1.0), float(value))
        ranked = sorted(per_item.items(), key=lambda kv: -kv[1])  # stable: ties keep the first item
        best, s = ranked[0]
        if s < self.threshold:
            return Match(None, round(s, 3), "none")
        runner_up, r = ranked[1] if len(ranked) > 1 else (None, None)
        return Match(best, round(s, 3), "text", runner_up, None if r is None else round(r, 3))
