"""Typed records of the run directory's files (one pydantic model per JSONL line or JSON file)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from rolecall.persona.model import PersonaStyle

#: Who answered: the persona, or the same model with no persona (the baseline run).
Subject = Literal["persona", "baseline"]

#: Under which condition an answer was given: ordinarily, or after the interviewer's pressure.
Condition = Literal["ordinary", "pressure"]

#: The item id of every turn of a session (an instrument with a ``session:`` block): one growing
#: conversation per epoch and subject. ``@`` cannot begin an instrument item id, so it never
#: collides with one; a probe turn names the item it asks in ``probe``.
SESSION_ITEM = "@session"

#: The item-id suffix under which older runs stored what was said under pressure; read as
#: ``condition: pressure`` (it is never written any more).
LEGACY_PRESSURE_SUFFIX = "#pressure"


def _legacy_condition(data: Any) -> Any:
    """An older record whose item id carries the ``#pressure`` suffix, as a pressure record."""
    if isinstance(data, dict):
        item = data.get("item")
        if isinstance(item, str) and item.endswith(LEGACY_PRESSURE_SUFFIX) and "condition" not in data:
            return {**data, "item": item.removesuffix(LEGACY_PRESSURE_SUFFIX), "condition": "pressure"}
    return data


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnRecord(Record):
    """One turn of one item's conversation (transcript.jsonl)."""

    item: str
    epoch: int
    turn: int = Field(description="0-based index of this turn within the item's conversation.")
    turns: int = Field(description="How many turns the item's conversation has in all.")
    role: Literal["user", "assistant"]
    kind: Literal["prompt", "follow_up", "probe", "pressure", "answer", "chat", "topic_change"] = Field(
        default="answer",
        description="What a user turn is: the item's prompt, a follow-up, a STAR probe, pressure; in "
        "a session also chat (a distractor) and topic_change. Every subject turn is an answer.",
    )
    text: str
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cached: bool = False
    subject: Subject = "persona"
    variant: int = Field(default=0, description="Which wording of the item was asked (0: its prompt).")
    respondent: str | None = None
    question: str | None = Field(default=None, description="The source's own question text, if any.")
    match_score: float | None = None
    instrument_item: str | None = Field(
        default=None, description="The instrument item this answer was matched to (transcripts)."
    )
    match_by: Literal["id", "text", "none"] | None = Field(
        default=None,
        description="How the answer was matched (transcripts): labelled by item id, by text "
        "similarity (match_score), or not at all.",
    )
    match_runner_up: str | None = Field(
        default=None, description="The most similar other instrument item (text matches)."
    )
    match_runner_up_score: float | None = None
    probe: str | None = Field(
        default=None,
        description="Sessions: the instrument item a probe turn asks (on its question and its answer).",
    )

    @property
    def session_turn(self) -> int | None:
        """Sessions: the 1-based turn (a user message and its answer) this record belongs to."""
        return self.turn // 2 + 1 if self.item == SESSION_ITEM else None


#: Why a judge found no evidence for a dimension in an answer (see rolecall.judge.evidence).
AbstainReason = Literal["refusal", "non_answer", "echo", "code_only", "off_topic", "insufficient_evidence"]


class ScoreRecord(Record):
    """One judge's verdict on one answer × dimension (scores.jsonl).

    ``score`` is None either because the judge abstained (``abstained``: the answer holds no
    evidence for this dimension, for ``abstain_reason``) or because the verdict was unparseable
    (``error``): the first is a finding about the answer, the second a failure of the judge.
    """

    item: str
    epoch: int
    dimension: str
    judge: str
    score: float | None
    evidence: str = ""
    quote_verified: bool | None = None
    indicators_seen: list[str] = Field(default_factory=list)
    reasoning: str = ""
    mode: str = "json"
    error: str | None = None
    raw: str | None = None
    subject: Subject = "persona"
    abstained: bool = False
    abstain_reason: AbstainReason | None = None
    respondent: str | None = Field(default=None, description="Who gave the answer (transcripts).")
    condition: Condition = Field(
        default="ordinary", description="'pressure': what the subject said after the interviewer pushed back."
    )
    session_turn: int | None = Field(
        default=None,
        description="Sessions: the 1-based turn whose answer this is ('item' is the probe's item, "
        "or @session for a judged turn that is not a probe); null for item conversations.",
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        return _legacy_condition(data)

    @property
    def answer_key(self) -> tuple[str, int, Subject, Condition, int | None]:
        """The answer this verdict is about (``Answer.key``)."""
        return (self.item, self.epoch, self.subject, self.condition, self.session_turn)

    @property
    def unscored(self) -> bool:
        """No score because the verdict could not be read (not because the judge abstained)."""
        return self.score is None and not self.abstained


class DimensionRelevance(Record):
    dimension: str
    relevance: float = Field(description="Mean cosine similarity of the answer's 3 most relevant sentences.")
    quote: str = Field(description="The answer's most relevant sentence, verbatim.")


class RelevanceRecord(Record):
    """How much one answer is about each dimension (relevance.jsonl), for instruments that rank
    dimensions. Computed with an embedding model in the judging stage, so that building the
    summary needs no model."""

    item: str
    epoch: int
    subject: Subject = "persona"
    ranker: str = Field(description="The embedding model that measured relevance.")
    dimensions: list[DimensionRelevance] = Field(description="Every dimension, most relevant first.")


class FailureRecord(Record):
    """A call that failed after its retries (failures.jsonl); resume retries these."""

    stage: Literal["interview", "judge"]
    item: str
    epoch: int
    model: str
    reason: str
    dimension: str | None = None
    subject: Subject = "persona"
    condition: Condition = "ordinary"
    session_turn: int | None = Field(default=None, description="Sessions: the turn whose call failed.")

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        return _legacy_condition(data)


class SessionStop(Record):
    """A session that ended before its last turn (sessions.jsonl): the next turn would not fit in
    the subject model's context. The history is never cut to make it fit."""

    epoch: int
    subject: Subject = "persona"
    reason: Literal["context_exhausted"] = "context_exhausted"
    context_exhausted_at: int = Field(description="The 1-based session turn that could not be asked.")
    tokens_needed: int | None = Field(
        default=None, description="Prompt tokens of that turn plus the answer's max_tokens, when counted."
    )
    context_window: int | None = Field(default=None, description="The model's context, when known.")
    detail: str = Field(default="", description="The provider's message, when the call itself was refused.")


class SessionScoreRecord(Record):
    """One judge's reading of a whole session on one dimension (session_scores.jsonl): a score,
    the turns its evidence comes from, and the first turn at which the persona broke, if it did."""

    epoch: int
    subject: Subject = "persona"
    dimension: str
    judge: str
    turns_read: int = Field(description="How many answered turns the judge read.")
    score: float | None
    evidence: str = ""
    quote_verified: bool | None = None
    evidence_turns: list[int] = Field(default_factory=list, description="1-based turns of the evidence.")
    reasoning: str = ""
    persona_break_turn: int | None = Field(
        default=None,
        description="The first turn at which the subject spoke as an AI model or abandoned the role.",
    )
    persona_break_quote: str = ""
    abstained: bool = False
    abstain_reason: AbstainReason | None = None
    error: str | None = None
    raw: str | None = None


class Shape(BaseModel):
    """The part of a JSON object that rolecall reads back, with exact JSON types; other keys pass.

    Used to check a file (or a nested object kept as a plain dict) before anything indexes into
    it, so that a damaged or hand-edited file is one error naming it, not a KeyError later on.
    """

    model_config = ConfigDict(extra="allow", strict=True)


class Ref(Shape):
    """A reference to one input of a run, as the manifest records it.

    Keys other than the declared ones (older or newer manifests) are kept, and the object is
    written back with exactly the keys it was read or built with: a default is never added.
    """

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        declared = type(self).model_fields
        return {k: v for k, v in data.items() if k not in declared or k in self.model_fields_set}


class InstrumentRef(Ref):
    """The instrument a run used: how it was named, what it is, and its file's hash."""

    ref: str = Field(description="A built-in instrument id or the path of an instrument file.")
    id: str
    version: str
    sha256: str
    items: list[str] | None = Field(
        default=None, description="The items the run asked (--items); absent: every item."
    )
    items_per_dimension: int | None = Field(default=None, description="The --items value that chose them.")


class PersonaRef(Ref):
    name: str
    path: str
    sha256: str
    style: PersonaStyle = Field(
        default="role", description="How the persona was put to the subject; absent: role (older runs)."
    )


class ModelRef(Ref):
    """A model the run called: the spec it was named by and the identity of what answered."""

    spec: str
    identity: str


class JudgeRef(Ref):
    spec: str
    identity: str | None = Field(
        default=None, description="What the spec resolved to (absent in older runs)."
    )


class _TranscriptRef(Shape):
    path: str
    sha256: str
    name: str | None = None


class _CalibrationRef(Shape):
    path: str
    sha256: str
    judge: str | None = None
    method: str | None = None


_MANIFEST_PARTS: dict[str, type[Shape]] = {
    "transcript_source": _TranscriptRef,
    "calibration": _CalibrationRef,
}


class Manifest(Record):
    """Everything needed to repeat or resume a run (manifest.json).

    The references to the run's inputs are typed (``Ref``); ``transcript_source`` and
    ``calibration`` stay plain dicts (written back as they were read), with the keys rolecall
    reads from them checked when a manifest is loaded.
    """

    rolecall_version: str
    created: str
    command: Literal["run", "score"] = "run"
    persona: PersonaRef | None = None
    instrument: InstrumentRef
    subject_model: ModelRef | None = None
    judges: list[JudgeRef]
    params: dict[str, Any]
    judge_params: dict[str, Any]
    epochs: int
    seed: int
    concurrency: int
    baseline: bool = False
    transcript_source: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = Field(
        default=None, description="The calibration applied to a judge's scores: path, sha256, judge, method."
    )
    packages: dict[str, str] = Field(default_factory=dict)
    platform: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_parts(self) -> Manifest:
        from rolecall.models.base import GenParams  # a light module; imported late to keep this one leaf

        for name, shape in _MANIFEST_PARTS.items():
            value = getattr(self, name)
            if value is not None:
                _check_part(shape, value, name)
        if not self.judges:
            raise ValueError("judges: the run names no judge")
        for name in ("params", "judge_params"):
            _check_part(GenParams, getattr(self, name), name)
        return self


def _check_part(shape: type[BaseModel], value: Any, where: str) -> None:
    try:
        shape.model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in (where, *err["loc"]))
        raise ValueError(f"{loc}: {err['msg']}") from None


# ---------------------------------------------------------------- JSON files read back


class _AgreementFigures(Shape):
    n: int
    spearman: float | None
    kappa_quadratic: float | None
    within_1: float | None


class _Abstention(Shape):
    recall: float | None


class _OverallAgreement(_AgreementFigures):
    abstention: _Abstention


class _JudgeAgreement(Shape):
    overall: _OverallAgreement
    dimensions: dict[str, _AgreementFigures]


class _RaterPair(Shape):
    n: int
    kappa_quadratic: float | None
    within_1: float | None


class _Raters(Shape):
    """Agreement between raters; the figures are there only with two raters or more."""

    raters: list[str]
    units: int
    shared_units: int | None = None
    krippendorff_alpha: float | None = None
    pairs: dict[str, _RaterPair] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _figures_with_two_raters(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("raters"), list) and len(data["raters"]) > 1:
            missing = [k for k in ("shared_units", "krippendorff_alpha", "pairs") if k not in data]
            if missing:
                raise ValueError(f"{missing[0]} is missing (the run has {len(data['raters'])} raters)")
        return data


class AgreementFile(Shape):
    """agreement.json (written by ``rolecall agreement``)."""

    judges: dict[str, _JudgeAgreement]
    raters: _Raters | None = None


class _NarrativeSentence(Shape):
    text: str
    supported: bool
    problems: list[str] = Field(default_factory=list)


class NarrativeFile(Shape):
    """narrative.json (written by ``rolecall report --writer``)."""

    writer: str
    quotes: dict[str, str]
    sentences: list[_NarrativeSentence]
    unsupported: int
