"""Typed summary.json and timing.json: every block the producers write (``aggregate.summarize``
and the analyses it calls, the pricing, agreement and calibration summaries, the call counters in
``pipeline``) has a model here with exact JSON types (``strict``) and no unknown keys
(``extra="forbid"``), so ``rolecall schema summary`` prints a JSON Schema a consumer can rely on.
How the files are versioned, written and read: ``rolecall.rundir.versioned``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from rolecall.rundir.records import AbstainReason, Subject
from rolecall.rundir.versioned import Block, Omittable, Version

StarPart = Literal["situation", "task", "action", "result"]
#: rolecall.stats.hypothesis.Verdict and .Overall (kept equal by tests/test_schema.py)
DimensionVerdict = Literal["met", "exceeded", "below", "inconclusive", "no data", "insufficient evidence"]
OverallVerdict = Literal[
    "validated", "partially validated", "not validated", "inconclusive", "insufficient evidence"
]
PressureVerdict = Literal["holds", "shifts", "inconclusive"]
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]
OptionalPair = Annotated[list[float | None], Field(min_length=2, max_length=2)]
Span = Annotated[list[int], Field(min_length=2, max_length=2, description="[start, end) character offsets.")]


# ---------------------------------------------------------------- instrument and judges


class Scale(Block):
    min: int
    max: int
    low_label: str
    high_label: str


class InstrumentInfo(Block):
    id: str
    name: str
    version: str
    scale: Scale


class Validated(Block):
    """A judge measured against human labels on this instrument (src/rolecall/judge/validity.json)."""

    validated: Literal[True]
    source: str
    n: int | None = None
    labels: str | None = None
    spearman: float | None = None
    kappa_quadratic: float | None = None
    within_1: float | None = None
    abstain_recall: float | None = None
    false_abstain: float | None = None


class NotValidated(Block):
    validated: Literal[False]
    warning: str


class JudgeInfo(Block):
    validity: Validated | NotValidated


# ---------------------------------------------------------------- dimensions


class DimensionJudge(Block):
    """One judge's verdicts on a dimension."""

    mean: float | None
    n: int
    unscored: int
    abstained: int
    unverified_quotes: int


class EvidenceQuote(Block):
    item: str
    epoch: int
    judge: str
    score: float | None
    quote: str
    verified: bool | None


class AbstentionCounts(Block):
    total: int
    by_reason: dict[AbstainReason, int]


class EvidenceStatus(Block):
    evidenced: int
    judged: int
    evidenced_share: float
    evidenced_items: int
    sufficient: bool = Field(description="Enough evidenced answers for a hypothesis verdict and a level.")


class LevelEstimate(Block):
    level: str
    name: str
    low: str = Field(description="The level the lower end of the 95% interval reaches.")
    high: str = Field(description="The level the upper end of the 95% interval reaches.")
    description: str
    evidence: list[EvidenceQuote]
    n: int


class NoLevel(Block):
    level: None
    reason: Literal["no scored answers", "insufficient evidence"]


class DimensionStats(Block):
    name: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_items: int
    unscored: int
    abstained: AbstentionCounts
    evidence_status: EvidenceStatus
    cronbach_alpha: float | None
    icc: float | None
    judge_alpha: float | None
    judges: dict[str, DimensionJudge]
    evidence: list[EvidenceQuote]
    level: Omittable[LevelEstimate | NoLevel] = Field(
        default=None, description="With an instrument that defines levels."
    )


class OverallEstimate(Block):
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


class ItemDimension(Block):
    mean: float | None
    n: int
    unscored: int
    abstained: dict[AbstainReason, int]


class Unscored(Block):
    total: int
    by_judge: dict[str, int]


class Abstained(Block):
    total: int
    by_reason: dict[AbstainReason, int]
    by_judge: dict[str, int]


class Verdicts(Block):
    total: int
    scored: int
    abstained: int
    counted: int = Field(description="Verdicts on dimensions their item asks about, pressure left out.")


class Failures(Block):
    interview: int
    judge: int
    by_model: dict[str, int]


class Calls(Block):
    """Calls to the subject model (none for a transcript: its answers were recorded); the judges'
    calls are in ``timing.models`` under ``judge:SPEC``."""

    subject_calls: int
    cached: int
    tokens_in: int
    tokens_out: int
    latency_p50_s: float | None
    latency_p95_s: float | None


# ---------------------------------------------------------------- timing.json and its summary block


class ModelCalls(Block):
    calls: int
    cached: int
    retries: int
    failures: int
    tokens_in: int
    tokens_out: int
    latency_s_total: float


class Timing(Block):
    """timing.json: calls and tokens per model role ('subject', 'judge:SPEC') and wall time,
    accumulated over every session of a run."""

    schema_version: Version
    models: dict[str, ModelCalls]  # always written (record_calls, add_wall_time); its readers index it
    wall_s: Omittable[float] = None


class Cost(Block):
    by_model: dict[str, float | None] = Field(description="USD per model role; null: unpriced.")
    total_usd: float
    unpriced: list[str]


class SummaryTiming(Block):
    models: dict[str, ModelCalls]
    wall_s: Omittable[float] = None
    cost_usd: float
    cost: Cost


# ---------------------------------------------------------------- baseline


class BaselineEffect(Block):
    baseline_mean: float | None
    persona_mean: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    cliffs_delta: float | None
    n_pairs: int


class Baseline(Block):
    dimensions: dict[str, DimensionStats]
    effects: dict[str, BaselineEffect]


# ---------------------------------------------------------------- STAR


class StarPartFound(Block):
    present: bool
    spans: list[Span]


class StarParts(Block):
    situation: StarPartFound
    task: StarPartFound
    action: StarPartFound
    result: StarPartFound
    reflection: StarPartFound


class StarAnswer(Block):
    item: str
    epoch: int
    subject: Subject
    question: str
    text: str
    parts: StarParts
    missing: list[StarPart]
    complete: bool
    quantified: bool
    quantities: list[str]
    reflection: bool
    i_count: int
    we_count: int
    ownership: float | None
    words: int
    sentences: int
    probe: Omittable[str] = Field(default=None, description="The STAR element probed, or 'custom'.")
    missing_before_probe: Omittable[list[StarPart]] = None


class StarRates(Block):
    situation: float | None
    task: float | None
    action: float | None
    result: float | None
    reflection: float | None


class StarAggregate(Block):
    n: int
    present_rate: StarRates
    complete_rate: float | None
    quantified_rate: float | None
    reflection_rate: float | None
    ownership_mean: float | None
    words_median: int | float | None
    probes: dict[str, int]
    parts: list[StarPart]


class Star(Block):
    answers: list[StarAnswer]
    aggregate: StarAggregate


# ---------------------------------------------------------------- ranking


class RankedDimension(Block):
    dimension: str
    name: str
    relevance: float | None
    score: float | None
    quote: str
    asked_about: bool


class RankedAnswer(Block):
    item: str
    epoch: int
    question: str
    ranked: list[RankedDimension]


class Ranking(Block):
    top: int
    method: str
    answers: list[RankedAnswer]
    top_counts: dict[str, int]


# ---------------------------------------------------------------- pressure


class PressureShift(Block):
    before: float | None
    after: float | None
    shift: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    n_items: int
    verdict: PressureVerdict


class Pressure(Block):
    margin: float
    min_items: int
    verdict: PressureVerdict
    overall: PressureShift
    dimensions: dict[str, PressureShift]


# ---------------------------------------------------------------- sessions: drift and whole-session judgement

#: rolecall.analyses.drift.verdict: "holds", "inconclusive", or "drifts toward <a pole label>"
DriftVerdict = Annotated[str, Field(pattern=r"^(holds|inconclusive|drifts toward .+)$")]


class DriftPoint(Block):
    """The scores at one turn: mean, lowest and highest over sessions."""

    turn: int
    mean: float | None
    low: float | None
    high: float | None
    n: int


class DriftStats(Block):
    """rolecall.analyses.drift: drift is measured within items (an item asked early and late)."""

    slope_per_turn: float | None = Field(
        description="Least-squares slope of score on turn number within items (item × session fixed effects)."
    )
    slope_ci_low: float | None
    slope_ci_high: float | None
    intercept: float | None = Field(description="With the slope, the line through the mean point (plots).")
    early_mean: float | None = Field(
        description="Mean score of the judged turns in the session's first half."
    )
    late_mean: float | None
    difference: float | None = Field(
        description="late − early within the items asked in both halves (paired over sessions when two+)."
    )
    diff_ci_low: float | None
    diff_ci_high: float | None
    p_value: float | None
    n_paired: int = Field(description="Sessions (or items, with one session) the difference pairs.")
    n_sessions: int
    n_points: int = Field(description="Scored session × item × turn points.")
    n_repeated: int = Field(description="Of those, the points on items asked twice or more in their session.")
    resampled: Literal["sessions", "probes"] = Field(
        description="What the slope's bootstrap resampled: sessions (two or more), else one session's items."
    )
    verdict: DriftVerdict
    points: list[DriftPoint]


class ProbeQuote(Block):
    """A probe of the persona's first session as the reports quote it."""

    turn: int
    epoch: int
    item: str
    question: str
    answer: str
    score: float | None
    quote: str
    verified: bool


class Drift(DriftStats):
    name: str
    probe_turns: list[int]
    expected: Omittable[Pair] = Field(default=None, description="The persona hypothesis's range, if any.")
    first_probe: ProbeQuote | None
    last_probe: ProbeQuote | None
    baseline: Omittable[DriftStats] = Field(default=None, description="The same figures without the persona.")


class SessionBreak(Block):
    turn: int
    reason: Literal["ai_disclosure", "role_abandoned", "refusal"]
    quote: str


class SessionInfo(Block):
    epoch: int
    subject: Subject
    turns_answered: int
    context_exhausted_at: int | None = Field(description="The turn that no longer fit the context.")
    context_window: int | None
    tokens_needed: int | None
    persona_break: SessionBreak | None = Field(description="The first break the detector found.")
    judge_breaks: dict[str, int | None] = Field(description="judge -> the first break turn it reported.")


class SessionVerdict(Block):
    epoch: int
    judge: str
    score: float | None
    evidence: str
    verified: bool | None
    evidence_turns: list[int]
    persona_break_turn: int | None
    abstain_reason: AbstainReason | None


class SessionDimension(Block):
    name: str
    mean: float | None = Field(description="Mean whole-session score over sessions and judges.")
    n: int
    abstained: int
    unscored: int
    turn_mean: float | None = Field(description="Mean of the per-turn scores of the same sessions.")
    turn_n: int
    verdicts: list[SessionVerdict]


class SessionSummary(Block):
    turns: int
    pressure_turns: list[int]
    topic_change_turns: list[int]
    judge_every: Literal["probes", "all"] | list[int]
    interlocutor: str = Field(description="'script', or the model spec playing the user.")
    sessions: list[SessionInfo]
    context_exhausted: int
    persona_breaks: int = Field(description="The persona's sessions in which the detector found a break.")
    first_break_turn: int | None
    dimensions: dict[str, SessionDimension]


# ---------------------------------------------------------------- hypothesis


class HypothesisDimension(Block):
    expected: str
    range: Pair
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: DimensionVerdict


class Hypothesis(Block):
    instrument: str
    statement: str
    verdict: OverallVerdict
    dimensions: dict[str, HypothesisDimension]


# ---------------------------------------------------------------- generalizability


class FacetSizes(Block):
    item: int
    epoch: int
    judge: int


class DStudyPoint(Block):
    items: int
    epochs: int
    judges: int
    g: float | None
    ci_half_width: float | None


class DStudyDesign(Block):
    items: int
    epochs: int
    judges: int
    verdicts: int


class DStudy(Block):
    grid: list[DStudyPoint]
    cheapest: DStudyDesign | None


class GStudy(Block):
    design: FacetSizes
    items_left_out: int
    method: str
    variance: dict[str, float] = Field(description="Component per effect ('item', 'item × epoch', ...), ≥ 0.")
    variance_raw: dict[str, float]
    mean: float
    cut: float
    cut_source: str
    error_variance: float
    g: float
    items_for_g80: int | None
    d_study: DStudy


# ---------------------------------------------------------------- calibration and agreement


class CalibrationApplied(Block):
    judge: str
    method: Literal["isotonic", "learned"]
    cv: dict[str, float | None]


class AgreementFigures(Block):
    n: int
    spearman: float | None
    kappa_quadratic: float | None
    within_1: float | None


class JudgeAgreement(Block):
    n: int
    spearman: float | None
    kappa_quadratic: float | None
    within_1: float | None
    abstain_recall: float | None
    dimensions: dict[str, AgreementFigures]


# ---------------------------------------------------------------- what the reports show per item


class ItemMatch(Block):
    """How a transcript's answer was matched to an instrument item."""

    text: str = Field(description="e.g. 'q04, matched by similarity 0.62 (next: q07 0.41)'.")
    doubt: str | None = Field(description="Why the match deserves a look; null when it does not.")
    by: Literal["id", "text", "none"]
    score: float


class ItemEvidence(Block):
    evidence: str = Field(description="The quote the reports cite ('' when no judge quoted one).")
    verified: bool
    indicators: list[str]


class ItemAnswer(Block):
    """One item as the reports show it: its first epoch's question and answer, and per dimension
    the quote cited (a verified one when any judge's was)."""

    question: str
    answer: str
    rubric_item: str | None = Field(description="The instrument item a transcript's answer was matched to.")
    match: ItemMatch | None
    dimensions: dict[str, ItemEvidence]


class Phrase(Block):
    text: str
    z: float
    count_a: int
    count_b: int


class Phrases(Block):
    against: str
    persona: list[Phrase]
    other: list[Phrase]


# ---------------------------------------------------------------- summary.json


class Source(Block):
    """Where the answers came from: a persona interviewed by a subject model, or a transcript of
    recorded answers (``rolecall score``)."""

    kind: Literal["persona", "transcript"]
    name: str
    path: str
    answers: Omittable[int] = Field(default=None, description="How many answers the transcript holds.")


class Summary(Block):
    """summary.json: everything the reports, `check`, `compare`, `rerun` and `plan` read."""

    schema_version: Version
    persona: str | None = Field(description="The persona's name; null when the answers are a transcript's.")
    source: Omittable[Source] = Field(
        default=None, description="Absent in older summaries and when the run names neither."
    )
    instrument: InstrumentInfo
    judges: dict[str, JudgeInfo]
    dimensions: dict[str, DimensionStats]
    overall: OverallEstimate
    items: dict[str, dict[str, ItemDimension]] = Field(description="item -> dimension -> figures.")
    answers: Omittable[dict[str, ItemAnswer]] = Field(
        default=None, description="item -> what the reports show of it. Absent in older summaries."
    )
    phrases: Omittable[Phrases] = Field(
        default=None, description="The persona's most distinctive phrases against the baseline run."
    )
    unscored: Unscored
    abstained: Abstained
    verdicts: Verdicts
    failures: Failures
    calls: Calls
    timing: Omittable[SummaryTiming] = None
    baseline: Omittable[Baseline] = None
    star: Omittable[Star] = None
    ranking: Omittable[Ranking] = None
    pressure: Omittable[Pressure] = None
    hypothesis: Omittable[Hypothesis] = None
    generalizability: Omittable[dict[str, GStudy]] = None
    drift: Omittable[dict[str, Drift]] = Field(
        default=None, description="Session instruments: per dimension, whether scores drift over the turns."
    )
    session: Omittable[SessionSummary] = Field(
        default=None, description="Session instruments: each session, and the whole-session judgements."
    )
    calibration: Omittable[CalibrationApplied] = None
    agreement: Omittable[dict[str, JudgeAgreement]] = None
