"""Model providers behind one async interface."""

from rolecall.models.base import Completion, GenParams, Message, ModelAPI, TokenLogprobs
from rolecall.models.registry import SPEC_HELP, make_model, parse_spec

__all__ = [
    "SPEC_HELP",
    "Completion",
    "GenParams",
    "Message",
    "ModelAPI",
    "TokenLogprobs",
    "make_model",
    "parse_spec",
]
