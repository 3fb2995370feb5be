"""Structured verdicts: parse a judge's reply, check its score, verify its evidence quote."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rolecall.rundir import AbstainReason

#: what an LLM judge may give as ``no_evidence`` (see rolecall.judge.evidence)
NO_EVIDENCE_REASONS = ["refusal", "non_answer", "echo", "code_only", "off_topic", "insufficient_evidence"]


class Verdict(BaseModel):
    model_config = ConfigDict(extra="ignore")

    evidence: str = ""
    indicators_seen: list[str] = Field(default_factory=list)
    reasoning: str = ""
    no_evidence: str = ""
    score: int | None = None

    @property
    def abstain_reason(self) -> AbstainReason:
        """The judge's "no evidence" reason when it gave no score (none given: insufficient
        evidence). A score given is a score: a stray reason beside it does not void it."""
        reason = (self.no_evidence or "").strip().lower().replace(" ", "_").replace("-", "_")
        return cast(AbstainReason, reason) if reason in NO_EVIDENCE_REASONS else "insufficient_evidence"

    @field_validator("no_evidence", mode="before")
    @classmethod
    def _reason_text(cls, v: Any) -> Any:
        return "" if v is None or v is False else v

    @field_validator("indicators_seen", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [v] if v.strip() else []
        return v


def verdict_schema(scale_min: int, scale_max: int) -> dict[str, Any]:
    """JSON schema handed to providers that can constrain output (llama.cpp grammars)."""
    return {
        "type": "object",
        "properties": {
            "evidence": {"type": "string", "maxLength": 200},
            "indicators_seen": {
                "type": "array",
                "items": {"type": "string", "maxLength": 100},
                "maxItems": 3,
            },
            "reasoning": {"type": "string", "maxLength": 160},
            "score": {"enum": [*range(scale_min, scale_max + 1), None]},
            "no_evidence": {"type": "string", "enum": ["", *NO_EVIDENCE_REASONS]},
        },
        "required": ["evidence", "indicators_seen", "reasoning", "score", "no_evidence"],
    }


class VerdictError(ValueError):
    pass


def _first_json_object(text: str) -> Any:
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text, m.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    raise VerdictError("no JSON object in the reply")


def integral(value: Any) -> Any:
    """A judge's number as an int when it is one written as text ("4") or as a float (4.0)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def scored_json(text: str) -> dict[str, Any]:
    """The verdict's JSON object, which must have a ``score`` (a number, or null with no_evidence)."""
    obj: dict[str, Any] = _first_json_object(text)
    if "score" not in obj:
        raise VerdictError("the verdict has no score (give a number, or null with no_evidence)")
    obj["score"] = integral(obj["score"])
    return obj


V = TypeVar("V", bound=BaseModel)


def validated(model: type[V], obj: dict[str, Any], scale_min: int, scale_max: int) -> V:
    """``obj`` as a ``model`` verdict whose score (if any) lies on the scale; else VerdictError."""
    try:
        v = model.model_validate(obj)
    except ValidationError as exc:
        raise VerdictError(f"bad verdict: {exc.errors()[0]['msg']}") from None
    score = getattr(v, "score", None)
    if score is not None and not scale_min <= score <= scale_max:
        raise VerdictError(f"score {score} outside the scale {scale_min}..{scale_max}")
    return v


def parse_verdict(text: str, scale_min: int, scale_max: int) -> Verdict:
    return validated(Verdict, scored_json(text), scale_min, scale_max)


def _norm(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(re.sub(r"[^\w'\s]", " ", text).split())


def quote_in_answer(quote: str, answer: str) -> bool:
    """True if the quote occurs in the answer, ignoring case, punctuation and spacing."""
    q = _norm(quote.strip().strip('"').strip("'"))
    return bool(q) and q in _norm(answer)
