"""The `openai` provider: any OpenAI-compatible chat-completions server, over plain HTTP (httpx)."""

from __future__ import annotations

import os
import time
from typing import Any

import httpx

from rolecall.errors import ModelCallError
from rolecall.models.base import Completion, GenParams, Message, ModelAPI, TokenLogprobs

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


def _is_loopback(url: str) -> bool:
    host = httpx.URL(url).host
    return host in {"localhost", "::1"} or host.startswith("127.")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _logprobs(choice: dict[str, Any]) -> list[TokenLogprobs] | None:
    """The per-token top log-probabilities of a chat completion, if the server returned them."""
    content = (choice.get("logprobs") or {}).get("content")
    if not isinstance(content, list):
        return None
    out = []
    try:
        for tok in content:
            top = {t["token"]: float(t["logprob"]) for t in tok.get("top_logprobs") or []}
            top.setdefault(tok["token"], float(tok["logprob"]))
            out.append(TokenLogprobs(token=tok["token"], top=top))
    except (KeyError, TypeError, ValueError):
        return None
    return out or None


class OpenAIModel(ModelAPI):
    def __init__(self, spec: str, model: str, base_url: str | None, *, timeout_s: float = 120.0):
        self.spec = spec
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.identity = f"{self.base_url}#{model}"
        self._key = os.environ.get("OPENAI_API_KEY")
        self._timeout = timeout_s
        self._client: httpx.AsyncClient | None = None

    def _headers(self) -> dict[str, str]:
        if self._key:
            return {"Authorization": f"Bearer {self._key}"}
        return {}

    def _client_for_loop(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout, connect=10.0),
                limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
            )
        return self._client

    def missing_key(self) -> bool:
        return not self._key and not _is_loopback(self.base_url)

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in messages],
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
        }
        if params.top_logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = params.top_logprobs
        url = f"{self.base_url}/chat/completions"
        start = time.perf_counter()
        try:
            resp = await self._client_for_loop().post(url, json=body, headers=self._headers())
        except httpx.TimeoutException:
            raise ModelCallError(f"timeout after {self._timeout:.0f}s from {url}", retryable=True) from None
        except httpx.TransportError as exc:
            raise ModelCallError(f"cannot reach {url}: {type(exc).__name__}", retryable=True) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ModelCallError(f"request to {url} failed: {type(exc).__name__}: {exc}") from None
        latency = time.perf_counter() - start
        if resp.status_code != 200:
            raise ModelCallError(
                f"HTTP {resp.status_code} from {url}: {resp.text[:200]!r}",
                retryable=resp.status_code in RETRYABLE_STATUS,
                retry_after=_retry_after(resp.headers.get("retry-after")),
            )
        try:
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelCallError(
                f"malformed response body from {url}: {resp.text[:120]!r}", retryable=True
            ) from None
        if not text.strip():
            raise ModelCallError(f"empty completion from {url}", retryable=True)
        usage = data.get("usage") or {}
        return Completion(
            text=text,
            tokens_in=int(usage.get("prompt_tokens") or 0),
            tokens_out=int(usage.get("completion_tokens") or 0),
            latency_s=latency,
            finish_reason=choice.get("finish_reason") or "stop",
            logprobs=_logprobs(choice) if params.top_logprobs else None,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
