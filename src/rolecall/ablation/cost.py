"""What an ablation study will cost before it starts, and whether its design can detect an effect."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rolecall.ablation.effects import ALPHA
from rolecall.ablation.study import Study
from rolecall.ablation.variants import Variant
from rolecall.persona import Persona, Section

#: a rough size of an English token, for the cost shown before a study starts
CHARS_PER_TOKEN = 4
#: what a STAR probe adds to a conversation, in characters (its text depends on the answer)
PROBE_CHARS = 120


@dataclass(frozen=True)
class Estimate:
    runs: int  # runs with work left
    skipped: int  # finished runs
    conversations: int
    subject_calls: int  # at most: follow-ups and probes included
    tokens_in: int  # about: the conversation so far, at ~4 characters a token
    tokens_out: int  # at most: --max-tokens per call
    judge_calls: int  # about, for LLM judges (none for the semantic scorer)
    tests: int = 0  # variants × dimensions: the Holm family
    items_per_dimension: int = 0  # the fewest items any dimension has in each run
    best_p_holm: float = 1.0  # the smallest Holm-adjusted p this design can give
    items_needed: int = 0  # items per dimension for best_p_holm to fall below alpha

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out


def best_p_holm(pairs: int, tests: int) -> float:
    """The smallest Holm-adjusted p a study can reach: every one of ``pairs`` paired differences
    with the same sign gives the exact sign-flip permutation test its smallest two-sided p,
    2 / 2^pairs, and Holm multiplies the smallest p by the number of tests."""
    if pairs < 2:
        return 1.0
    return min(1.0, tests * 2.0 / 2.0**pairs)


def items_needed(tests: int, alpha: float = ALPHA) -> int:
    """The fewest paired items per dimension with which an effect can be significant after Holm."""
    n = 2
    while best_p_holm(n, tests) >= alpha:
        n += 1
    return n


def _variant_persona(study: Study, v: Variant) -> Persona:
    sections = tuple(Section(title=t, body=b, line=0) for t, b in v.expected)
    preamble = study.persona.preamble if study.config.mode == "leave-out" or v.is_full else ""
    return study.persona.model_copy(update={"sections": sections, "preamble": preamble})


def estimate(study: Study) -> Estimate:
    """The calls and tokens the study still needs, before anything is asked (cached calls, which
    cost nothing, are counted too: which ones are cached is known only once asked)."""
    cfg = study.config.run
    conversations = calls = tokens_in = tokens_out = judge_calls = 0
    probe = study.instrument.star == "probe" and study.answers_follow_ups
    n_dims = len(study.instrument.dimensions)
    for vr in study.runs:
        system = len(_variant_persona(study, vr.variant).system_prompt(style=cfg.persona_style))
        for item, epoch in vr.pending:
            prompts = [len(item.wording(epoch)[1])]
            if study.answers_follow_ups:
                prompts += [len(f) for f in item.follow_ups] + [PROBE_CHARS] * probe
                prompts += [len(p) for p in item.pressure]
            context = system
            for asked in prompts:
                context += asked
                tokens_in += math.ceil(context / CHARS_PER_TOKEN)
                context += cfg.max_tokens * CHARS_PER_TOKEN  # the answer, at its longest
            conversations += 1
            calls += len(prompts)
            tokens_out += len(prompts) * cfg.max_tokens
            answers = 1 + bool(study.answers_follow_ups and item.pressure)
            dims = n_dims if study.instrument.rank_dimensions else len(item.dimensions)
            judge_calls += answers * dims * study.llm_judges
    todo = sum(1 for vr in study.runs if not vr.complete)
    tests = len(study.variants) * n_dims
    per_dim = min(
        sum(d.id in i.dimensions for i in study.instrument.items) for d in study.instrument.dimensions
    )
    return Estimate(
        runs=todo,
        skipped=len(study.runs) - todo,
        conversations=conversations,
        subject_calls=calls,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        judge_calls=judge_calls,
        tests=tests,
        items_per_dimension=per_dim,
        best_p_holm=best_p_holm(per_dim, tests),
        items_needed=items_needed(tests, study.config.alpha),
    )
