"""report.html is self-contained, has every section, escapes subject text; reports regenerate."""

import re

import pytest

from tests.cli.test_cli import rolecall

SECTIONS = [
    "summary",
    "overview",
    "phases",
    "dimensions",
    "quotes",
    "language",
    "hypothesis",
    "assessment",
    "method",
]


def test_html_report_sections_escaping_and_regeneration(write, run_scripted):
    evil = write(
        "evil.yaml",
        """
        rules: []
        default: "I'd prototype. <script>alert('pwned')</script> <img src=x onerror=alert(1)> | pipe"
        """,
    )
    run = run_scripted(subject=evil, baseline=True).run
    html = run.path.joinpath("report.html").read_text()
    for s in SECTIONS:
        assert f'<section id="{s}">' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert not re.search(r'(src|href)="https?://', html)
    assert html.count("<svg") >= 3  # profile, heatmap, forest (baseline)
    md_before = run.path.joinpath("report.md").read_text()
    html_before = html
    for f in ("report.md", "report.html", "summary.json"):
        run.path.joinpath(f).unlink()
    proc = rolecall("report", str(run.path))
    assert proc.returncode == 0, proc.stderr
    assert run.path.joinpath("report.md").read_text() == md_before
    assert run.path.joinpath("report.html").read_text() == html_before


@pytest.mark.slow
def test_writer_narrative_is_checked_against_the_data(write, run_scripted):
    out = run_scripted()
    run, summary = out.run, out.summary
    scope = summary["dimensions"]["scope"]["mean"]
    writer = write(
        "writer.yaml",
        f"""
        rules: []
        default: "Scope sits at {scope:.2f} [Q1]. Risk reached 9.7 on every item. The persona says so [Q42]."
        """,
    )
    proc = rolecall("report", str(run.path), "--writer", f"scripted:{writer}")
    assert proc.returncode == 0, proc.stderr
    assert "3 sentences, 2 flagged as unsupported" in proc.stdout
    md = run.path.joinpath("report.md").read_text()
    assert f"Scope sits at {scope:.2f} [Q1]." in md
    assert "number 9.7 is not in the data" in md and "cites unknown quote Q42" in md
    html_before = run.path.joinpath("report.html").read_text()
    assert "Narrative" in html_before
    proc = rolecall("report", str(run.path))  # regenerates from files: the narrative is kept
    assert run.path.joinpath("report.html").read_text() == html_before
