"""ablation.md and ablation.html: findings, the variant × dimension effect heatmap, the answers
that changed most, and each variant's run with its abstained and unscored verdicts."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from markupsafe import Markup

from rolecall.report import svg
from rolecall.report.render import _env
from rolecall.rundir import write_text_atomic

MODE_TEXT = {
    ("leave-out", "section"): "each variant leaves one section of the role out",
    ("only", "section"): "each variant keeps only the title and one section of the role",
    ("leave-out", "sentence"): "each variant leaves one sentence of {s} out",
    ("only", "sentence"): "each variant keeps only the title and one sentence of {s}",
}


def _signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


def _cell(e: dict[str, Any]) -> str:
    """'-1.20 [-1.80, -0.60] ★' (the star: significant after Holm)."""
    if e["effect"] is None:
        return "—"
    ci = "" if e["ci_low"] is None else f" [{e['ci_low']:+.2f}, {e['ci_high']:+.2f}]"
    return f"{e['effect']:+.2f}{ci}{' ★' if e['significant'] else ''}"


def row_label(v: dict[str, Any], limit: int = 44) -> str:
    """A variant as a heatmap row: its section, or 'sentence k: <its start>'."""
    s = v.get("sentence")
    if not s:
        return str(v["section"])
    text = s["text"] if len(s["text"]) <= limit else s["text"][: limit - 1] + "…"
    return f"{s['index']}. {text}"


def _limit(result: dict[str, Any]) -> float:
    effects = [
        abs(e["effect"])
        for v in result["sections"]
        for e in v["dimensions"].values()
        if e["effect"] is not None
    ]
    return max(0.5, math.ceil(max(effects, default=0.0) * 2) / 2)


def _rel(path: str, out: Path) -> str:
    try:
        return os.path.relpath(path, out)
    except ValueError:  # another drive
        return path


def _view(out: Path, result: dict[str, Any]) -> dict[str, Any]:
    dims = list(result["dimension_names"])
    names = result["dimension_names"]
    mode = MODE_TEXT[(result["mode"], result["unit"])].format(s=result.get("sentences_of", ""))
    changes = []
    for v in result["sections"]:
        for d, q in v["quotes"].items():
            changes.append({"variant": v["label"], "dimension": names[d], "effect": v["dimensions"][d], **q})
    runs = [
        {
            "label": "the full persona",
            "run": _rel(result["full"], out),
            "counts": result["full_counts"],
            "hypothesis": result["full_hypothesis"],
        }
    ] + [
        {
            "label": v["label"],
            "run": _rel(v["run"], out),
            "counts": v["counts"],
            "hypothesis": v["hypothesis"],
        }
        for v in result["sections"]
    ]
    return {
        "mode_text": mode,
        "dims": dims,
        "rows": [
            {"label": v["label"], "row": row_label(v), "cells": [_cell(v["dimensions"][d]) for d in dims]}
            for v in result["sections"]
        ],
        "changes": changes,
        "runs": runs,
        "signed": _signed,
        "first": lambda text: text[:1].upper() + text[1:],
    }


def write_ablation_reports(out: Path, result: dict[str, Any]) -> None:
    view = _view(out, result)
    heat = svg.effect_heatmap(
        [row_label(v) for v in result["sections"]],
        [(d, result["dimension_names"][d]) for d in view["dims"]],
        [v["dimensions"] for v in result["sections"]],
        _limit(result),
    )
    md = _env(False).get_template("ablation.md.j2").render(r=result, v=view)
    html = _env(True).get_template("ablation.html.j2").render(r=result, v=view, heatmap=Markup(heat))
    write_text_atomic(out / "ablation.md", md)
    write_text_atomic(out / "ablation.html", html)
