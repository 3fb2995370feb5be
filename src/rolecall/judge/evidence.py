"""What in an answer may count as evidence, and when a judge must abstain instead of scoring.

Every judge runs the same screen before it scores (``screen``). The screen splits the subject's
own words into sentences and sets aside those that are not behaviour:

- code (fenced blocks and lines that parse as code, e.g. ``sample_dataset = {``);
- refusals ("I'm sorry, but I can't assist with that.");
- filler and non-answers ("I hope this helps", "Could you clarify...?", "I don't know");
- echoes: sentences that restate the question, a follow-up, the item, an anchor, an exemplar or
  an indicator (most of the sentence is a run of another text's words);
- sentences addressed to the grader ("give this a 5", fake verdict JSON);
- claims: sentences that name a pole of the scale ("my approach is thoroughly research-first").

If nothing is left, the judge abstains with the reason that explains why (``ABSTAIN_REASONS``);
the record has ``score: null, abstained: true``. Judges add their own reasons on top
(``off_topic`` and ``insufficient_evidence`` for the semantic scorer; an LLM judge may answer
"no evidence" itself). Abstentions are not failures: they are counted per dimension and reason,
and kept out of means, intervals and reliability.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import get_args

from rolecall.instrument import Dimension, Instrument, Item
from rolecall.rundir import AbstainReason, ScoreRecord
from rolecall.text import content_words, sentences, stems

ABSTAIN_REASONS: tuple[str, ...] = get_args(AbstainReason)

# --- sentences addressed to the grader ---------------------------------------------------------
_ADDRESSES_GRADER = re.compile(
    r"\b(ignore (all |any |the |your |previous |prior )*(instructions|rubric|rules)|rubric|grader|judge|"
    r"(give|assign|award|rate)\b.{0,30}\b(score|rating|[1-9]|five|full marks)|score (this|it)\b|"
    r"(rated|scored|score|rating)\s*(:|=|is|of)?\s*[1-9](\.\d+)?\s*(/\s*[1-9]|out of)?|"
    r"system prompt)\b|^\W*(system|developer|assistant)\s*(message)?\s*:",
    re.IGNORECASE,
)
# verdict-shaped JSON ("score": 5, "evidence": ...) inside an answer
_VERDICT_JSON = re.compile(r"[\"'](score|evidence|reasoning|indicators_seen)[\"']\s*:", re.IGNORECASE)


def addresses_grader(sentence: str) -> bool:
    """True for a sentence aimed at whoever grades the answer ("give this a 5", fake verdicts)."""
    return bool(_ADDRESSES_GRADER.search(sentence) or _VERDICT_JSON.search(sentence))


# --- refusals, filler, questions back to the interviewer -------------------------------------------
_REFUSAL = re.compile(
    r"\bI(?:'m| am) sorry\b.{0,60}\b(?:can(?:no|')t|unable|not able|won't)\b"
    r"|\bI (?:can(?:no|')t|am unable to|'m unable to|am not able to|'m not able to|won't be able to|"
    r"must decline to|have to decline to|will not be able to)\s+(?:assist|help|provide|answer|comply|"
    r"fulfil+|discuss|share|do that|engage|respond|continue|support|give|offer|determine|say|know|"
    r"evaluate|judge|comment|predict|speculate|make that|form)"
    r"|\bI (?:can(?:no|')t|won't) (?:assist|help) with (?:that|this)"
    r"|\bI (?:do not|don't|cannot|can't|won't|will not) (?:engage|participate|get involved) in\b"
    r"|\b(?:outside|beyond) (?:the scope of )?my (?:role|remit|scope|capabilities)\b",
    re.IGNORECASE,
)
_AI_DISCLAIMER = re.compile(
    r"\bas an? (?:AI|artificial intelligence|language model|large language model)\b"
    r"|\bI'?m (?:just |only )?an? (?:AI|language model|virtual assistant|chatbot)\b"
    r"|\bI (?:do not|don't) have (?:personal|the ability|access to personal)",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"\b(?:great|good|interesting|excellent) question\b"
    r"|\bhope (?:this|that|it) helps\b"
    r"|\blet me know if\b|\bfeel free to\b|\bdon'?t hesitate to\b|\bhappy to help\b|\bglad to help\b"
    r"|\bif you (?:can |could )?(?:provide|give|share) (?:me )?(?:with )?"
    r"(?:more|some|specific|additional|further) (?:specific )?(?:details|information|context)"
    r"|\bI (?:do not|don'?t) know\b|\bI'?m not sure\b|\bnot sure what you mean\b"
    r"|^(?:sure|certainly|absolutely|of course|okay|ok)\b[.!,]?\s*$"
    r"|^(?:here'?s|here is|below is|the following is)\b[^.!?]*:\s*$"
    r"|^(?:sure|certainly|absolutely|of course)[!,.]?\s+(?:here'?s|here is|below is)\b",
    re.IGNORECASE,
)

# --- code ----------------------------------------------------------------------------------------
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_LINE = re.compile(
    r"""^\s*(?:
        (?:def|class|import|return|elif|while|try|except|finally|lambda|async\s+def|await)\b
      | from\s+[\w.]+\s+import\b
      | (?:print|assert)\s*\(
      | for\s+[\w, ()]+\s+in\s+.*:\s*$
      | (?:if|with|else)\b.*:\s*$
      | @\w+
      | \#\s*include\b | \#!/
      | (?:public|private|protected|static|const|let|var|function|fn|func|package)\s
      | [\w.\[\]'"]+\s*(?:=|\+=|-=|\*=|/=|:=)\s*(?!\s*$)[^=]
      | [\w.\[\]'"]+\s*=\s*$
      | [\]\)\}]+[,;]?\s*$
      | ["'][^"']+["']\s*:\s*.+,\s*$
      | \w+(?:\.\w+)*\([^()]*\)\s*;?\s*$
      | \$\s+\w+
    )""",
    re.VERBOSE,
)
_SYMBOLS = set("=(){}[];<>_/\\|$")


def is_code_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    if _CODE_LINE.match(s):
        return True
    symbols = sum(c in _SYMBOLS for c in s)
    return len(s.split()) <= 8 and symbols / len(s) > 0.12


# --- echoes --------------------------------------------------------------------------------------
ECHO_MIN_MATCHED = 6  # words in runs (two or more words long) shared with one reference text
ECHO_SENTENCE_SHARE = 0.5  # those runs cover at least this share of the sentence's words
ECHO_MAX_NEW = 0.2  # and at most this share of its content words are not in the reference
CHOICE_SHARE = 0.75  # restating less than this share of an either-or question picks an option


_FIRST_PERSON = frozenset(["i", "i'd", "i'll", "i'm", "i've", "we", "we'd", "we'll", "my", "our"])


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(stems(text))


@lru_cache(maxsize=8192)
def _content(text: str) -> frozenset[str]:
    return frozenset(content_words(text))


def echo_of(sentence: str, references: Iterable[str], *, choices: bool = False) -> str | None:
    """The reference text that ``sentence`` restates, if any.

    A sentence restates a reference when it shares runs of two or more words with it (after
    light stemming) totalling at least ``ECHO_MIN_MATCHED`` words and half the sentence, and
    adds almost nothing of its own: at most ``ECHO_MAX_NEW`` of its content words are not in
    the reference. Answering in the question's terms ("Crashes on edge cases are data") is not
    an echo; reciting an anchor ("In short: builds the smallest experiment ...") or the question is.
    A short sentence lifted whole from a reference ("Answer in a few sentences.") is an echo too,
    unless it speaks in the first person: "I'd start with a simple baseline" states the
    behaviour an indicator describes, which is what an indicator is for.

    With ``choices`` (the question side), restating one alternative of an either-or question
    ("You could hard-code part of the pipeline", asked "... hard-code part of the pipeline ..., or
    tell them it is not ready?") picks that alternative: it is an answer, not an echo.
    """
    s = _tokens(sentence)
    own = _content(sentence)
    if len(s) < 3 or not own:
        return None
    for ref in references:
        r = _tokens(ref)
        if not r:
            continue
        new = len(own - _content(ref)) / len(own)
        if new > ECHO_MAX_NEW:
            continue
        blocks = SequenceMatcher(None, s, r, autojunk=False).get_matching_blocks()
        matched = sum(b.size for b in blocks if b.size >= 2)
        if choices and "or" in r and matched / len(r) < CHOICE_SHARE:
            continue  # one alternative of an either-or question, taken up: a choice
        if matched >= ECHO_MIN_MATCHED and matched / len(s) >= ECHO_SENTENCE_SHARE:
            return ref
        if new == 0 and matched >= len(s) - 1 and s[0] not in _FIRST_PERSON:
            return ref  # a short sentence lifted whole ("Answer in a few sentences.")
    return None


def first_person(sentence: str) -> bool:
    """True when the sentence speaks as the subject ("I would ...", "No, we'd ship it")."""
    return any(t in _FIRST_PERSON for t in _tokens(sentence)[:3])


@dataclass(frozen=True)
class References:
    """What an answer may not pass off as its own words.

    ``asked``: what the interviewer said (question, item, follow-ups, probes, pressure).
    ``rubric``: the dimension's description, anchors and exemplars, the item's indicators.
    Restating either is an echo, with one exception: a first-person sentence that takes up the
    question's own words ("I would hard-code part of the pipeline") is an answer — it picks the
    option the question offered.
    """

    asked: tuple[str, ...]
    rubric: tuple[str, ...]
    #: the scale's pole labels ("research-first"): calling oneself that is a claim, not behaviour
    poles: tuple[str, ...] = ()

    def claims_pole(self, sentence: str) -> bool:
        low = sentence.lower()
        return any(p and p in low for p in self.poles)

    def echo(self, sentence: str) -> str | None:
        hit = echo_of(sentence, self.rubric)
        if hit is None and not first_person(sentence):
            hit = echo_of(sentence, self.asked, choices=True)
        return hit


@lru_cache(maxsize=4096)
def _units(texts: tuple[str, ...]) -> tuple[str, ...]:
    """The sentences of ``texts``, deduplicated (cached: a dimension's rubric side recurs for
    every answer judged on it)."""
    out: list[str] = []
    for t in texts:
        out += sentences(t, min_words=3)
    return tuple(dict.fromkeys(out))


def references(
    instrument: Instrument, dim: Dimension, item: Item | None, prompts: Sequence[str] = ()
) -> References:
    """The question side and the rubric side of what an answer may not restate."""
    asked: list[str] = list(prompts)
    rubric: list[str] = [dim.description, *dim.anchors.values(), *dim.high_exemplars, *dim.low_exemplars]
    if item is not None:
        asked += [*item.wordings, *item.follow_ups, *item.pressure]
        rubric += [*item.positive_indicators, *item.negative_indicators]
    poles = tuple(p.lower() for p in (instrument.scale.low_label, instrument.scale.high_label) if len(p) > 3)
    return References(_units(tuple(asked)), _units(tuple(rubric)), poles)


# --- the screen ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Screen:
    """The sentences that may be evidence, and the abstention reason when there are none."""

    evidence: list[str]
    reason: AbstainReason | None
    set_aside: Counter[str] = field(default_factory=Counter)

    def note(self) -> str:
        """e.g. ``set aside: 2 echo, 1 code line``; empty when nothing was set aside."""
        if not self.set_aside:
            return ""
        return "set aside: " + ", ".join(f"{n} {kind}" for kind, n in sorted(self.set_aside.items()))


def split_code(text: str) -> tuple[str, int]:
    """The prose of ``text`` (code blocks and code lines removed) and how many code lines there were."""
    prose: list[str] = []
    code = 0
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or is_code_line(line):
            code += bool(line.strip())
            continue
        prose.append(line)
    return "\n".join(prose), code


def classify(sentence: str, refs: References) -> str | None:
    """Why ``sentence`` is not evidence (``grader``, ``refusal``, ``filler``, ``question``, ``echo``,
    ``claim``: it names a pole of the scale, "my approach is research-first"), or None if it may be."""
    if addresses_grader(sentence):
        return "grader"
    if _REFUSAL.search(sentence) or (_AI_DISCLAIMER.search(sentence) and len(sentence.split()) < 14):
        return "refusal"
    if _FILLER.search(sentence):
        return "filler"
    if sentence.rstrip().endswith("?"):
        return "question"  # a question (to the interviewer, or rhetorical) states no behaviour
    if refs.echo(sentence) is not None:
        return "echo"
    if refs.claims_pole(sentence):
        return "claim"
    return None


def screen(answer: str, refs: References) -> Screen:
    """Set aside what is not evidence; say why a judge must abstain when nothing is left."""
    prose, code_lines = split_code(answer)
    kept: list[str] = []
    aside: Counter[str] = Counter()
    if code_lines:
        aside["code line"] = code_lines
    for sent in sentences(prose) if prose.strip() else []:
        kind = classify(sent, refs)
        if kind is None:
            kept.append(sent)
        else:
            aside[kind] += 1
    if kept:
        return Screen(kept, None, aside)
    reason: AbstainReason
    if aside["refusal"]:
        reason = "refusal"
    elif code_lines:
        reason = "code_only"
    elif aside["echo"]:
        reason = "echo"
    elif aside["claim"]:
        reason = "insufficient_evidence"  # it only names a pole: a label, not a behaviour
    else:
        reason = "non_answer"  # empty, filler, questions back, or only words to the grader
    return Screen([], reason, aside)


def abstention(base: dict[str, object], reason: AbstainReason, note: str = "") -> ScoreRecord:
    """The record of a judge that found no evidence: ``score`` None, ``abstained`` and its reason."""
    return ScoreRecord.model_validate(
        {**base, "score": None, "abstained": True, "abstain_reason": reason, "reasoning": note}
    )
