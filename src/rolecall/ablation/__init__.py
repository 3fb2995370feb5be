"""Persona-section ablation (``rolecall ablate``): which part of a role file drives which behaviour.

``variants`` cuts the persona into variant personas (a section, or a sentence, left out or kept
alone); ``study`` runs the full persona and every variant as ordinary runs that share the
response cache, resumably; ``cost`` says what a study will cost and whether its design can
detect an effect; ``effects`` compares each variant with the full persona (paired permutation
tests, Holm across the study) and ``findings`` puts the intervals into words.
"""

from rolecall.ablation.cost import Estimate, estimate
from rolecall.ablation.effects import ALPHA, Arm, analyse
from rolecall.ablation.study import AblationConfig, Study, VariantRun, prepare, run_study, write_result
from rolecall.ablation.variants import MODES, Variant, build_variants, split_sentences

__all__ = [
    "ALPHA",
    "MODES",
    "AblationConfig",
    "Arm",
    "Estimate",
    "Study",
    "Variant",
    "VariantRun",
    "analyse",
    "build_variants",
    "estimate",
    "prepare",
    "run_study",
    "split_sentences",
    "write_result",
]
