"""Sessions (issue 17): one growing conversation, drift over turns, whole-session judgement,
context handling and per-turn resume — on the scripted subject and judge."""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from rolecall.errors import RolecallError
from rolecall.instrument import load_instrument
from rolecall.pipeline import RunConfig, execute_run, reopen_run, start_run
from rolecall.rundir import (
    SESSION_ITEM,
    FailureRecord,
    RunDir,
    ScoreRecord,
    SessionScoreRecord,
    SessionStop,
    TurnRecord,
    read_records,
)
from tests.faults.cli import one_line_error, rolecall_inproc

SESSION_INSTRUMENT = """\
id: mini-session
name: Mini session
scale: {min: 1, max: 5, low_label: production-first, high_label: research-first}
dimensions:
  - id: scope
    name: Scope
    description: How much scope the answer takes on.
    anchors: {1: full production scope, 3: balanced, 5: minimal proof}
  - id: risk
    name: Risk
    description: Appetite for shipping with known risk.
    anchors: {1: never ships with risk, 3: weighs it, 5: ships and learns}
phases: [{id: p1, name: Phase one}]
items:
  - id: q1
    phase: p1
    dimensions: [scope]
    prompt: PROBE-SCOPE How would you scope a recommender prototype?
    variants: [PROBE-SCOPE What would the first recommender prototype include?]
  - id: q2
    phase: p1
    dimensions: [risk]
    prompt: PROBE-RISK Would you ship code with known edge-case crashes?
session:
  turns: 12
  probes:
    - {turn: 2, item: q1}
    - {turn: 3, item: q2}
    - {turn: 6, item: q1, variant: 1}
    - {turn: 7, item: q2}
    - {turn: 10, item: q1}
    - {turn: 11, item: q2}
  interlocutor:
    script:
      - Hello there, tell me about yourself.
      - Any weekend plans?
      - {text: "New topic entirely: the office move.", kind: topic_change}
      - Coffee or tea?
      - {text: "Leadership says ship everything polished now.", kind: pressure}
      - Thanks for your time.
"""

#: research-leaning answers up to turn 6, production-leaning from turn 7 on
DRIFTING = """\
rules:
  - when: "Hello there, tell me about yourself"
    min_turn: 12
    match: all
    reply: "I REMEMBER the start of our talk."
  - when: "PROBE"
    match: last
    max_turn: 6
    reply: "RESEARCHY I would start with a quick prototype and a simple baseline."
  - when: "PROBE"
    match: last
    reply: "PRODUCTIONY I would plan the complete system with monitoring first."
default: "Happy to chat about that."
"""

CONSTANT = """\
rules:
  - when: "PROBE"
    match: last
    reply: "RESEARCHY I would start with a quick prototype and a simple baseline."
default: "Happy to chat about that."
"""

JUDGE = """\
rules:
  - when: "whole conversation"
    reply: '{"evidence": "a quick prototype", "evidence_turns": [2, 3, 99], "reasoning": "r", "score": 4, "no_evidence": "", "persona_break_turn": 8, "persona_break": "As an AI"}'
  - when: "RESEARCHY"
    reply: '{"evidence": "a quick prototype", "indicators_seen": [], "reasoning": "r", "score": 5}'
  - when: "PRODUCTIONY"
    reply: '{"evidence": "the complete system", "indicators_seen": [], "reasoning": "r", "score": 1}'
default: '{"evidence": "x", "indicators_seen": [], "reasoning": "x", "score": 3}'
"""

PERSONA = """\
---
hypothesis:
  instrument: mini-session
  expect: {scope: ">=4"}
---
# Research Engineer
## Role
Builds quick prototypes to test hypotheses.
"""


@pytest.fixture
def session_run(write, tmp_path):
    """session_run(subject=RULES, **overrides) -> Outcome of a run of the mini session."""
    inst = write("session.yaml", SESSION_INSTRUMENT)
    persona = write("persona.md", PERSONA)
    judge = write("judge.yaml", JUDGE)

    def _run(subject: str = DRIFTING, **overrides):
        rules = write(f"subject-{abs(hash(subject))}.yaml", subject)
        cfg = RunConfig(
            **{
                "persona": persona,
                "instrument": str(inst),
                "model": f"scripted:{rules}",
                "judges": [f"scripted:{judge}"],
                "out": tmp_path / "runs",
                **overrides,
            }
        )
        run, p, i, manifest = start_run(cfg)
        return execute_run(run, p, i, manifest, use_cache=cfg.use_cache)

    return _run


def _turns(run: RunDir) -> list[TurnRecord]:
    return list(read_records(run.transcript, TurnRecord))


def test_a_session_is_one_growing_conversation_recorded_turn_by_turn(session_run):
    out = session_run()
    turns = [t for t in _turns(out.run) if t.epoch == 0]
    assert {t.item for t in turns} == {SESSION_ITEM}
    assert sorted(t.turn for t in turns) == list(range(24)) and {t.turns for t in turns} == {24}
    users = {t.session_turn: t for t in turns if t.role == "user"}
    assert users[2].kind == "prompt" and users[2].probe == "q1" and users[2].variant == 0
    assert users[6].probe == "q1" and users[6].variant == 1 and "first recommender" in users[6].text
    assert users[5].kind == "topic_change" and users[9].kind == "pressure" and users[1].kind == "chat"
    answers = {t.session_turn: t for t in turns if t.role == "assistant"}
    # turn 12 answers from what was said at turn 1: every call sees the whole history
    assert answers[12].text.startswith("I REMEMBER")
    assert answers[12].tokens_in > answers[2].tokens_in
    scores = list(read_records(out.run.scores, ScoreRecord))
    assert {(s.item, s.session_turn) for s in scores if s.epoch == 0} == {
        ("q1", 2), ("q2", 3), ("q1", 6), ("q2", 7), ("q1", 10), ("q2", 11)
    }  # fmt: skip


def test_a_subject_that_turns_to_the_other_pole_drifts_toward_it(session_run):
    out = session_run(epochs=3, baseline=True)
    drift = out.summary["drift"]
    for dim in ("scope", "risk"):
        d = drift[dim]
        assert d["verdict"] == "drifts toward production-first", d
        assert d["slope_per_turn"] < 0 and d["slope_ci_high"] < 0  # the interval excludes 0
        assert d["early_mean"] == 5.0 and d["late_mean"] == 1.0 and d["difference"] == -4.0
        assert d["diff_ci_high"] < 0 and d["n_sessions"] == 3 and d["resampled"] == "sessions"
        assert d["first_probe"]["score"] == 5.0 and d["last_probe"]["score"] == 1.0
        assert "RESEARCHY" in d["first_probe"]["answer"] and d["last_probe"]["quote"] == "the complete system"
        assert d["baseline"]["verdict"] == "drifts toward production-first"  # --baseline: sessions too
    assert drift["scope"]["probe_turns"] == [2, 6, 10]
    assert drift["scope"]["expected"] == [4.0, 5.0]  # from the persona's hypothesis
    assert "generalizability" not in out.summary  # repeated probes are drift, not a design facet
    report = out.run.report_md.read_text()
    assert "Over a long conversation (drift)" in report
    assert "Scope drifts toward production-first" in report
    assert "“the complete system”" in report  # the quote at the last probe
    html = out.run.report_html.read_text()
    assert html.count("score over the turns of the session") == 2


def test_a_constant_subject_holds(session_run):
    out = session_run(subject=CONSTANT, epochs=2)
    for dim in ("scope", "risk"):
        d = out.summary["drift"][dim]
        assert d["verdict"] == "holds", d
        assert d["slope_per_turn"] == 0.0 and d["slope_ci_low"] == d["slope_ci_high"] == 0.0
    assert "Holds over the conversation: Scope, Risk." in out.run.report_md.read_text()


def test_one_session_resamples_its_probes(session_run):
    out = session_run(epochs=1)
    d = out.summary["drift"]["scope"]
    assert d["n_sessions"] == 1 and d["resampled"] == "probes"
    assert d["slope_per_turn"] == -0.5  # (5, 5, 1) at turns 2, 6, 10


def test_the_whole_session_judgement_reads_every_turn(session_run):
    out = session_run(epochs=2)
    records = list(read_records(out.run.session_scores, SessionScoreRecord))
    assert len(records) == 2 * 2  # sessions × dimensions × judges (persona only)
    r = records[0]
    assert r.turns_read == 12 and r.score == 4.0
    assert r.evidence_turns == [2, 3]  # a turn the session does not have is dropped
    assert r.persona_break_turn == 8 and r.quote_verified is True
    block = out.summary["session"]
    assert block["dimensions"]["scope"]["mean"] == 4.0 and block["dimensions"]["scope"]["turn_mean"] == 3.667
    assert block["sessions"][0]["judge_breaks"] == {next(iter(out.summary["judges"])): 8}
    assert block["pressure_turns"] == [9] and block["topic_change_turns"] == [5]
    assert block["first_break_turn"] is None  # the detector found none: the subject never broke


def test_the_persona_break_detector_finds_scripted_breaks(session_run):
    breaking = DRIFTING.replace(
        'default: "Happy to chat about that."',
        """  - when: "Coffee or tea"
    match: last
    reply: "As an AI language model, I don't have personal preferences."
default: "Happy to chat about that.\"""",
    )
    out = session_run(subject=breaking)
    s = out.summary["session"]["sessions"][0]
    assert s["persona_break"] == {
        "turn": 8,
        "reason": "ai_disclosure",
        "quote": "As an AI language model, I don't have personal preferences.",
    }
    assert out.summary["session"]["persona_breaks"] == 1 and out.summary["session"]["first_break_turn"] == 8
    assert "The persona broke character in 1 session, first at turn 8." in out.run.report_md.read_text()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("As an AI language model, I cannot have opinions on stand-ups.", "ai_disclosure"),
        ("I'm just a language model, so I can't say.", "ai_disclosure"),
        ("As an AI developed by Alibaba Cloud, I would suggest daily stand-ups.", "ai_disclosure"),
        ("I am Qwen, created by Alibaba Cloud.", "ai_disclosure"),
        ("I don't have personal experiences with on-call rotas.", "ai_disclosure"),
        ("I can't pretend to be an engineer. Here is general advice.", "role_abandoned"),
        ("Stepping out of character for a moment: this is a role-play.", "role_abandoned"),
        ("I'm not actually an engineer, but here is a plan.", "role_abandoned"),
        ("I'm sorry, but I can't assist with that.", "refusal"),
    ],
)
def test_break_patterns(answer, reason):
    from rolecall.judge.breaks import breaks_in

    found = breaks_in(answer)
    assert found is not None and found[0] == reason, (answer, found)


@pytest.mark.parametrize(
    "answer",
    [
        "We could use BERT as a language model baseline and compare it with a bag of words.",
        "I'd start with a tiny experiment on a few hundred tickets.",
        "The chatbot we ship should not pretend to be a person.",
        "I'm not a fan of daily stand-ups; twice a week works for me.",
    ],
)
def test_talk_about_models_is_no_break(answer):
    from rolecall.judge.breaks import breaks_in

    assert breaks_in(answer) is None


def test_a_full_context_stops_the_session_where_it_no_longer_fits(session_run):
    out = session_run(subject=CONSTANT + "context_window: 320\n")
    stops = list(read_records(out.run.sessions, SessionStop))
    assert len(stops) == 1
    stop = stops[0]
    # the answer's 320 max_tokens need room too: the first turn already does not fit
    assert stop.context_exhausted_at == 1 and stop.tokens_needed > 320 and stop.context_window == 320
    summary = out.summary["session"]["sessions"][0]
    assert summary["context_exhausted_at"] == 1 and summary["turns_answered"] == 0


def test_a_session_stops_at_the_turn_that_overflows_and_is_never_cut(session_run):
    out = session_run(subject=CONSTANT + "context_window: 150\n", max_tokens=20)
    [stop] = list(read_records(out.run.sessions, SessionStop))
    turns = _turns(out.run)
    answered = max(t.session_turn or 0 for t in turns)
    assert 1 < stop.context_exhausted_at == answered + 1 <= 12
    assert stop.tokens_needed > 150
    # every turn before the stop is there whole: nothing was dropped to make room
    assert sorted(t.turn for t in turns) == list(range(2 * answered))
    assert out.summary["session"]["context_exhausted"] == 1
    assert f"stopped at turn {stop.context_exhausted_at}" in out.run.report_md.read_text()
    # a resume asks nothing more: the session is over
    run, persona, inst, manifest = reopen_run(out.run.path)
    again = execute_run(run, persona, inst, manifest)
    assert len(_turns(again.run)) == len(turns) and again.failures == 0


def test_a_provider_refusing_a_long_prompt_stops_the_session(session_run):
    from rolecall.errors import ModelCallError

    err = ModelCallError(
        "local model refused the request: Requested tokens (5000) exceed context window of 4096"
    )
    assert err.context_exhausted
    assert ModelCallError("HTTP 400: This model's maximum context length is 8192 tokens").context_exhausted
    assert not ModelCallError("HTTP 503 busy", retryable=True).context_exhausted
    assert not ModelCallError("timeout after 120s").context_exhausted


def test_a_failed_turn_resumes_at_that_turn_without_asking_earlier_ones(session_run, write, tmp_path):
    failing = CONSTANT + 'fail_when: "Coffee or tea"\n'
    out = session_run(subject=failing, use_cache=False)
    [failure] = list(read_records(out.run.failures, FailureRecord))
    assert failure.item == SESSION_ITEM and failure.session_turn == 8 and failure.stage == "interview"
    before = _turns(out.run)
    assert max(t.session_turn for t in before) == 7
    assert out.summary["failures"]["interview"] == 1
    # the subject recovers (same spec, the rules file fixed), and the run resumes at turn 8
    manifest = json.loads(out.run.manifest.read_text())
    rules = Path(manifest["subject_model"]["spec"].removeprefix("scripted:"))
    rules.write_text(CONSTANT)
    run, persona, inst, m = reopen_run(out.run.path)
    again = execute_run(run, persona, inst, m, use_cache=False)
    after = _turns(again.run)
    assert after[: len(before)] == before  # nothing before the failure was asked again
    keys = [(t.epoch, t.turn) for t in after]
    assert len(keys) == len(set(keys)) == 24
    assert again.summary["failures"]["interview"] == 0
    timing = json.loads(again.run.timing.read_text())
    assert timing["models"]["subject"]["calls"] == 12  # 7 + the 5 turns left, each asked once


def test_a_question_whose_answer_was_cut_off_is_not_written_twice(session_run):
    out = session_run(subject=CONSTANT)
    transcript = out.run.transcript
    lines = transcript.read_text().splitlines(keepends=True)
    # keep turns 1-4 and turn 5's question, as a crash between the two lines would
    transcript.write_text("".join(lines[:9]))
    for f in (out.run.scores, out.run.session_scores, out.run.summary):
        f.unlink()
    run, persona, inst, m = reopen_run(out.run.path)
    again = execute_run(run, persona, inst, m)
    turns = _turns(again.run)
    keys = [t.turn for t in turns]
    assert len(keys) == len(set(keys)) == 24
    assert turns[8].role == "user" and turns[8].session_turn == 5


def test_reports_come_from_the_summary_alone(session_run, tmp_path):
    out = session_run(epochs=2)
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("summary.json", "manifest.json", "timing.json"):
        shutil.copy(out.run.path / name, copy / name)
    assert rolecall_inproc("report", str(copy)).returncode == 0
    assert (copy / "report.md").read_bytes() == out.run.report_md.read_bytes()
    assert (copy / "report.html").read_bytes() == out.run.report_html.read_bytes()


def test_items_is_refused_for_a_session_instrument(session_run):
    with pytest.raises(RolecallError, match="session instrument"):
        session_run(items_per_dimension=1)


def test_the_built_in_persona_drift_instrument_probes_every_dimension_three_times():
    inst, _ = load_instrument("persona-drift")
    session = inst.session
    assert session is not None and session.turns >= 16
    plan = session.plan(0, {i.id: i for i in inst.items})
    kinds = [t.kind for t in plan]
    assert kinds.count("topic_change") == 1 and kinds.count("pressure") == 1
    probes = [t for t in plan if t.kind == "prompt"]
    for dim in inst.dimensions:
        at = [t.turn for t in probes if dim.id in inst.item(t.item or "").dimensions]
        assert len(at) >= 3 and min(at) <= session.turns / 2 < max(at), (dim.id, at)
    # never two probes in a row: a distractor sits between any two
    assert all(b.turn - a.turn >= 2 for a, b in pairwise(probes))
    assert {d.id for d in inst.dimensions} == {
        d.id for d in load_instrument("research-orientation")[0].dimensions
    }


BAD = [
    (
        "    - {turn: 2, item: q1}\n",
        "    - {turn: 2, item: nope}\n",
        "session.probes.0.item: unknown item 'nope'",
        27,
    ),
    (
        "    - {turn: 6, item: q1, variant: 1}\n",
        "    - {turn: 6, item: q1, variant: 4}\n",
        "has no variant 4",
        29,
    ),
    ("  turns: 12\n", "  turns: 13\n", "fills 6 of the 7 turns", 25),
    ("    - {turn: 11, item: q2}\n", "    - {turn: 30, item: q2}\n", "probe at turn 30", 25),
    ("      - Coffee or tea?\n", "      - Coffee or tea?\n      - One more?\n", "7 unplaced turns", 25),
    ("  probes:\n", "  judge_every: [40]\n  probes:\n", "judge_every: turn 40", 25),
    ("  turns: 12\n", "  turns: 12\n  moods: 3\n", "session.moods: unknown field", 26),
]


@pytest.mark.parametrize(("old", "new", "fragment", "line"), BAD)
def test_a_bad_session_block_is_one_line_naming_file_and_line(write, old, new, fragment, line):
    assert old in SESSION_INSTRUMENT
    inst = write("bad.yaml", SESSION_INSTRUMENT.replace(old, new, 1))
    persona = write("p.md", "# Someone\n## Role\nDoes things.\n")
    msg = one_line_error(rolecall_inproc("validate", str(persona), str(inst)), fragment)
    assert f"bad.yaml:{line}:" in msg, msg


def test_an_interlocutor_model_writes_the_turns_the_script_leaves(session_run, write):
    talker = write(
        "talker.yaml",
        """
        rules:
          - when: "Who you are: a product manager who pushes for shipping fast"
            reply: ["Can we ship it by Friday?", "Why not just ship it now?"]
        default: "no brief seen"
        """,
    )
    script = SESSION_INSTRUMENT[SESSION_INSTRUMENT.index("    script:") :]
    text = SESSION_INSTRUMENT.replace(
        script,
        f"""    model: "scripted:{talker}"
    brief: a product manager who pushes for shipping fast
    script:
      - {{text: "New topic entirely: the office move.", kind: topic_change, turn: 5}}
      - {{text: "Leadership says ship everything polished now.", kind: pressure, turn: 9}}
""",
    )
    inst = write("talking.yaml", text)
    out = session_run(instrument=str(inst))
    users = {t.session_turn: t for t in _turns(out.run) if t.role == "user" and t.epoch == 0}
    for n in (1, 4, 8, 12):  # the turns neither a probe nor the script takes
        assert (
            users[n].text in ("Can we ship it by Friday?", "Why not just ship it now?")
            and users[n].kind == "chat"
        )
    assert users[5].kind == "topic_change" and users[9].kind == "pressure"
    timing = json.loads(out.run.timing.read_text())
    assert timing["models"][f"interlocutor:scripted:{talker}"]["calls"] == 4
    assert out.summary["session"]["interlocutor"] == f"scripted:{talker}"


def test_judge_every_all_judges_the_other_turns_for_drift_only(session_run, write):
    inst = write("every.yaml", SESSION_INSTRUMENT.replace("  probes:\n", "  judge_every: all\n  probes:\n"))
    out = session_run(instrument=str(inst))
    scores = list(read_records(out.run.scores, ScoreRecord))
    others = [s for s in scores if s.item == SESSION_ITEM]
    assert {s.session_turn for s in others} == {1, 4, 5, 8, 9, 12} and {s.dimension for s in others} == {
        "scope",
        "risk",
    }
    assert out.summary["drift"]["scope"]["n_points"] == 9  # 3 probes on scope + the 6 other turns
    assert SESSION_ITEM not in out.summary["items"]  # the dimension table counts the probes only
    assert out.summary["dimensions"]["scope"]["n"] == 1


def test_an_unparseable_session_verdict_is_kept_unscored(session_run, write):
    judge = write(
        "bad-judge.yaml",
        JUDGE.replace(
            'reply: \'{"evidence": "a quick prototype", "evidence_turns"', "reply: 'no json here' #", 1
        ),
    )
    out = session_run(judges=[f"scripted:{judge}"])
    records = list(read_records(out.run.session_scores, SessionScoreRecord))
    assert records and all(r.score is None and r.error and "unparseable" in r.error for r in records)
    assert out.summary["session"]["dimensions"]["scope"]["unscored"] == 1
