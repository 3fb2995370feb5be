"""Distinctive language: log-odds ratios with an informative Dirichlet prior.

Monroe, Colaresi & Quinn (2008), "Fightin' Words", §3.5. Texts are lower-cased and split into
words ``[a-z0-9']+``; n-grams never cross sentence punctuation (. ! ? ; : newline) and unigrams
that are stopwords are dropped. The prior α is the pooled corpus's n-gram counts, scaled to
``prior_total`` pseudo-counts when given (default: unscaled, so prior and data weigh the same).
Each phrase gets the z-score δ/√var of its log-odds difference between corpus A and corpus B
(positive = characteristic of A). Only phrases seen at least
``min_count`` times in all are reported.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rolecall.text import STOPWORDS

_SENT = re.compile(r"[.!?;:\n]+")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Phrase:
    text: str
    z: float
    count_a: int
    count_b: int


def _check(ngram: tuple[int, int]) -> None:
    if ngram[0] < 1 or ngram[0] > ngram[1]:
        raise ValueError(f"ngram must be (lo, hi) with 1 <= lo <= hi, got {ngram}")


def ngram_counts(texts: Sequence[str], ngram: tuple[int, int]) -> Counter[str]:
    """Counts of the n-grams (n in ``ngram``, inclusive) of ``texts``."""
    _check(ngram)
    counts: Counter[str] = Counter()
    for text in texts:
        add_ngrams(counts, text, ngram)
    return counts


def add_ngrams(counts: Counter[str], text: str, ngram: tuple[int, int]) -> None:
    """Add the n-grams of one text to ``counts`` (to count a corpus as it streams by)."""
    _check(ngram)
    lo, hi = ngram
    for sentence in _SENT.split(text.lower()):
        words = _WORD.findall(sentence)
        for n in range(lo, hi + 1):
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                # a phrase that starts or ends with a stopword ("of the", "the model") says
                # nothing the content words alone do not
                if gram[0] in STOPWORDS or gram[-1] in STOPWORDS:
                    continue
                counts[" ".join(gram)] += 1


def distinctive_phrases(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    *,
    top: int = 15,
    ngram: tuple[int, int] = (1, 3),
    min_count: int = 2,
    prior_total: float | None = None,
) -> tuple[list[Phrase], list[Phrase]]:
    """(Most distinctive phrases of A, most distinctive of B), each by |z|, at most ``top``."""
    ca, cb = ngram_counts(texts_a, ngram), ngram_counts(texts_b, ngram)
    return distinctive_from_counts(ca, cb, top=top, min_count=min_count, prior_total=prior_total)


def distinctive_from_counts(
    ca: Counter[str],
    cb: Counter[str],
    *,
    top: int = 15,
    min_count: int = 2,
    prior_total: float | None = None,
) -> tuple[list[Phrase], list[Phrase]]:
    """``distinctive_phrases`` from the corpora's n-gram counts (``ngram_counts``/``add_ngrams``)."""
    vocab = sorted(set(ca) | set(cb))
    if not vocab or top <= 0:
        return [], []
    ya = np.array([ca[t] for t in vocab], dtype=float)
    yb = np.array([cb[t] for t in vocab], dtype=float)
    pooled = ya + yb
    alpha = pooled / pooled.sum() * (pooled.sum() if prior_total is None else prior_total)
    a0 = alpha.sum()
    na, nb = ya.sum(), yb.sum()
    delta = np.log((ya + alpha) / (na + a0 - ya - alpha)) - np.log((yb + alpha) / (nb + a0 - yb - alpha))
    z = delta / np.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
    keep = pooled >= min_count
    order = [i for i in np.argsort(-z, kind="stable") if keep[i]]
    phrases = [Phrase(vocab[i], round(float(z[i]), 3), int(ya[i]), int(yb[i])) for i in order]
    top_a = [p for p in phrases if p.z > 0 and p.count_a > 0][:top]
    top_b = [p for p in reversed(phrases) if p.z < 0 and p.count_b > 0][:top]
    return top_a, top_b
