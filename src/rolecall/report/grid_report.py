"""grid.md and grid.html: per instrument, a persona × model matrix per dimension (with 95%
intervals and a heatmap in the HTML), the hypothesis verdict of every cell, the pairwise model
comparisons per persona, and every cell's status, wall time and cost. Built from grid.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from rolecall.report import svg
from rolecall.report.render import _env
from rolecall.rundir import write_text_atomic


def _heatmaps(results: dict[str, Any]) -> dict[str, dict[str, Markup]]:
    """instrument -> dimension -> persona × column heatmap of the means."""
    out: dict[str, dict[str, Markup]] = {}
    for inst_id, r in results["instruments"].items():
        cols = [(c, c) for c in r["columns"]]
        out[inst_id] = {}
        for d in r["dimension_names"]:
            values = {p: {col: est["mean"] for col, est in row.items()} for p, row in r["matrix"][d].items()}
            out[inst_id][d] = Markup(svg.heatmap(r["personas"], cols, values, r["instrument"]["scale"]))
    return out


def totals(index: dict[str, Any]) -> dict[str, Any]:
    cells = index["cells"]
    costs = [c["cost_usd"] for c in cells if c["cost_usd"] is not None]
    return {
        "cells": len(cells),
        "done": sum(c["status"] == "done" for c in cells),
        "failed": sum(c["status"] == "failed" for c in cells),
        "pending": sum(c["status"] == "pending" for c in cells),
        "wall_s": sum(c["wall_s"] or 0.0 for c in cells),
        "cost_usd": sum(costs) if costs else None,
    }


def write_grid_reports(grid_dir: Path, index: dict[str, Any]) -> None:
    results = index.get("results") or {"instruments": {}, "method": ""}
    t = totals(index)
    md = _env(False).get_template("grid.md.j2").render(g=index, r=results, t=t)
    html = (
        _env(True).get_template("grid.html.j2").render(g=index, r=results, t=t, heatmaps=_heatmaps(results))
    )
    write_text_atomic(grid_dir / "grid.md", md)
    write_text_atomic(grid_dir / "grid.html", html)
