"""Persona role files: parsing, hypothesis, system prompt."""

from rolecall.persona.model import Hypothesis, Persona, Section
from rolecall.persona.parse import load_persona

__all__ = ["Hypothesis", "Persona", "Section", "load_persona"]
