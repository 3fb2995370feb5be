"""compare.md and compare.html: runs × dimensions matrix, differences, phrases, hypotheses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from rolecall.report import svg
from rolecall.report.render import _env
from rolecall.rundir import write_text_atomic


def _forests(result: dict[str, Any]) -> list[Markup]:
    scale = result["instrument"]["scale"]
    span = float(scale["max"] - scale["min"])
    out = []
    for comp in result["comparisons"]:
        rows = [
            {
                "name": result["dimension_names"][d],
                "diff": c["diff"],
                "ci_low": c["ci_low"],
                "ci_high": c["ci_high"],
                "p_holm": c["p_holm"],
            }
            for d, c in comp["dimensions"].items()
        ]
        out.append(Markup(svg.forest(rows, span)))
    return out


def write_compare_reports(out: Path, result: dict[str, Any]) -> None:
    md = _env(False).get_template("compare.md.j2").render(r=result)
    html = _env(True).get_template("compare.html.j2").render(r=result, forests=_forests(result))
    write_text_atomic(out / "compare.md", md)
    write_text_atomic(out / "compare.html", html)
