"""Match recorded questions to instrument items: by id when given, else by lexical similarity.

Similarity is TF-IDF cosine over lowercase word unigrams and bigrams (numpy only), between the
recorded question and each item's prompt and paraphrases. The best score is recorded with the
match; below ``threshold`` the question is left unmatched (scored on every dimension, flagged).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from rolecall.instrument import Instrument
from rolecall.stats.phrases import STOPWORDS

_WORD = re.compile(r"[a-z0-9']+")
_QUESTION_WORDS = "how tell describe time about what when where which who why did"
_STOP = STOPWORDS | frozenset(_QUESTION_WORDS.split())
THRESHOLD = 0.2


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
    by: str  # "id", "text" or "none"


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
        best = int(np.argmax(scores))
        s = float(scores[best])
        if s < self.threshold:
            return Match(None, round(s, 3), "none")
        return Match(self._owners[best], round(s, 3), "text")
