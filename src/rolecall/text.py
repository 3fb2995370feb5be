"""Plain-text helpers shared by the scorers, the phrase statistics and the transcript matcher:
sentences, words, stopwords, light stemming."""

from __future__ import annotations

import re

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STRIP = " -*•\t\"'`#>"

#: Function words left out of content words, distinctive phrases and transcript matching.
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


def sentences(text: str, *, min_words: int = 3) -> list[str]:
    """Sentences and list lines of ``text`` with at least ``min_words`` words.

    If no part is that long, the whole text (stripped) is the one sentence, so a terse answer is
    still seen.
    """
    parts = [p.strip(_STRIP) for p in _SPLIT.split(text)]
    return [p for p in parts if len(p.split()) >= min_words] or ([text.strip()] if text.strip() else [])


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept inside words: ``don't``)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def stem(word: str) -> str:
    """A deliberately crude suffix stripper: enough to match ``builds``/``build``, ``tested``/``test``."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def content_words(text: str) -> list[str]:
    """Stemmed words that are not stopwords."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
