"""`rolecall check` exit codes and `rolecall compare` outputs, on scripted runs."""

import json

import pytest

from tests.cli.test_cli import rolecall


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
def test_check_exit_codes(write, run_scripted, expect, strict, code, verdict):
    run = run_scripted(persona=_persona(write, expect), epochs=2).run.path
    summary = json.loads((run / "summary.json").read_text())
    assert summary["hypothesis"]["verdict"] == verdict
    proc = rolecall("check", str(run), *(["--strict"] if strict else []))
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert f"hypothesis: {verdict}" in proc.stdout


def test_check_without_hypothesis_is_error(write, run_scripted):
    persona = write("plain.md", "# P\n## Role\nx\n")
    run = run_scripted(persona=persona, epochs=2).run.path
    proc = rolecall("check", str(run))
    assert proc.returncode == 2 and "no hypothesis verdict" in proc.stderr


@pytest.mark.slow
def test_compare_two_runs(write, run_scripted, tmp_path):
    persona = _persona(write, '{scope: ">=4"}')
    a = run_scripted(persona=persona, epochs=2, out=tmp_path / "a").run.path
    low_judge = write(
        "low.yaml",
        """
        rules: []
        default: '{"evidence": "x", "indicators_seen": [], "reasoning": "r", "score": 1}'
        """,
    )
    b = run_scripted(persona=persona, judge=low_judge, epochs=2, out=tmp_path / "b").run.path
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
