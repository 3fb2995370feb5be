"""The `anthropic` provider (Messages API through the official SDK, an optional extra)."""

from __future__ import annotations

import os
import time
from typing import Any

from rolecall.errors import ModelCallError, RolecallError
from rolecall.models.base import Completion, GenParams, Message, ModelAPI


class AnthropicModel(ModelAPI):
    def __init__(self, spec: str, model: str):
        try:
            import anthropic
        except ImportError:
            raise RolecallError(
                "the anthropic provider needs its SDK: pip install 'rolecall[anthropic]'"
            ) from None
        if not os.environ.get("ANTHROPIC_API_KEY"):
            raise RolecallError(f"model {spec!r} needs ANTHROPIC_API_KEY set in the environment")
        self.spec = spec
        self.model = model
        self.identity = f"anthropic#{model}"
        self._sdk = anthropic
        self._client = anthropic.AsyncAnthropic()

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        turns: list[Any] = [m.model_dump() for m in messages if m.role != "system"]
        start = time.perf_counter()
        try:
            resp = await self._client.messages.create(
                model=self.model,
                system=system or self._sdk.NOT_GIVEN,
                messages=turns,
                max_tokens=params.max_tokens,
                temperature=min(params.temperature, 1.0),
            )
        except self._sdk.RateLimitError as exc:
            raise ModelCallError(f"rate limited: {exc}", retryable=True) from None
        except (self._sdk.APIConnectionError, self._sdk.InternalServerError) as exc:
            raise ModelCallError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        except self._sdk.APIError as exc:
            raise ModelCallError(f"{type(exc).__name__}: {exc}") from None
        text = "".join(getattr(b, "text", "") for b in resp.content)
        return Completion(
            text=text,
            tokens_in=resp.usage.input_tokens,
            tokens_out=resp.usage.output_tokens,
            latency_s=time.perf_counter() - start,
            finish_reason=resp.stop_reason or "stop",
        )

    async def aclose(self) -> None:
        await self._client.close()
