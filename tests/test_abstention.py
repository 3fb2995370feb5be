"""Abstentions end to end: counted per dimension and reason, kept out of the statistics, shown in
every output, and an abstention-heavy run is 'insufficient evidence' rather than a verdict."""

import json
import subprocess
import sys

import pytest

from rolecall.rundir import ScoreRecord, read_records


@pytest.fixture
def refusing_subject(write):
    return write(
        "refuser.yaml",
        """
        rules:
          - when: "recommender"
            reply: "I'm sorry, but I can't assist with that."
          - when: "change your mind"
            reply: "How would you scope a recommender prototype?"
          - when: "crashes"
            reply: "```python\\nimport numpy as np\\nx = np.zeros(3)\\n```"
        default: "I don't know."
        """,
    )


def test_abstention_heavy_run_is_insufficient_evidence(run_scripted, refusing_subject):
    out = run_scripted(subject=refusing_subject, epochs=2)
    scores = list(read_records(out.run.scores, ScoreRecord))
    assert scores and all(s.abstained and s.score is None and not s.unscored for s in scores)
    reasons = {s.abstain_reason for s in scores}
    assert {"refusal", "code_only"} <= reasons
    summary = out.summary
    for dim in ("scope", "risk"):
        d = summary["dimensions"][dim]
        assert d["mean"] is None and d["n"] == 0 and d["unscored"] == 0
        assert d["abstained"]["total"] > 0 and not d["evidence_status"]["sufficient"]
    assert summary["hypothesis"]["verdict"] == "insufficient evidence"
    assert all(h["verdict"] == "insufficient evidence" for h in summary["hypothesis"]["dimensions"].values())
    assert summary["abstained"]["total"] == len(scores)
    assert summary["unscored"]["total"] == 0
    md = out.run.report_md.read_text()
    assert "insufficient evidence" in md and "no evidence" in md and "refusal" in md
    html = out.run.report_html.read_text()
    assert "insufficient evidence" in html
    # the CI gate does not pass a persona that gave no evidence
    proc = subprocess.run(
        [sys.executable, "-m", "rolecall", "check", str(out.run.path)], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "insufficient evidence" in proc.stdout


def test_abstentions_are_out_of_means_and_shown_per_item(run_scripted, write):
    subject = write(
        "half.yaml",
        """
        rules:
          - when: "change your mind"
            reply: "Data from a failed experiment would change my mind."
          - when: "recommender"
            reply: "I'm sorry, but I can't assist with that."
          - when: "crashes"
            reply: "Crashes on edge cases are data, not failure; the core hypothesis held."
        default: "I would test the hypothesis first."
        """,
    )
    out = run_scripted(subject=subject)
    scores = list(read_records(out.run.scores, ScoreRecord))
    q1 = [s for s in scores if s.item == "q1"]
    assert q1 and all(s.abstain_reason == "refusal" for s in q1)
    scope = out.summary["dimensions"]["scope"]
    assert scope["n"] == 1 and scope["abstained"] == {"total": 1, "by_reason": {"refusal": 1}}
    assert out.summary["items"]["q1"]["scope"] == {
        "mean": None,
        "n": 0,
        "unscored": 0,
        "abstained": {"refusal": 1},
    }
    assert "no evidence: 1 (refusal 1)" in out.run.report_md.read_text()
    # the signature quote is never taken from an abstained answer
    assert "can't assist" not in json.dumps(out.summary["dimensions"]["scope"]["evidence"])


def test_export_marks_abstentions(run_scripted, refusing_subject, tmp_path):
    from rolecall.export import tidy_rows
    from rolecall.rundir import RunDir

    out = run_scripted(subject=refusing_subject)
    rows = tidy_rows(RunDir(out.run.path))
    assert rows and all(r["abstained"] and not r["unscored"] for r in rows)
    assert {r["abstain_reason"] for r in rows} >= {"refusal"}
