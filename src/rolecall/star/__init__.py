"""STAR (Situation, Task, Action, Result) analysis of interview answers, and the follow-ups it drives."""

from rolecall.star.analysis import LABELS, PARTS, StarAnalysis, analyse, split_sentences
from rolecall.star.probes import PROBES, missing_element, star_probe

__all__ = [
    "LABELS",
    "PARTS",
    "PROBES",
    "StarAnalysis",
    "analyse",
    "missing_element",
    "split_sentences",
    "star_probe",
]
