"""`rolecall check` exit codes and `rolecall compare` outputs, on scripted runs."""

import json

import pytest

from rolecall.pipeline import RunConfig, execute_run, start_run
from tests.cli.test_cli import rolecall


def _run(persona, instrument, subject, judge, out):
    cfg = RunConfig(
        persona=persona,
        instrument=str(instrument),
        model=f"scripted:{subject}",
        judges=[f"scripted:{judge}"],
        out=out,
        epochs=2,
    )
    run, p, inst, manifest = start_run(cfg)
    return execute_run(run, p, inst, manifest).run.path


def _persona(write, expect: str):
    return write(
        "p.md",
        f"""
        ---
        hypothesis:
          instrument: mini
          expect: {expect}
        ---
        # Research Engineer
        ## Role
        Builds quick prototypes.
        """,
    )


@pytest.mark.parametrize(
    ("expect", "strict", "code", "verdict"),
    [
        ('{scope: ">=4"}', False, 0, "validated"),
        ('{scope: "<=2"}', False, 1, "not validated"),
        ('{risk: "3..5"}', False, 1, "inconclusive"),  # interval [2, 4] straddles 3: nothing met
        ('{scope: ">=4", risk: "3..5"}', False, 0, "partially validated"),
        ('{scope: ">=4", risk: "3..5"}', True, 1, "partially validated"),
    ],
)
def test_check_exit_codes(
    write, mini_instrument, scripted_subject, scripted_judge, tmp_path, expect, strict, code, verdict
):
    run = _run(_persona(write, expect), mini_instrument, scripted_subject, scripted_judge, tmp_path / "runs")
    summary = json.loads((run / "summary.json").read_text())
    assert summary["hypothesis"]["verdict"] == verdict
    proc = rolecall("check", str(run), *(["--strict"] if strict else []))
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert f"hypothesis: {verdict}" in proc.stdout


def test_check_without_hypothesis_is_error(
    write, mini_instrument, scripted_subject, scripted_judge, tmp_path
):
    persona = write("plain.md", "# P\n## Role\nx\n")
    run = _run(persona, mini_instrument, scripted_subject, scripted_judge, tmp_path / "runs")
    proc = rolecall("check", str(run))
    assert proc.returncode == 2 and "no hypothesis verdict" in proc.stderr


def test_compare_two_runs(write, mini_instrument, scripted_subject, scripted_judge, tmp_path):
    a = _run(
        _persona(write, '{scope: ">=4"}'), mini_instrument, scripted_subject, scripted_judge, tmp_path / "a"
    )
    low_judge = write(
        "low.yaml",
        """
        rules: []
        default: '{"evidence": "x", "indicators_seen": [], "reasoning": "r", "score": 1}'
        """,
    )
    b = _run(_persona(write, '{scope: ">=4"}'), mini_instrument, scripted_subject, low_judge, tmp_path / "b")
    proc = rolecall("compare", str(a), str(b), "--out", str(tmp_path / "cmp"))
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    scope = result["comparisons"][0]["dimensions"]["scope"]
    assert scope["diff"] < -2 and scope["n_pairs"] == 2 and scope["cliffs_delta"] == -1.0
    assert (tmp_path / "cmp" / "compare.md").read_text().startswith("# Comparison")
    assert "<svg" in (tmp_path / "cmp" / "compare.html").read_text()


def test_compare_needs_two_runs(tmp_path):
    proc = rolecall("compare", str(tmp_path))
    assert proc.returncode == 2 and "at least two" in proc.stderr
