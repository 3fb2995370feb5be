"""Reports built from a run's summary: report.md and a self-contained report.html."""

from __future__ import annotations

from typing import Any

from rolecall.instrument import Instrument
from rolecall.report.content import build_content
from rolecall.report.render import render_html, render_markdown
from rolecall.rundir import Manifest, RunDir, write_text_atomic


def write_reports(run: RunDir, instrument: Instrument, manifest: Manifest, summary: dict[str, Any]) -> None:
    """report.md and report.html from ``summary`` (plus the run's narrative.json and the raters'
    agreement.json, when written): the JSONL files are not read."""
    agreement = run.read_agreement() if summary.get("agreement") else None
    content = build_content(
        instrument,
        manifest,
        summary,
        narrative=run.read_narrative(),
        raters=(agreement or {}).get("raters"),
    )
    write_text_atomic(run.report_md, render_markdown(content))
    write_text_atomic(run.report_html, render_html(content))


__all__ = ["build_content", "render_html", "render_markdown", "write_reports"]
