"""Reports are a function of summary.json: a copy of a run without its JSONL files renders
byte-identical reports (issue 20)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.faults.cli import rolecall_inproc


def _summary_only(run: Path, dest: Path) -> Path:
    shutil.copytree(run, dest)
    for f in dest.glob("*.jsonl"):
        f.unlink()
    for f in ("report.md", "report.html"):
        (dest / f).unlink()
    return dest


@pytest.mark.parametrize("baseline", [False, True])
def test_summary_only_copy_renders_byte_identical_reports(run_scripted, tmp_path, baseline, monkeypatch):
    monkeypatch.setenv("ROLECALL_NO_TRACK", "1")
    out = run_scripted(baseline=baseline, epochs=2)
    run = out.run.path
    res = rolecall_inproc("report", str(run))  # the reports as `report` writes them from all files
    assert res.returncode == 0, res.stderr
    copy = _summary_only(run, tmp_path / "copy" / run.name)
    summary_before = (copy / "summary.json").read_bytes()
    res = rolecall_inproc("report", str(copy))
    assert res.returncode == 0, res.stderr
    assert "rendered from summary.json" in res.stdout
    assert (copy / "summary.json").read_bytes() == summary_before  # not rebuilt from nothing
    for name in ("report.md", "report.html"):
        assert (copy / name).read_bytes() == (run / name).read_bytes(), name
    md = (copy / "report.md").read_text(encoding="utf-8")
    assert "simple baseline" in md  # answers and quotes come from the summary
    if baseline:
        assert "distinctive of this persona" in md


def test_summary_only_copy_refuses_a_calibration(run_scripted, tmp_path, monkeypatch):
    monkeypatch.setenv("ROLECALL_NO_TRACK", "1")
    out = run_scripted()
    copy = _summary_only(out.run.path, tmp_path / "copy")
    cal = tmp_path / "cal.json"
    cal.write_text("{}", encoding="utf-8")
    res = rolecall_inproc("report", str(copy), "--calibration", str(cal))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "no scores.jsonl" in res.stderr


def test_a_scored_transcript_renders_the_same_from_its_summary(
    tmp_path, mini_instrument, scripted_judge, monkeypatch
):
    monkeypatch.setenv("ROLECALL_NO_TRACK", "1")
    transcript = tmp_path / "answers.jsonl"
    transcript.write_text(
        '{"question": "How would you start a new recommendation project?", '
        '"answer": "I would start with a simple baseline and ship it."}\n'
        '{"question": "Something unrelated about lunch", "answer": "Soup."}\n',
        encoding="utf-8",
    )
    res = rolecall_inproc(
        "score", str(transcript), "--instrument", str(mini_instrument),
        "--judge", f"scripted:{scripted_judge}", "--out", str(tmp_path / "runs"),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    (run,) = (tmp_path / "runs").iterdir()
    copy = _summary_only(run, tmp_path / "copy" / run.name)
    assert rolecall_inproc("report", str(copy)).returncode == 0
    for name in ("report.md", "report.html"):
        assert (copy / name).read_bytes() == (run / name).read_bytes(), name
    assert "Instrument item: none, best similarity" in (copy / "report.md").read_text(encoding="utf-8")
