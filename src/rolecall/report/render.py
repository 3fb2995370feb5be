"""Render report.md and report.html from the report content with Jinja2 templates."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rolecall.formatting import ci, num, pct, plural
from rolecall.report import svg

__all__ = ["ci", "num", "pct", "plural"]  # the templates' filters, re-exported

VERDICT_MARK = {
    "met": "✅ met",
    "exceeded": "⬆️ exceeded",
    "below": "⬇️ below",
    "inconclusive": "❔ inconclusive",
    "no data": "— no data",
    "insufficient evidence": "∅ insufficient evidence",
}


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


def oneline(text: Any) -> str:
    return " ".join(str(text).split())


def md_cell(text: Any, limit: int = 160) -> str:
    """Subject text in Markdown: one line, table pipes and HTML-significant characters escaped."""
    t = oneline(text)
    t = t if len(t) <= limit else t[: limit - 1] + "…"
    return t.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def blockquote(text: Any) -> str:
    lines = [md_cell(line, 2000) for line in str(text).splitlines() if line.strip()]
    return "\n".join("> " + line for line in lines) or "> "


def _md_finalize(value: Any) -> Any:
    """Every value printed into Markdown: no '<', so no text from input can become an HTML tag
    when the report is rendered (GitHub, IDE previews). '>' is left alone: blockquotes use it."""
    return value.replace("<", "&lt;") if isinstance(value, str) else value


def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("rolecall.report", "templates"),
        autoescape=autoescape,
        finalize=None if autoescape else _md_finalize,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=num,
        ci=ci,
        pct=pct,
        oneline=oneline,
        cell=md_cell,
        blockquote=blockquote,
        abstentions=abstentions,
        plural=plural,
        verdict=lambda v: VERDICT_MARK.get(v, v),
    )
    return env


def render_markdown(content: dict[str, Any]) -> str:
    return _env(False).get_template("report.md.j2").render(c=content)


def plots(content: dict[str, Any]) -> dict[str, Markup]:
    scale = content["scale"]
    hyp = (content.get("hypothesis") or {}).get("dimensions", {})
    rows = [
        {**d, "expected": hyp[k]["range"] if k in hyp else None} for k, d in content["dimensions"].items()
    ]
    out = {"profile": Markup(svg.profile(rows, scale)), "radar": Markup(""), "forest": Markup("")}
    if len(rows) >= 5:
        out["radar"] = Markup(svg.radar(rows, scale))
    dims = [(k, d["name"]) for k, d in content["dimensions"].items()]
    out["heatmap"] = Markup(svg.heatmap(content["heat_items"], dims, content["heat_values"], scale))
    study = content.get("generalizability")
    out["dstudy"] = Markup(svg.dstudy(study["curves"])) if study else Markup("")
    effects = (content.get("baseline") or {}).get("effects")
    if effects:
        frows = [
            {
                "name": content["dimensions"][k]["name"],
                "diff": e["effect"],
                "ci_low": e["ci_low"],
                "ci_high": e["ci_high"],
                "p_holm": e["p_holm"],
            }
            for k, e in effects.items()
        ]
        out["forest"] = Markup(svg.forest(frows, float(scale["max"] - scale["min"])))
    return out


def render_html(content: dict[str, Any]) -> str:
    return _env(True).get_template("report.html.j2").render(c=content, plots=plots(content))
