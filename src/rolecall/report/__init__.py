"""Reports built from a run directory's files: report.md and a self-contained report.html."""

from __future__ import annotations

from typing import Any

from rolecall.instrument import Instrument
from rolecall.report.content import build_content
from rolecall.report.render import render_html, render_markdown
from rolecall.rundir import Manifest, RunDir, write_text_atomic


def write_reports(run: RunDir, instrument: Instrument, manifest: Manifest, summary: dict[str, Any]) -> None:
    content = build_content(run, instrument, manifest, summary)
    write_text_atomic(run.report_md, render_markdown(content))
    write_text_atomic(run.report_html, render_html(content))


__all__ = ["build_content", "render_html", "render_markdown", "write_reports"]
