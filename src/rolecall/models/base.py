"""The one interface every model provider implements."""

from __future__ import annotations

import abc
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    content: str


class GenParams(BaseModel):
    """Sampling parameters; part of every cache key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 256
    seed: int = 0
    json_schema: dict[str, Any] | None = Field(
        default=None, description="Constrain the output to this JSON schema where the provider can."
    )
    top_logprobs: int = Field(default=0, description="Return this many top log-probabilities per token.")


class TokenLogprobs(BaseModel):
    model_config = ConfigDict(frozen=True)

    token: str
    top: dict[str, float]


class Completion(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    finish_reason: str = "stop"
    logprobs: list[TokenLogprobs] | None = None
    cached: bool = False


class ModelAPI(abc.ABC):
    """A chat model. Implement ``generate``; raise ``ModelCallError`` for failed calls."""

    #: the spec string this model was built from (goes into manifests and cache keys)
    spec: str
    #: identity of the weights or endpoint (e.g. a GGUF hash), for manifests
    identity: str = ""
    #: what else decides the output for given weights (e.g. the arithmetic of an in-process
    #: engine); part of the response cache key, so replies of another revision are not served
    revision: str = ""
    #: how many calls may be in flight at once; None = no limit of the provider's own
    max_concurrency: int | None = None
    #: whether the subject can answer follow-up probes (a recorded transcript cannot)
    answers_follow_ups: bool = True
    #: the context window in tokens, when the provider knows it (a session stops before a turn
    #: that would not fit, rather than have the history cut); None: unknown, the provider's
    #: refusal is recognised instead (``ModelCallError.context_exhausted``)
    context_window: int | None = None

    @abc.abstractmethod
    async def generate(self, messages: list[Message], params: GenParams) -> Completion: ...

    async def count_tokens(self, messages: list[Message]) -> int | None:
        """Prompt tokens ``messages`` take with this model, when it can count them (optional)."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections; optional."""
