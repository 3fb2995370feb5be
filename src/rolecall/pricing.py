"""Cost of API calls from an editable per-million-token price table.

Defaults below are list prices at the time of writing; override or extend them with a YAML or
JSON file named by ``ROLECALL_PRICES`` (``{"openai:gpt-4o": {"input": 2.5, "output": 10}}``).
Local, scripted and replay models cost nothing; unknown API models are reported as unpriced.
"""

from __future__ import annotations

import os
from typing import Any

from rolecall.errors import RolecallError
from rolecall.yamlio import load_yaml_text, read_text

# USD per million tokens: input, output
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4.1": (2.00, 8.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "anthropic:claude-sonnet-4-5": (3.00, 15.00),
    "anthropic:claude-haiku-4-5": (1.00, 5.00),
    "anthropic:claude-opus-4-1": (15.00, 75.00),
}
FREE_PROVIDERS = ("local", "scripted", "replay", "semantic", "subject:local", "transcript")


def load_prices() -> dict[str, tuple[float, float]]:
    prices = dict(DEFAULT_PRICES)
    path = os.environ.get("ROLECALL_PRICES")
    if not path:
        return prices
    data, _ = load_yaml_text(read_text(path, what="price table"), path=path)
    if not isinstance(data, dict):
        raise RolecallError(
            "a price table maps model specs to {input, output} USD per million tokens", path=path
        )
    for spec, entry in data.items():
        if not isinstance(entry, dict) or not {"input", "output"} <= set(entry):
            raise RolecallError(f"price for {spec!r} needs 'input' and 'output'", path=path)
        prices[str(spec)] = (float(entry["input"]), float(entry["output"]))
    return prices


def _base_spec(spec: str) -> str:
    spec = spec.removeprefix("judge:").removesuffix("+logprob")
    return spec.split("@", 1)[0]


def cost(models: dict[str, dict[str, Any]], subject_spec: str | None) -> dict[str, Any]:
    """Cost per model entry of timing.json (keys 'subject', 'judge:SPEC' or 'interlocutor:SPEC')."""
    prices = load_prices()
    per: dict[str, float | None] = {}
    for role, m in models.items():
        spec: str | None = role.removeprefix("judge:").removeprefix("interlocutor:")
        if role == "subject":
            spec = subject_spec
        base = _base_spec(spec or "")
        if base.split(":", 1)[0] in FREE_PROVIDERS or base in FREE_PROVIDERS:
            per[role] = 0.0
        elif base in prices:
            pin, pout = prices[base]
            per[role] = round((m["tokens_in"] * pin + m["tokens_out"] * pout) / 1e6, 6)
        else:
            per[role] = None
    known = [v for v in per.values() if v is not None]
    return {
        "by_model": per,
        "total_usd": round(sum(known), 6),
        "unpriced": [k for k, v in per.items() if v is None],
    }
