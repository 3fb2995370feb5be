"""Deterministic scorers (no LLM): the anchored semantic scorer."""

from rolecall.scoring.semantic import SemanticJudge, sentences

__all__ = ["SemanticJudge", "sentences"]
