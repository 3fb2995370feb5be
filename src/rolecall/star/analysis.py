"""Deterministic STAR analysis of one answer: which parts are there, and where.

Each sentence is labelled Situation, Task, Action, Result, Reflection or other by weighted cue
phrases (strong cues count 2, weak cues 1) with a small positional prior to break ties; a
sentence with no cue takes the label of the sentence before it (a STAR part usually runs over
several sentences), but only a cued sentence can make a part present. Spans are character
offsets into the answer text, so a report can show exactly which words carried each part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PARTS = ("situation", "task", "action", "result")
LABELS = (*PARTS, "reflection")

_I = r"\b(?:I|I've|I'd|I'm)\b"
_ACTION_VERBS = (
    "began|started|built|created|designed|implemented|developed|led|proposed|conducted|analy[sz]ed|"
    "decided|set up|organi[sz]ed|wrote|ran|reached out|talked|introduced|automated|"
    "refactored|prioriti[sz]ed|negotiated|collaborated|identified|investigated|added|reviewed|tested|"
    "deployed|trained|migrated|scheduled|arranged|explained|presented|convinced|asked|paired|provided|"
    "took|focused|spent|used|applied|drafted|split|broke|escalated|documented|communicated|gathered|"
    "interviewed|prototyped|benchmarked|measured|monitored|rolled|shipped|fixed|rewrote|replaced|"
    "simplified|mentored|coached|delegated|volunteered|stepped|pushed|dug|traced|profiled|compared|"
    "evaluated|consulted|suggested|recommended|invited|offered|created|hosted|ran|kept|made|chose|"
    "would (?:first )?(?:ask|start|assess|begin|communicate|focus|break|prioriti[sz]e|follow)"
)


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# (strong cues, weak cues) per label
CUES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "situation": (
        _rx(
            r"\b(?:in|at|during) (?:my|a|our|one of my) (?:previous |prior |last |former |current |first )?"
            r"(?:role|job|position|company|team|project|internship|employer)s?\b",
            r"\bwhen I was (?:working|a|an|at|on|in)\b",
            r"\bwe were (?:facing|working on|building|developing|struggling|running|seeing|trying)\b",
            r"\b(?:the|our) (?:situation|context|background)\b",
            r"\bback (?:in|when)\b",
        ),
        _rx(
            r"\b(?:last|that) (?:year|quarter|month|summer|spring|autumn|fall|winter)\b",
            r"\b(?:the|our|a) (?:company|team|client|customer|project|system|platform|model|business) "
            r"(?:was|were|had|needed)\b",
            r"\bthere (?:was|were)\b",
            r"\b(?:existing|legacy|current) (?:system|model|process|pipeline|platform)\b",
            r"\b(?:was|were) (?:facing|experiencing|struggling|growing|unfamiliar)\b",
        ),
    ),
    "task": (
        _rx(
            r"\bmy (?:role|responsibility|task|job|goal|objective|mandate|assignment|aim)\b",
            r"\bI was (?:tasked|asked|responsible|assigned|in charge|expected|accountable|brought in)\b",
            r"\b(?:the|our) (?:goal|objective|task|challenge|target|mission|aim|requirement) (?:was|is)\b",
            r"\bI (?:needed|had) to\b",
        ),
        _rx(
            r"\b(?:we|the team) (?:needed|had) to\b",
            r"\bit was (?:crucial|critical|important|essential|vital)\b",
            r"\b(?:deadline|requirement)s?\b",
            r"\bthe risk was\b",
        ),
    ),
    "action": (
        _rx(
            rf"{_I} (?:then |first |also |quickly |immediately |personally )?(?:{_ACTION_VERBS})\b",
            r"\bmy (?:first|next) step\b",
            r"\bto (?:address|solve|fix|tackle|resolve|handle) (?:this|that|the|these|it)\b",
        ),
        _rx(
            r"\bwe (?:then |first |also )?(?:began|started|built|created|designed|implemented|developed|"
            r"set up|ran|added|deployed|trained|migrated|introduced|automated|decided)\b",
            r"^\s*(?:first|second|third|then|next|finally|additionally),",
            rf"{_I} (?:then |also |quickly |personally )?"
            r"(?:\w{3,}ed|built|rebuilt|ran|wrote|rewrote|took|made|set|led|met|spoke|found|sent|began|brought|chose|drove|gave|got|kept|put|sought|told|went|"
            r"held|taught|dug|broke|split|cut|hit|let|shut|paid|won|lost|saw|heard|read|flew|stood)\b",
        ),
    ),
    "result": (
        _rx(
            r"\bas a result\b",
            r"\bresult(?:ed|ing)? in\b",
            r"\b(?:the )?outcome\b",
            r"\b(?:reduc|increas|improv|cut|boost|sav|grew|grow|decreas|rais|lower|doubl|halv|tripl)\w*"
            r"\b[^.]{0,60}?\bby\b\s*(?:about |roughly |approximately |nearly |over |almost )?[\d$£€]",
            r"\b(?:ultimately|in the end|eventually|thanks to)\b",
            r"\b(?:we|I) (?:met|hit|exceeded|beat|missed|delivered|achieved|launched|shipped|saved|"
            r"reached)\b",
        ),
        _rx(
            r"\bled to\b",
            r"\bachiev\w*",
            r"\bsuccess(?:ful|fully)?\b",
            r"\b(?:was|were) (?:completed|delivered|launched|adopted|deployed|resolved|satisfied|able to)\b",
            r"\bon time\b",
            r"\b\d+(?:\.\d+)?\s?(?:%|percent)",
            r"\b(?:impact|improvement|reduction|increase|savings)\b",
        ),
    ),
    "reflection": (
        _rx(
            r"\b(?:taught|teaches|showed|reminded) me\b",
            rf"{_I} (?:learned|learnt|realized|realised|now know|have learned)\b",
            r"\blessons?\b",
            r"\b(?:next time|in the future|going forward|moving forward|since then|in hindsight|"
            r"looking back|in retrospect)\b",
            r"\b(?:do|done|handle|approach) (?:it |things |this )?differently\b",
            r"\bif I (?:could|had to|were to) do (?:it|this) again\b",
            r"\b(?:reinforced|underscored|highlighted) (?:the|my|for me)\b",
        ),
        _rx(
            r"\bI would (?:have|now|also)\b",
            r"\b(?:this|that|the) experience\b",
            r"\bthe importance of\b",
        ),
    ),
}

# position (0..1 through the answer) where each label usually sits
_PRIOR = {"situation": 0.0, "task": 0.2, "action": 0.5, "result": 0.8, "reflection": 1.0}

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]`’”]*|\n|$)")
_QUANTITY = re.compile(
    r"(?:[$£€]\s?\d[\d,.]*\s?(?:[kmb]n?|million|billion|thousand)?\b"
    r"|\b\d[\d,.]*\s?(?:%|percent|x\b|×|ms\b|milliseconds|seconds|minutes|hours|days|weeks|months|"
    r"quarters|years|million|billion|thousand|k\b|users|customers|clients|engineers|people|teams|"
    r"requests|transactions|points|hrs|gb|tb)"
    r"|\b(?:doubled|halved|tripled|quadrupled|tenfold|ten-fold|\d+-fold))",
    re.IGNORECASE,
)
_FIRST_SINGULAR = re.compile(r"\b(?:I|me|my|mine|myself|I'm|I've|I'd|I'll)\b")
_FIRST_PLURAL = re.compile(r"\b(?:we|us|our|ours|ourselves|we're|we've|we'd|we'll)\b", re.IGNORECASE)
_WORD = re.compile(r"\b\w[\w'’-]*\b")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    label: str  # one of LABELS, or "other"
    cued: bool  # False: the label was carried over from the sentence before


@dataclass
class StarAnalysis:
    sentences: list[Sentence]
    quantities: list[str]
    i_count: int
    we_count: int
    words: int
    text: str = field(repr=False, default="")

    def spans(self, label: str) -> list[tuple[int, int]]:
        """Character spans of the sentences carrying ``label`` (merged when adjacent)."""
        out: list[tuple[int, int]] = []
        for s in self.sentences:
            if s.label != label:
                continue
            if out and self.text[out[-1][1] : s.start].strip() == "":
                out[-1] = (out[-1][0], s.end)
            else:
                out.append((s.start, s.end))
        return out

    def present(self, label: str) -> bool:
        return any(s.label == label and s.cued for s in self.sentences)

    @property
    def parts_present(self) -> list[str]:
        return [p for p in PARTS if self.present(p)]

    @property
    def missing(self) -> list[str]:
        return [p for p in PARTS if not self.present(p)]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def quantified(self) -> bool:
        return bool(self.quantities)

    @property
    def reflection(self) -> bool:
        return self.present("reflection")

    @property
    def ownership(self) -> float | None:
        """Share of first-person pronouns that are singular ("I") rather than plural ("we")."""
        total = self.i_count + self.we_count
        return round(self.i_count / total, 3) if total else None

    def to_json(self) -> dict[str, Any]:
        return {
            "parts": {
                label: {"present": self.present(label), "spans": [list(sp) for sp in self.spans(label)]}
                for label in LABELS
            },
            "missing": self.missing,
            "complete": self.complete,
            "quantified": self.quantified,
            "quantities": self.quantities,
            "reflection": self.reflection,
            "i_count": self.i_count,
            "we_count": self.we_count,
            "ownership": self.ownership,
            "words": self.words,
            "sentences": len(self.sentences),
        }


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence, trimmed of surrounding whitespace."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if _WORD.search(text[start:end]):
            spans.append((start, end))
    return spans


def _label(sentence: str, position: float) -> str | None:
    scores: dict[str, float] = {}
    for label, (strong, weak) in CUES.items():
        hits = 2 * len(strong.findall(sentence)) + len(weak.findall(sentence))
        if hits:
            scores[label] = hits + 0.5 * (1 - abs(position - _PRIOR[label]))
    if not scores:
        return None
    return max(scores, key=lambda k: scores[k])


def analyse(text: str) -> StarAnalysis:
    """Label every sentence of ``text``; count quantities, pronouns and words."""
    spans = split_sentences(text)
    sentences: list[Sentence] = []
    previous = "other"
    for n, (start, end) in enumerate(spans):
        position = n / max(len(spans) - 1, 1)
        label = _label(text[start:end], position)
        if label is None:
            sentences.append(Sentence(start, end, previous, cued=False))
        else:
            sentences.append(Sentence(start, end, label, cued=True))
            previous = label
    quantities: list[str] = []
    for s in sentences:
        if s.label in ("result", "reflection"):
            quantities += [m.group(0).strip() for m in _QUANTITY.finditer(text[s.start : s.end])]
    return StarAnalysis(
        sentences=sentences,
        quantities=quantities,
        i_count=len(_FIRST_SINGULAR.findall(text)),
        we_count=len(_FIRST_PLURAL.findall(text)),
        words=len(_WORD.findall(text)),
        text=text,
    )
