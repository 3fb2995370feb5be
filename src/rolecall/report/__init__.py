"""Reports built from a run directory's files."""

from __future__ import annotations

from typing import Any

from rolecall.instrument import Instrument
from rolecall.report.markdown import render_markdown
from rolecall.rundir import Manifest, RunDir, ScoreRecord, read_records, write_text_atomic


def write_reports(run: RunDir, instrument: Instrument, manifest: Manifest, summary: dict[str, Any]) -> None:
    scores = list(read_records(run.scores, ScoreRecord))
    write_text_atomic(run.report_md, render_markdown(summary, manifest, instrument, scores))


__all__ = ["render_markdown", "write_reports"]
