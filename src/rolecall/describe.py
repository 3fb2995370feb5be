"""Words about a summary that the reports and the terminal share: whose answers it measures,
what calls a transcript's scoring made, abstentions by reason. Light to import (no report
machinery), so the terminal summary and `rolecall --help` stay quick."""

from __future__ import annotations

from typing import Any

from rolecall.formatting import plural


def abstentions(counts: dict[str, int] | dict[str, object] | None) -> str:
    """``3 (refusal 2, echo 1)`` from ``{"total": 3, "by_reason": {...}}`` or a bare reason map."""
    if not counts:
        return "0"
    by = counts.get("by_reason", counts)
    assert isinstance(by, dict)
    total = counts.get("total", sum(by.values()))
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in by.items()) + ")"


def is_transcript(summary: dict[str, Any]) -> bool:
    return bool((summary.get("source") or {}).get("kind") == "transcript")


def source_title(summary: dict[str, Any]) -> str:
    """Whose answers a summary measures, for titles: the persona's name, or ``transcript NAME``."""
    if is_transcript(summary):
        return f"transcript {summary['source']['name']}"
    return str(summary.get("persona") or "recorded answers")


def judge_calls(summary: dict[str, Any]) -> dict[str, float]:
    """Calls, cache hits, tokens and live latency summed over the judges in the summary's timing
    (a judge that computes its verdicts here, like ``semantic``, makes no calls and is not there)."""
    models = [m for role, m in (summary.get("timing") or {}).get("models", {}).items() if role != "subject"]
    keys = ("calls", "cached", "tokens_in", "tokens_out", "latency_s_total")
    return {k: sum(m.get(k, 0) for m in models) for k in keys}


def transcript_calls(summary: dict[str, Any]) -> str:
    """The calls a transcript's scoring made: none to a subject model, and the judges' calls."""
    n = (summary.get("source") or {}).get("answers")
    j = judge_calls(summary)
    calls, cached = int(j["calls"]), int(j["cached"])
    live = calls - cached
    latency = f", mean latency {j['latency_s_total'] / live:.3f} s" if live > 0 else ""
    return (
        f"{plural(n, 'recorded answer') if isinstance(n, int) else 'recorded answers'}, no subject calls; "
        f"{plural(calls, 'judge call')} ({cached} cached), tokens in/out "
        f"{int(j['tokens_in']):,}/{int(j['tokens_out']):,}{latency}"
    )
