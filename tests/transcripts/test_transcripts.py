"""Recorded answers in JSONL, CSV and Markdown: parsed, scored, reported safely."""

import json

import pytest

from rolecall.errors import RolecallError
from rolecall.rundir import TurnRecord, read_records
from rolecall.score_run import ScoreConfig, execute_score, start_score
from rolecall.transcripts import load_transcript

MD = """# Interview notes

### Question 12: "Would you ship code with known edge-case crashes?"
Crashes on edge cases are data, not failure. I said `### not a heading` once.

```
### Question 99: inside a fence, not a question
```

    ### Question 98: an indented code block, not a heading

~~~md
### Question 97: inside a tilde fence
~~~

### ??? Question 13: How would you scope a recommender prototype?
I'd start with a **simple baseline**. <script>alert("x")</script>

## Other section
not part of an answer
"""


def test_markdown_transcript(write):
    t = load_transcript(write("t.md", MD))
    assert [a.item for a in t.answers] == ["Question 12", "Question 13"]
    assert t.answers[0].question == "Would you ship code with known edge-case crashes?"
    assert "`### not a heading`" in t.answers[0].answer
    assert all(f"Question {n}" in t.answers[0].answer for n in (99, 98, 97))
    assert "<script>" in t.answers[1].answer and "Other section" not in t.answers[1].answer


def test_jsonl_and_csv(write):
    j = write(
        "t.jsonl",
        '{"question": "Q one?", "answer": "A one.", "item": "a1", "respondent": "ann"}\n'
        '{"question": "Q two?", "answer": "A two."}\n',
    )
    c = write("t.csv", 'question,answer,item\n"Q one?","A one, with comma.",a1\n"Q two?","A ""two"".",\n')
    tj, tc = load_transcript(j), load_transcript(c)
    assert [a.item for a in tj.answers] == ["a1", None] and tj.answers[0].respondent == "ann"
    assert tc.answers[0].answer == "A one, with comma." and tc.answers[1].answer == 'A "two".'


@pytest.mark.parametrize(
    ("name", "text", "line", "fragment"),
    [
        ("b.jsonl", '{"question": "q", "answer": "a"}\n{"question": "q"\n', 2, "invalid JSON"),
        ("b.jsonl", '{"question": "q", "answer": ""}\n', 1, "missing 'answer'"),
        ("b.jsonl", '{"question": "q", "answer": "a", "score": 5}\n', 1, "unknown field 'score'"),
        ("b.csv", "q,a\nx,y\n", 1, "header row"),
        ("b.md", "# nothing here\n", 1, "no question headings"),
        ("b.md", "### Question 1: q\n### Question 2: r\nanswer\n", 1, "Question 1 has no answer"),
        ("b.txt.docx", "x", None, "unknown transcript format"),
    ],
)
def test_bad_transcripts(write, name, text, line, fragment):
    path = write(name, text)
    with pytest.raises(RolecallError) as info:
        load_transcript(path)
    assert fragment in str(info.value)
    if line:
        assert str(info.value).startswith(f"{path}:{line}:")


def test_score_markdown_transcript_end_to_end(write, mini_instrument, scripted_judge, tmp_path):
    path = write("t.md", MD)
    cfg = ScoreConfig(
        source=path,
        instrument=str(mini_instrument),
        judges=[f"scripted:{scripted_judge}"],
        out=tmp_path / "runs",
    )
    run, inst, manifest = start_score(cfg)
    out = execute_score(run, inst, manifest)
    turns = [t for t in read_records(run.transcript, TurnRecord) if t.role == "user"]
    by_item = {t.item: t for t in turns}
    assert set(by_item) == {"Question 12", "Question 13"}
    assert by_item["Question 13"].instrument_item == "q1" and by_item["Question 13"].match_score > 0.2
    assert by_item["Question 12"].instrument_item == "q2"
    scores = [json.loads(line) for line in run.scores.read_text().splitlines()]
    assert {s["item"] for s in scores} == {"Question 12", "Question 13"}
    assert out.summary["dimensions"]["scope"]["n"] == 1
    html = run.report_html.read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    md = run.report_md.read_text()
    assert "<script>" not in md


def test_replay_transcript_as_subject(write, mini_persona, mini_instrument, scripted_judge, tmp_path):
    from rolecall.pipeline import RunConfig, execute_run, start_run

    t = write(
        "rec.jsonl",
        '{"question": "How would you scope a prototype for a recommender?", "answer": "A simple baseline first."}\n'
        '{"question": "Would you ship code with known crashes on edge cases?", "answer": "Yes, crashes are data."}\n',
    )
    cfg = RunConfig(
        persona=mini_persona,
        instrument=str(mini_instrument),
        model=f"replay:{t}",
        judges=[f"scripted:{scripted_judge}"],
        out=tmp_path / "runs",
    )
    run, p, inst, manifest = start_run(cfg)
    out = execute_run(run, p, inst, manifest)
    answers = {r.item: r.text for r in read_records(run.transcript, TurnRecord) if r.role == "assistant"}
    assert answers["q1"] == "A simple baseline first."
    assert answers["q2"] == "Yes, crashes are data."  # follow-up skipped: a recording cannot answer it
    # q3 ("Your prototype crashes on edge cases. Is it a success?") has no close recorded question
    # or matches one; either way nothing is invented
    assert set(answers) <= {"q1", "q2", "q3"}
    assert manifest.subject_model.identity.startswith("transcript:sha256:")
    assert out.summary["failures"]["interview"] == 3 - len(answers)
