"""The installed `rolecall` command, run as a user would, in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def rolecall(*args: str, env_extra: dict | None = None, cwd: Path | None = None):
    env = {**os.environ, **(env_extra or {})}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "rolecall", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def assert_one_line_error(proc, fragment: str):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0], lines[0]


@pytest.mark.slow
def test_run_with_scripted_models(mini_persona, mini_instrument, scripted_subject, scripted_judge, tmp_path):
    proc = rolecall(
        "run",
        str(mini_persona),
        "-i",
        str(mini_instrument),
        "--model",
        f"scripted:{scripted_subject}",
        "--judge",
        f"scripted:{scripted_judge}",
        "--out",
        str(tmp_path / "runs"),
    )
    assert proc.returncode == 0, proc.stderr
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert set(summary["dimensions"]) == {"scope", "risk"}
    assert "hypothesis:" in proc.stdout
    check = rolecall("check", str(runs[0]))
    assert check.returncode in (0, 1)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "missing.md"], "missing.md: persona file not found"),
        (
            ["run", "{persona}", "-i", "{instrument}", "--model", "gpt"],
            "unknown model provider 'gpt'",
        ),
        (["run", "{persona}", "-i", "nope"], "unknown instrument 'nope'"),
        (
            ["run", "{persona}", "-i", "{instrument}", "--epochs", "0"],
            "--epochs must be at least 1",
        ),
        (["run", "--resume", "/nonexistent"], "not a run directory"),
        (["check", "/nonexistent"], "no summary.json"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, fragment, mini_persona, mini_instrument, tmp_path):
    args = [
        a.replace("{persona}", str(mini_persona)).replace("{instrument}", str(mini_instrument)) for a in args
    ]
    proc = rolecall(*args, "--out", str(tmp_path)) if args[0] == "run" else rolecall(*args)
    assert_one_line_error(proc, fragment)
    assert not (tmp_path / "runs").exists()


def test_unknown_hypothesis_dimension(write, mini_instrument):
    persona = write(
        "p.md",
        """
        ---
        hypothesis:
          instrument: mini
          expect: {speed: ">=4"}
        ---
        # P
        ## Role
        x
        """,
    )
    proc = rolecall("run", str(persona), "-i", str(mini_instrument), "--model", "scripted:x")
    assert_one_line_error(proc, f"{persona}:4: hypothesis names unknown dimension 'speed'")


def test_validate_reports_each_file(mini_persona, mini_instrument, write):
    bad = write("bad.md", "no title\n")
    proc = rolecall("validate", str(mini_persona), str(mini_instrument), str(bad))
    assert proc.returncode == 2
    assert "ok" in proc.stdout and "instrument mini" in proc.stdout
    assert f"{bad}:1:" in proc.stderr


def test_validate_examples():
    proc = rolecall("validate", *map(str, sorted((REPO / "examples/personas").glob("*.md"))))
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_instruments_lists_builtins():
    proc = rolecall("instruments")
    assert proc.returncode == 0
    assert "research-orientation" in proc.stdout
    schema = rolecall("instruments", "--schema")
    assert json.loads(schema.stdout)["title"] == "Instrument"
