"""Render report.md and report.html from the report content with Jinja2 templates."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rolecall.describe import abstentions, is_transcript, judge_calls, source_title, transcript_calls
from rolecall.formatting import ci, num, pct, plural
from rolecall.report import svg

__all__ = [  # the templates' filters and helpers, re-exported
    "abstentions",
    "ci",
    "is_transcript",
    "judge_calls",
    "num",
    "pct",
    "plural",
    "source_title",
    "transcript_calls",
]

VERDICT_MARK = {
    "met": "✅ met",
    "exceeded": "⬆️ exceeded",
    "below": "⬇️ below",
    "inconclusive": "❔ inconclusive",
    "no data": "— no data",
    "insufficient evidence": "∅ insufficient evidence",
}


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
    drift: dict[str, Any] = content.get("drift") or {"rows": []}
    for r in drift["rows"]:  # one score-over-turn plot per dimension: "drift:<id>"
        out[f"drift:{r['id']}"] = Markup(
            svg.drift(
                r["name"],
                r["points"],
                scale,
                drift["turns"],
                expected=r["expected"],
                line=r["line"],
                marks=drift["pressure_turns"],
            )
        )
    return out


def render_html(content: dict[str, Any]) -> str:
    return _env(True).get_template("report.html.j2").render(c=content, plots=plots(content))
