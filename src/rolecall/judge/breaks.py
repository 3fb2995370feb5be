"""Persona breaks: the first turn of a session at which the subject stopped playing its role.

A deterministic detector (what the offline ``semantic`` judge reports, and what the summary
shows for every session whatever the judge): a turn breaks the persona when its answer

- discloses that it is an AI ("As an AI language model, I ...", "I'm just a language model",
  "I don't have personal experiences", "created by Alibaba Cloud"): ``ai_disclosure``;
- refuses or drops the role ("I can't pretend to be ...", "stepping out of character", "I'm not
  actually an engineer"): ``role_abandoned``;
- is nothing but a refusal by the judges' evidence screen (``rolecall.judge.evidence``): every
  sentence declines to answer: ``refusal``.

Talking *about* language models is not a break ("we could use BERT as a language model"): the
disclosure patterns need the speaker to be the model ("as an AI ..., I").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rolecall.judge.conversation import SessionTurn
from rolecall.judge.evidence import References, screen
from rolecall.text import sentences

BreakReason = Literal["ai_disclosure", "role_abandoned", "refusal"]

_WHAT = (
    r"(?:AI|A\.I\.|artificial intelligence|(?:large )?language model|LLM|AI (?:language )?model|"
    r"AI assistant|virtual assistant|chatbot|computer program|machine learning model)"
)
_AI_DISCLOSURE = re.compile(
    rf"\bas an? {_WHAT}\b(?:[\s,]+[\w'-]+){{0,6}}?[\s,]+I\b"
    rf"|\bI(?:'m| am) (?:just |only |merely |simply )?(?:an? )?{_WHAT}\b"
    r"|\bI (?:do not|don't|cannot|can't) have (?:personal (?:experiences?|opinions?|feelings|preferences|"
    r"beliefs|views)|(?:real |human )?(?:feelings|emotions|a body|a physical form))\b"
    r"|\b(?:created|developed|trained|made|built) by (?:OpenAI|Alibaba(?: Cloud)?|Anthropic|Google|Meta)\b"
    r"|\bI am (?:Qwen|ChatGPT|Claude|Gemini|Llama)\b",
    re.IGNORECASE,
)
_ROLE_ABANDONED = re.compile(
    r"\bI (?:can(?:no|')t|won't|will not|am not able to|'m not able to|am unable to|'m unable to|"
    r"must decline to) (?:pretend|role-?play|act as|play (?:the |this )?(?:role|part)|stay in character|"
    r"continue (?:the|this|my) role|take on (?:the|this) role)"
    r"|\b(?:stepping|step|stepped|breaking|break) out of (?:character|(?:the|my|this) role)\b"
    r"|\bI(?:'m| am) not (?:actually |really )?(?:a|an) (?:real |human )?(?:person|human|engineer|scientist|"
    r"developer|researcher)\b"
    r"|\b(?:dropping|drop|leaving|abandoning|setting aside) (?:the|my|this) (?:persona|role|character)\b",
    re.IGNORECASE,
)
_NO_REFS = References(asked=(), rubric=())


@dataclass(frozen=True)
class PersonaBreak:
    turn: int
    reason: BreakReason
    quote: str  # the sentence that breaks it, verbatim


def _sentence_with(text: str, pattern: re.Pattern[str]) -> str | None:
    for s in sentences(text) or [text]:
        if pattern.search(s):
            return s.strip()
    return None


def breaks_in(answer: str) -> tuple[BreakReason, str] | None:
    """Why this one answer breaks the persona, with the sentence that does; None if it does not."""
    for reason, pattern in (("ai_disclosure", _AI_DISCLOSURE), ("role_abandoned", _ROLE_ABANDONED)):
        quote = _sentence_with(answer, pattern)
        if quote is not None:
            return reason, quote  # type: ignore[return-value]
    checked = screen(answer, _NO_REFS)
    if checked.reason == "refusal" and checked.set_aside["refusal"]:
        first = next((s for s in sentences(answer) if s.strip()), answer.strip())
        return "refusal", first[:300]
    return None


def first_break(turns: Iterable[SessionTurn]) -> PersonaBreak | None:
    """The first turn whose answer breaks the persona, if any."""
    for t in turns:
        found = breaks_in(t.answer)
        if found is not None:
            return PersonaBreak(t.turn, found[0], found[1])
    return None
