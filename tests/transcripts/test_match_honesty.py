"""Transcript matching is honest: the match is shown, doubtful matches warned about, respondents
kept apart, the transcript named as the source, and counts written with the right plural."""

from __future__ import annotations

import csv
import json

import pytest
from tests.faults.cli import rolecall_inproc

from rolecall.export import export
from rolecall.formatting import plural
from rolecall.instrument import load_instrument
from rolecall.rundir import RunDir
from rolecall.rundir.summary import Summary
from rolecall.rundir.versioned import read_versioned
from rolecall.score_run import ScoreConfig, execute_score, start_score
from rolecall.transcripts import ItemMatcher, Match
from rolecall.transcripts.match import AMBIGUOUS_MARGIN, LOW_MARGIN, THRESHOLD

Q1 = "How would you scope a recommender prototype?"
#: two respondents answer q1 (labelled), one question matches q2 clearly, and one ("Prototype
#: ship?") matches q2 weakly (0.25) with q1 close behind (0.215): low and ambiguous
RECORDED = [
    {"question": Q1, "answer": "I would start with a simple baseline.", "item": "q1", "respondent": "ann"},
    {"question": Q1, "answer": "A full production plan first.", "item": "q1", "respondent": "bob"},
    {
        "question": "Would you ship code with known edge-case crashes?",
        "answer": "Crashes on edge cases are data.",
        "respondent": "ann",
    },
    {"question": "Prototype ship?", "answer": "Crashes on edge cases are data; I ship.", "respondent": "bob"},
]


@pytest.fixture
def transcript(write):
    return write("t.jsonl", "".join(json.dumps(r) + "\n" for r in RECORDED))


@pytest.fixture
def scored(transcript, mini_instrument, scripted_judge, tmp_path):
    cfg = ScoreConfig(
        source=transcript,
        instrument=str(mini_instrument),
        judges=[f"scripted:{scripted_judge}"],
        out=tmp_path / "runs",
    )
    run, inst, manifest = start_score(cfg)
    return execute_score(run, inst, manifest)


def test_matcher_records_the_runner_up_and_says_when_to_doubt(mini_instrument):
    matcher = ItemMatcher(load_instrument(mini_instrument)[0])
    clear = matcher.match("Would you ship code with known edge-case crashes?", None)
    assert (clear.item, clear.by, clear.runner_up) == ("q2", "text", "q3") and clear.doubt() is None
    weak = matcher.match("Prototype ship?", None)
    assert (weak.item, weak.runner_up) == ("q2", "q1")
    assert "low similarity" in (weak.doubt() or "") and "ambiguous (q1" in (weak.doubt() or "")
    assert matcher.match(Q1, "q1") == Match("q1", 1.0, "id") and Match("q1", 1.0, "id").doubt() is None
    assert "judged on every dimension" in (matcher.match("Your favourite food?", None).doubt() or "")
    # each rule on its own, at the named constants
    low = THRESHOLD + LOW_MARGIN - 0.01
    assert (
        Match("q1", low, "text", "q2", low - 0.2).doubt()
        == f"low similarity (under {THRESHOLD + LOW_MARGIN:.2f})"
    )
    close = 0.8 - AMBIGUOUS_MARGIN + 0.01
    assert Match("q1", 0.8, "text", "q2", close).doubt() == f"ambiguous (q2 is within {AMBIGUOUS_MARGIN:.2f})"
    assert Match("q1", 0.8, "text", "q2", 0.8 - AMBIGUOUS_MARGIN - 0.01).doubt() is None


def test_match_score_shown_in_both_reports(scored):
    run = scored.run
    md, html = run.report_md.read_text(), run.report_html.read_text()
    for text in (md, html):
        assert "Instrument item: q1, labelled by the transcript." in text
        assert "Instrument item: q2, matched by similarity 1.00 (next: q3 0.13)." in text
        assert "Instrument item: q2, matched by similarity 0.25 (next: q1 0.21)." in text
        assert text.count("Check this match") == 1
        assert "low similarity (under 0.30); ambiguous (q1 is within 0.05)" in text


def test_terminal_warns_once_per_doubtful_match(transcript, mini_instrument, scripted_judge, tmp_path):
    res = rolecall_inproc(
        "score",
        str(transcript),
        "-i",
        str(mini_instrument),
        "-j",
        f"scripted:{scripted_judge}",
        "-o",
        str(tmp_path / "runs"),
        "--no-cache",
    )
    assert res.returncode == 0, res.stderr[-2000:]
    warnings = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: answer 'bob: answer-4' → instrument item q2, matched by similarity 0.25 (next: q1 0.21): "
        "low similarity (under 0.30); ambiguous (q1 is within 0.05)"
    ]
    # the calls line of a transcript: the judges' calls, no subject calls or subject latency
    out = " ".join(res.stdout.split())
    assert "4 recorded answers, no subject calls; 4 judge calls (0 cached), tokens in/out" in out
    assert "subject latency" not in out and "subject calls 4" not in out
    assert "transcript t · mini" in out


def test_same_item_for_two_respondents_scored_apart(scored, tmp_path):
    run = scored.run
    scores = [json.loads(line) for line in run.scores.read_text().splitlines()]
    by_item = {s["item"]: s["respondent"] for s in scores}
    assert by_item == {"ann: q1": "ann", "bob: q1": "bob", "ann: answer-3": "ann", "bob: answer-4": "bob"}
    assert scored.summary["items"]["ann: q1"] and scored.summary["items"]["bob: q1"]
    out = tmp_path / "x.csv"
    export([run.path], out, "csv")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["item"], r["respondent"], r["instrument_item"]) for r in rows if r["item"].endswith("q1")} == {
        ("ann: q1", "ann", "q1"),
        ("bob: q1", "bob", "q1"),
    }


def test_summary_names_the_transcript_as_source(scored, transcript, run_scripted):
    s = scored.summary
    assert s["persona"] is None
    assert s["source"] == {"kind": "transcript", "name": "t", "path": str(transcript.resolve()), "answers": 4}
    assert s["calls"]["subject_calls"] == 0 and s["calls"]["latency_p50_s"] is None
    assert scored.run.report_md.read_text().startswith("# Transcript t — Mini instrument\n")
    assert "| Source | recorded transcript t (4 answers) |" in scored.run.report_md.read_text()
    assert "4 recorded answers, no subject calls; 4 judge calls" in scored.run.report_md.read_text()
    # an interview names its persona; a summary written before `source` existed still reads
    interview = run_scripted().summary
    assert interview["source"]["kind"] == "persona" and interview["persona"] == interview["source"]["name"]
    older = {k: v for k, v in s.items() if k != "source"}
    assert "source" not in read_versioned(RunDir(scored.run.path).summary, older, Summary, rebuild=None)
    schema = json.loads(rolecall_inproc("schema", "summary").stdout)
    assert "source" in schema["properties"] and "source" not in schema["required"]


def test_plural(write):
    assert [plural(n, "dimension") for n in (0, 1, 2)] == ["0 dimensions", "1 dimension", "2 dimensions"]
    assert plural(1, "query", "queries") == "1 query" and plural(3, "query", "queries") == "3 queries"
    persona = write("one.md", "# Solo\n\n## Role\nBuilds prototypes.\n")
    res = rolecall_inproc("validate", str(persona))
    assert res.returncode == 0, res.stderr
    assert "1 section" in res.stdout and "1 sections" not in res.stdout
