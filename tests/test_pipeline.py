"""End-to-end on the scripted model: files, summary fields, resume, unscored accounting."""

import json

from rolecall.pipeline import execute_run, reopen_run
from rolecall.rundir import ScoreRecord, TurnRecord, read_records


def test_full_run_writes_every_file(run_scripted, tmp_path):
    out = run_scripted(epochs=2)
    run = out.run
    for f in ("manifest.json", "transcript.jsonl", "scores.jsonl", "summary.json", "report.md"):
        assert (run.path / f).exists(), f
    turns = list(read_records(run.transcript, TurnRecord))
    # q1, q3: 2 turns each; q2 has one follow-up: 4 turns; x 2 epochs
    assert len(turns) == 2 * (2 + 4 + 2)
    assert {t.item for t in turns} == {"q1", "q2", "q3"}
    scores = list(read_records(run.scores, ScoreRecord))
    # q1: scope, q2: risk, q3: scope+risk -> 4 per epoch
    assert len(scores) == 8
    assert all(s.evidence for s in scores)
    summary = json.loads(run.summary.read_text())
    scope = summary["dimensions"]["scope"]
    assert scope["n"] == 4 and scope["n_items"] == 2
    assert scope["ci_low"] <= scope["mean"] <= scope["ci_high"]
    assert 4.0 <= scope["mean"] <= 5.0
    assert summary["unscored"]["total"] == 0
    assert summary["hypothesis"]["dimensions"]["scope"]["verdict"] == "met"
    assert summary["hypothesis"]["dimensions"]["risk"]["verdict"] == "inconclusive"
    assert summary["hypothesis"]["verdict"] == "partially validated"
    manifest = json.loads(run.manifest.read_text())
    assert manifest["persona"]["sha256"] and manifest["instrument"]["sha256"]
    report = run.report_md.read_text()
    assert "Comparison to the expected hypothesis" in report
    assert "a simple baseline" in report


def test_quote_verification(run_scripted, tmp_path):
    out = run_scripted()
    scores = list(read_records(out.run.scores, ScoreRecord))
    by = {(s.item, s.dimension): s for s in scores}
    assert by[("q3", "risk")].quote_verified is True
    # for q2 the scripted judge invents a quote that the answer does not contain
    assert by[("q2", "risk")].quote_verified is False


def test_unparseable_verdicts_are_counted_not_zeroed(write, run_scripted):
    subject = write(
        "s2.yaml",
        """
        rules: []
        default: "UNPARSEABLE answer"
        """,
    )
    out = run_scripted(subject=subject)
    summary = out.summary
    assert summary["unscored"]["total"] == 4
    assert summary["dimensions"]["scope"]["mean"] is None
    assert summary["dimensions"]["scope"]["unscored"] == 2
    scores = list(read_records(out.run.scores, ScoreRecord))
    assert all(s.score is None and s.error and s.raw for s in scores)


def test_resume_asks_only_what_is_missing(run_scripted, tmp_path):
    out = run_scripted()
    run = out.run
    lines = run.transcript.read_text().splitlines(keepends=True)
    # drop q2's conversation entirely plus leave a torn half line, as a crash would
    kept = [line for line in lines if '"item":"q2"' not in line]
    run.transcript.write_text("".join(kept) + lines[-1][: len(lines[-1]) // 2])
    run.scores.write_text("")
    run2, persona, inst, manifest = reopen_run(run.path)
    out2 = execute_run(run2, persona, inst, manifest, use_cache=False)
    turns = list(read_records(run.transcript, TurnRecord))
    keys = [(t.item, t.epoch, t.turn) for t in turns]
    assert len(keys) == len(set(keys)) == 8
    assert out2.summary["dimensions"]["risk"]["n"] == 2


def test_resume_refuses_changed_persona(run_scripted, mini_persona, tmp_path):
    import pytest

    from rolecall.errors import RolecallError

    out = run_scripted()
    mini_persona.write_text(mini_persona.read_text() + "\nmore\n")
    with pytest.raises(RolecallError, match="persona file changed"):
        reopen_run(out.run.path)


def test_cache_makes_second_run_free(run_scripted, tmp_path):
    run_scripted()
    out = run_scripted()
    turns = [t for t in read_records(out.run.transcript, TurnRecord) if t.role == "assistant"]
    assert turns and all(t.cached for t in turns)
    assert out.summary["calls"]["cached"] == len(turns)


def test_baseline_reports_effects(run_scripted, tmp_path):
    out = run_scripted(baseline=True)
    eff = out.summary["baseline"]["effects"]
    assert set(eff) == {"scope", "risk"}
    assert eff["scope"]["n_pairs"] == 2
