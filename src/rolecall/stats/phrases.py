"""Distinctive language: log-odds ratios with an informative Dirichlet prior.

Monroe, Colaresi & Quinn (2008), "Fightin' Words". The prior is the pooled corpus's n-gram
counts scaled to ``prior_total`` pseudo-counts; each phrase gets a z-score of its log-odds
difference between corpus A and corpus B.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_SENT = re.compile(r"[.!?;:\n]+")
_WORD = re.compile(r"[a-z0-9']+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "i'd",
        "i'm",
        "i'll",
        "i've",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


@dataclass(frozen=True)
class Phrase:
    text: str
    z: float
    count_a: int
    count_b: int


def ngram_counts(texts: Sequence[str], ngram: tuple[int, int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    lo, hi = ngram
    for text in texts:
        for sentence in _SENT.split(text.lower()):
            words = _WORD.findall(sentence)
            for n in range(lo, hi + 1):
                for i in range(len(words) - n + 1):
                    gram = words[i : i + n]
                    if gram[0] in STOPWORDS or gram[-1] in STOPWORDS:
                        continue
                    counts[" ".join(gram)] += 1
    return counts


def distinctive_phrases(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    *,
    top: int = 15,
    ngram: tuple[int, int] = (1, 3),
    min_count: int = 2,
    prior_total: float = 1000.0,
) -> tuple[list[Phrase], list[Phrase]]:
    ca, cb = ngram_counts(texts_a, ngram), ngram_counts(texts_b, ngram)
    vocab = sorted(t for t in set(ca) | set(cb) if ca[t] + cb[t] >= min_count)
    if not vocab:
        return [], []
    ya = np.array([ca[t] for t in vocab], dtype=float)
    yb = np.array([cb[t] for t in vocab], dtype=float)
    pooled = ya + yb
    alpha = pooled / pooled.sum() * prior_total
    a0 = alpha.sum()
    na, nb = ya.sum(), yb.sum()
    la = np.log((ya + alpha) / (na + a0 - ya - alpha))
    lb = np.log((yb + alpha) / (nb + a0 - yb - alpha))
    delta = la - lb
    var = 1 / (ya + alpha) + 1 / (yb + alpha)
    z = delta / np.sqrt(var)
    order = np.argsort(-z, kind="stable")
    phrases = [Phrase(vocab[i], round(float(z[i]), 3), int(ya[i]), int(yb[i])) for i in order]
    top_a = [p for p in phrases if p.z > 0 and p.count_a > 0][:top]
    top_b = [p for p in reversed(phrases) if p.z < 0 and p.count_b > 0][:top]
    return top_a, top_b
