"""Hiring-style instruments end to end on scripted models: STAR probes, ranking, levels, pressure."""

from __future__ import annotations

import json

import pytest

from rolecall.rundir import ScoreRecord, TurnRecord, read_records
from tests.conftest import needs_semantic

INSTRUMENT = """
id: hiring-mini
name: Hiring mini
star: probe
rank_dimensions: true
scale: {min: 1, max: 5, low_label: no evidence, high_label: strong evidence}
dimensions:
  - id: ownership
    name: Ownership
    description: Takes responsibility beyond the task.
    anchors: {1: blames others, 3: does the task, 5: owns the outcome end to end}
  - id: results
    name: Deliver results
    description: Reaches the goal despite obstacles.
    anchors: {1: no outcome, 3: some outcome, 5: measured outcome}
levels:
  - {id: junior, name: Junior, min_score: 1, descriptions: {ownership: Owns their own tickets.}}
  - {id: senior, name: Senior, min_score: 3.5, descriptions: {ownership: Owns a team's outcomes.}}
phases:
  - {id: p, name: Behaviour}
items:
  - id: q_own
    phase: p
    dimensions: [ownership]
    prompt: Tell me about a time you owned a broken pipeline.
    pressure: ["The deadline moved to tomorrow. What do you do now?"]
  - id: q_results
    phase: p
    dimensions: [results]
    prompt: Describe a result you delivered against the odds.
"""

SUBJECT = """
rules:
  - when: "deadline moved"
    reply: "I would still fix the root cause first, then ship."
  - when: "outcome in the end"
    reply: "As a result, failures fell by 90% within a month."
  - when: "broken pipeline"
    reply: "In my last role our nightly pipeline broke every week. My task was to make it reliable. I rewrote the scheduler and added alerts."
default: "At my previous company the launch slipped. I was responsible for the model. I cut scope and shipped. As a result, revenue rose by 8%. I learned to cut scope early."
"""

JUDGE = """
rules:
  - when: "Dimension: Ownership.*deadline moved"
    reply: '{"evidence": "fix the root cause first", "indicators_seen": [], "reasoning": "holds", "score": 4}'
  - when: "Dimension: Ownership"
    reply: '{"evidence": "I rewrote the scheduler", "indicators_seen": [], "reasoning": "owns it", "score": 5}'
  - when: "Dimension: Deliver results"
    reply: '{"evidence": "revenue rose by 8%", "indicators_seen": [], "reasoning": "measured", "score": 4}'
default: '{"evidence": "nothing", "indicators_seen": [], "reasoning": "x", "score": 2}'
"""


@pytest.fixture
def hiring_run(write, run_scripted):
    inst = write("hiring.yaml", INSTRUMENT)
    subject = write("hiring-subject.yaml", SUBJECT)
    judge = write("hiring-judge.yaml", JUDGE)
    return run_scripted(instrument=str(inst), subject=subject, judge=judge)


@pytest.mark.slow
@needs_semantic
def test_star_probe_pressure_ranking_and_levels(hiring_run):
    run = hiring_run.run
    turns = list(read_records(run.transcript, TurnRecord))
    own = sorted((t for t in turns if t.item == "q_own"), key=lambda t: t.turn)
    assert [t.kind for t in own if t.role == "user"] == ["prompt", "probe", "pressure"]
    assert "outcome in the end" in own[2].text
    results = [t for t in turns if t.item == "q_results" and t.role == "user"]
    assert [t.kind for t in results] == ["prompt"]  # a complete STAR answer is not probed

    scores = list(read_records(run.scores, ScoreRecord))
    # rank_dimensions: every answer judged on every dimension, the pressure answer too
    assert {(s.item, s.condition, s.dimension) for s in scores} == {
        (i, c, d)
        for i, c in (("q_own", "ordinary"), ("q_own", "pressure"), ("q_results", "ordinary"))
        for d in ("ownership", "results")
    }

    summary = json.loads((run.path / "summary.json").read_text())
    # dimension means count only each item's own dimension, and never the pressured answer
    assert summary["dimensions"]["ownership"]["mean"] == 5.0
    assert summary["dimensions"]["ownership"]["n"] == 1
    assert summary["dimensions"]["results"]["mean"] == 4.0
    assert summary["verdicts"] == {"total": 6, "scored": 6, "abstained": 0, "counted": 2}

    star = {a["item"]: a for a in summary["star"]["answers"]}
    assert star["q_own"]["probe"] == "result"
    assert "result" in star["q_own"]["missing_before_probe"]
    assert star["q_own"]["complete"] and star["q_own"]["quantities"] == ["90%"]
    assert star["q_results"]["reflection"] is True
    assert summary["star"]["aggregate"]["probes"] == {"result": 1}

    ranking = summary["ranking"]
    assert ranking["method"].startswith("embedding relevance")
    ranked = {a["item"]: {r["dimension"]: r for r in a["ranked"]} for a in ranking["answers"]}
    own = ranked["q_own"]
    assert set(own) == {"ownership", "results"}
    assert own["ownership"]["asked_about"] and not own["results"]["asked_about"]
    assert own["ownership"]["score"] == 5.0 and own["results"]["score"] == 4.0  # judges' means alongside
    said = " ".join(t.text for t in turns if t.item == "q_own" and t.role == "assistant")
    assert all(r["quote"] in said for r in own.values())  # quotes are the subject's own sentences
    assert sum(ranking["top_counts"].values()) == 2 * 2  # two answers, each with 2 (< top 3) dims

    level = summary["dimensions"]["ownership"]["level"]
    assert (level["level"], level["description"]) == ("senior", "Owns a team's outcomes.")

    pressure = summary["pressure"]["dimensions"]["ownership"]
    assert (pressure["before"], pressure["after"], pressure["shift"]) == (5.0, 4.0, -1.0)
    assert pressure["n_items"] == 1 and pressure["verdict"] == "inconclusive"  # too few items to say
    assert summary["pressure"]["overall"]["n_items"] == 1

    md = (run.path / "report.md").read_text()
    assert "interviewer probed for **result**" in md
    assert "### Estimated level" in md and "**Senior**" in md
    assert "### Under pressure" in md
    assert "Evidenced most (ranked): **" in md and "relevance 0." in md
    html = (run.path / "report.html").read_text()
    assert (
        '<mark class="star-result" title="result">As a result, failures fell by 90% within a month.</mark>'
        in html
    )


def test_level_bands_are_validated(write):
    from rolecall.errors import RolecallError
    from rolecall.instrument import load_instrument

    bad = INSTRUMENT.replace("min_score: 3.5", "min_score: 0.5")
    with pytest.raises(RolecallError, match="lowest to highest"):
        load_instrument(write("bad.yaml", bad))


def test_ranking_falls_back_to_judge_scores_without_the_embedder(write):
    from rolecall.analyses import ranking_block
    from rolecall.instrument import load_instrument
    from rolecall.judge.answers import Answer

    inst, _ = load_instrument(write("hiring.yaml", INSTRUMENT))
    answer = Answer(item="q_own", epoch=0, subject="persona", question="q", text="a", answer_only="a")
    recs = [
        ScoreRecord(item="q_own", epoch=0, dimension="results", judge="j", score=4.0, evidence="e1"),
        ScoreRecord(item="q_own", epoch=0, dimension="ownership", judge="j", score=2.0, evidence="e2"),
        ScoreRecord(item="q_own", epoch=0, dimension="ownership", judge="k", score=None),
    ]
    block = ranking_block(inst, [answer], recs, relevance=[])
    assert block["method"] == "judge scores"
    ranked = block["answers"][0]["ranked"]
    assert [(r["dimension"], r["score"], r["quote"]) for r in ranked] == [
        ("results", 4.0, "e1"),
        ("ownership", 2.0, "e2"),
    ]


@pytest.mark.slow
@needs_semantic
def test_relevance_is_stored_when_judging_and_summarize_needs_no_model(hiring_run, monkeypatch):
    from rolecall.analyses import ranking
    from rolecall.pipeline import reopen_run
    from rolecall.rundir import RelevanceRecord, read_records

    run = hiring_run.run
    stored = list(read_records(run.relevance, RelevanceRecord))
    assert {(r.item, r.epoch) for r in stored} == {("q_own", 0), ("q_results", 0)}
    assert all(r.ranker == ranking.RANKER and len(r.dimensions) == 2 for r in stored)
    before = json.loads(run.summary.read_text())

    def no_model() -> None:
        raise AssertionError("summarize loaded an embedding model")

    monkeypatch.setattr(ranking, "default_ranker", no_model)
    from rolecall.pipeline import finish

    _, persona, instrument, manifest = reopen_run(run.path)
    after = finish(run, persona, instrument, manifest)
    assert after["ranking"] == before["ranking"]
    assert ranking.rank_stage(run, instrument) == 0  # nothing left to measure
