"""CLI-level fuzz: mutated inputs to `validate`, `score` and `run` end in exit 0, or exit 2 with one
line on stderr naming the file; never a traceback, never a run directory (or a staging folder)
left behind by a refused command.

Each example calls the `rolecall` entry point in-process (``tests/faults/cli.py``): the same
``main`` the console script runs, with its exit code and stderr captured; an exception escaping
``main`` fails the test as a traceback would. `test_inproc_agrees_with_subprocess` checks that
the in-process calls see what a real process sees.
"""

import json
import os
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.faults.cli import one_line_error, rolecall_inproc, rolecall_subprocess
from tests.faults.test_fuzz_inputs import mutate

REPO = Path(__file__).resolve().parents[2]
PERSONA = (REPO / "examples/personas/ml-engineer.md").read_text()
#: ROLECALL_FUZZ_EXAMPLES=500 for a longer hunt; the suite keeps it short (each run is ~0.1 s)
SETTINGS = settings(
    max_examples=int(os.environ.get("ROLECALL_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
JUDGE = """\
rules: []
default: '{"evidence": "prototype", "indicators_seen": [], "reasoning": "r", "score": 4}'
"""
SUBJECT = """\
rules:
  - when: "recommender"
    reply: "I would start with a quick prototype and a simple baseline."
default: "I would test the hypothesis first with a prototype."
"""
TRANSCRIPTS = {
    ".jsonl": "".join(
        json.dumps({"item": f"q{i}", "respondent": "r1", "question": q, "answer": a}) + "\n"
        for i, (q, a) in enumerate(
            [
                ("How would you scope a recommender prototype?", "A simple baseline first."),
                ("Would you ship code with known edge-case crashes?", "Yes, crashes are data."),
            ],
            start=1,
        )
    ),
    ".csv": 'item,question,answer\nq1,"How would you scope a recommender prototype?","A baseline, first."\n'
    'q2,Would you ship code with known crashes?,"Yes; ""crashes"" are data."\n',
    ".md": '# Interview\n\n### Question 1: "How would you scope a recommender prototype?"\n\n'
    "A simple baseline first.\n\n### Question 2: Would you ship with known crashes?\n\nYes.\n",
}


def _case_dir(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp_path))


def _check(res, out: Path, *, names: list[Path]) -> None:
    """Exit 0 with one complete run directory, or a one-line exit 2 naming a file and no run."""
    if res.returncode == 0:
        runs = list(out.iterdir())
        assert len(runs) == 1 and (runs[0] / "summary.json").exists(), runs
        return
    line = one_line_error(res)
    assert line.startswith("error: ")
    assert any(str(n) in line for n in names), line
    assert not out.exists() or not list(out.iterdir()), list(out.iterdir())


@SETTINGS
@given(data=st.data(), kind=st.sampled_from(["persona", "instrument"]))
def test_validate_mutated_files(tmp_path, mini_instrument, data, kind):
    d = _case_dir(tmp_path)
    if kind == "persona":
        path = d / "p.md"
        path.write_text(mutate(PERSONA, data))
    else:
        path = d / "i.yaml"
        path.write_text(mutate(mini_instrument.read_text(), data))
    res = rolecall_inproc("validate", str(path))
    if res.returncode == 0:
        assert res.stdout.startswith(f"ok  {path}")
    else:
        line = one_line_error(res)
        # a persona's hypothesis names a built-in instrument; its errors name that file
        assert str(path) in line or "builtin" in line, line


@pytest.mark.slow
@SETTINGS
@given(data=st.data(), suffix=st.sampled_from(sorted(TRANSCRIPTS)))
def test_score_mutated_transcripts(tmp_path, mini_instrument, data, suffix):
    d = _case_dir(tmp_path)
    judge = d / "judge.yaml"
    judge.write_text(JUDGE)
    path = d / f"t{suffix}"
    path.write_text(mutate(TRANSCRIPTS[suffix], data))
    out = d / "runs"
    res = rolecall_inproc(
        "score",
        str(path),
        "-i",
        str(mini_instrument),
        "--judge",
        f"scripted:{judge}",
        "--no-cache",
        "-o",
        str(out),
    )
    _check(res, out, names=[path])


spec_noise = st.text(alphabet=string.printable, max_size=40)


@pytest.mark.slow
@SETTINGS
@given(data=st.data(), target=st.sampled_from(["persona", "instrument", "model"]))
def test_run_mutated_inputs(tmp_path, mini_persona, mini_instrument, data, target):
    d = _case_dir(tmp_path)
    subject, judge = d / "subject.yaml", d / "judge.yaml"
    subject.write_text(SUBJECT)
    judge.write_text(JUDGE)
    persona, instrument = d / "persona.md", d / "mini.yaml"
    persona.write_text(mini_persona.read_text())
    instrument.write_text(mini_instrument.read_text())
    spec = f"scripted:{subject}"
    names = [persona, instrument, subject]
    if target == "persona":
        persona.write_text(mutate(persona.read_text(), data))
    elif target == "instrument":
        instrument.write_text(mutate(instrument.read_text(), data))
    else:
        spec = data.draw(st.sampled_from([spec, "scripted:", "replay:", "openai:", "x:"])) + data.draw(
            spec_noise
        )
        # never the real embedded model or a network provider: those are covered elsewhere
        assume(spec.strip().partition(":")[0] not in {"local", "openai", "anthropic"})
    out = d / "runs"
    res = rolecall_inproc(
        "run", str(persona), "-i", str(instrument), "--model", spec, "--judge", f"scripted:{judge}",
        "--no-cache", "-o", str(out),
    )  # fmt: skip
    if res.returncode == 2 and target == "model":
        line = one_line_error(res)
        assert not out.exists() or not list(out.iterdir())
        assert "model" in line or "spec" in line or "file" in line or "provider" in line, line
        return
    _check(res, out, names=names)


def test_inproc_agrees_with_subprocess(tmp_path, write):
    bad = write("bad.md", "---\nhypothesis: [\n---\n# T\n")
    a, b = rolecall_inproc("validate", str(bad)), rolecall_subprocess("validate", str(bad))
    assert (a.returncode, a.stderr) == (b.returncode, b.stderr)
    one_line_error(a, f"{bad}:")


def test_newlines_in_names_stay_on_one_line(tmp_path, mini_persona, mini_instrument):
    """Found by the fuzz: a spec or file name holding a newline split the error over two lines."""
    res = rolecall_inproc(
        "run", str(mini_persona), "-i", str(mini_instrument), "--model", "scripted:x.yaml\n0"
    )
    one_line_error(res, "x.yaml\\n0")
    bad = tmp_path / "two\nlines.jsonl"
    bad.write_text("not json\n")
    res = rolecall_inproc("score", str(bad), "-i", str(mini_instrument), "-o", str(tmp_path / "runs"))
    one_line_error(res, "two\\nlines.jsonl:1: invalid JSON")
    assert not (tmp_path / "runs").exists()
