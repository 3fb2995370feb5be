"""ablation.json: the typed, versioned result of ``rolecall ablate`` (``rolecall schema ablation``).

Written with ``rolecall.rundir.versioned.dump_versioned`` and read with ``read_versioned``, like
compare.json: exact JSON types, unknown keys refused, ``schema_version`` first.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rolecall.rundir.records import AbstainReason
from rolecall.rundir.summary import InstrumentInfo, OverallVerdict
from rolecall.rundir.versioned import Block, Omittable, Version

AblationMode = Literal["leave-out", "only"]
AblationUnit = Literal["section", "sentence"]


class VariantCounts(Block):
    """What one run's verdicts were: abstentions and unscored verdicts are counted, never dropped."""

    verdicts: int
    scored: int
    abstained: int
    abstained_by_reason: dict[AbstainReason, int]
    unscored: int = Field(description="Verdicts the judge gave but that could not be read.")
    failures: int = Field(description="Calls that failed after their retries and were not redone.")


class Effect(Block):
    """Variant minus full persona on one dimension, paired over items (item means over epochs)."""

    effect: float | None
    ci_low: float | None = Field(description="Bootstrap 95% interval of the mean paired difference.")
    ci_high: float | None
    p: float | None = Field(description="Two-sided paired permutation test.")
    p_holm: float | None = Field(description="Holm-adjusted across every section × dimension test.")
    cliffs_delta: float | None
    cohens_d: float | None
    n_pairs: int
    mean_full: float | None
    mean_variant: float | None
    significant: bool = Field(description="p_holm below alpha and the interval excludes zero.")


class QuoteSide(Block):
    score: float
    quote: str = Field(description="The judge's evidence quote (empty when it gave none).")
    answer: str = Field(description="The answer, shortened to a few hundred characters.")


class QuoteChange(Block):
    """The answer on one item that moved most in the effect's direction, before and after."""

    item: str
    epoch: int
    question: str
    before: QuoteSide
    after: QuoteSide


class SentenceRef(Block):
    index: int = Field(description="1-based position of the sentence in its section.")
    text: str


class AblatedVariant(Block):
    section: str
    sentence: Omittable[SentenceRef] = Field(default=None, description="With --sentences SECTION.")
    label: str = Field(description="What the variant does, e.g. 'removing Personality'.")
    persona_file: str
    run: str = Field(description="The variant's run directory (an ordinary run).")
    counts: VariantCounts
    hypothesis: OverallVerdict | None
    dimensions: dict[str, Effect]
    quotes: dict[str, QuoteChange] = Field(description="For each significant dimension.")
    finding: str


class AblationResult(Block):
    """ablation.json: the full persona's run and one variant per section (or sentence)."""

    schema_version: Version
    persona: str = Field(description="The persona's name.")
    persona_path: str
    persona_sha256: str
    instrument: InstrumentInfo
    dimension_names: dict[str, str]
    full: str = Field(description="The full persona's run directory: the reference of every effect.")
    full_persona_file: str
    full_counts: VariantCounts
    full_hypothesis: OverallVerdict | None
    mode: AblationMode
    unit: AblationUnit
    sentences_of: Omittable[str] = Field(default=None, description="The section whose sentences are ablated.")
    model: str
    judges: list[str]
    epochs: int
    items_per_dimension: int | None
    alpha: float
    tests: int = Field(description="Tests in the Holm family: variants × dimensions with a p-value.")
    sections: list[AblatedVariant]
    overall: str = Field(description="The plain-language finding across every variant.")
    method: str
