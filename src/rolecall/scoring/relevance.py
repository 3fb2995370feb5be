"""Which dimensions does an answer evidence most? Embedding relevance, comparable across dimensions.

A judge's 1-5 score says how far along one dimension's scale an answer sits; it is calibrated
per dimension, so scores of different dimensions do not rank well against each other (measured:
bench/principles.md). Relevance asks a different question — how close the answer's language is
to what each dimension's high pole sounds like — with one yardstick for every dimension:

* a dimension's profile = its high exemplars, top anchor, description and the positive
  indicators of the items that ask about it;
* a sentence's relevance to a dimension = its mean cosine similarity to that profile;
* an answer's relevance = the mean of its 3 most relevant sentences, and the quote is the most
  relevant sentence (verbatim). Sentences addressed to a grader are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rolecall.instrument import Instrument
from rolecall.scoring.embedder import Embedder, get_embedder
from rolecall.scoring.semantic import addresses_grader, sentences

TOP_K = 3


@dataclass(frozen=True)
class Relevance:
    dimension: str
    relevance: float
    quote: str


class RelevanceRanker:
    def __init__(self, embedder: Embedder | None = None):
        self._embedder = embedder
        self._profiles: dict[tuple[str, str], np.ndarray] = {}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def profile(self, instrument: Instrument, dim_id: str) -> np.ndarray:
        key = (instrument.id, dim_id)
        if key not in self._profiles:
            dim = instrument.dimension(dim_id)
            texts = [*dim.high_exemplars, dim.anchors[instrument.scale.max], dim.description]
            for item in instrument.items:
                if dim_id in item.dimensions:
                    texts += item.positive_indicators
            self._profiles[key] = self.embedder.encode(texts).mean(axis=0)
        return self._profiles[key]

    def rank(self, instrument: Instrument, text: str) -> list[Relevance]:
        """Every dimension with the answer's relevance to it, most relevant first."""
        sents = [s for s in sentences(text) if not addresses_grader(s)]
        if not sents:
            return []
        vecs = self.embedder.encode(sents)
        out = []
        for dim in instrument.dimensions:
            sims = vecs @ self.profile(instrument, dim.id)
            top = np.sort(sims)[::-1][:TOP_K]
            out.append(Relevance(dim.id, round(float(top.mean()), 4), sents[int(np.argmax(sims))]))
        out.sort(key=lambda r: (-r.relevance, r.dimension))
        return out
