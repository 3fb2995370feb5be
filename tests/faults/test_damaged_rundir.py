"""Damaged run-directory files give one line naming the file (and line), exit 2, no traceback."""

import shutil
import subprocess
import sys

import pytest


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rolecall", *args], capture_output=True, text=True)


@pytest.fixture
def done_run(run_scripted, tmp_path):
    out = run_scripted(epochs=2)
    return out.run.path


def _damage_line(path, number: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[number - 1] = "{not json\n"
    path.write_text("".join(lines))


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("scores.jsonl", "report"),
        ("transcript.jsonl", "report"),
        ("scores.jsonl", "export"),
        ("transcript.jsonl", "resume"),
    ],
)
def test_bad_line_in_the_middle_is_refused(done_run, tmp_path, name, command):
    _damage_line(done_run / name, 2)
    if command == "resume":
        proc = _cli("run", "--resume", str(done_run), "--no-track")
    elif command == "export":
        proc = _cli("export", str(done_run), "--out", str(tmp_path / "x.csv"), "--format", "csv")
    else:
        proc = _cli(command, str(done_run))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and f"{name}:2:" in errors[0]


def test_torn_last_line_is_still_tolerated(done_run):
    with (done_run / "scores.jsonl").open("a") as f:
        f.write('{"item": "q1", "epo')
    proc = _cli("report", str(done_run))
    assert proc.returncode == 0, proc.stderr


def test_check_on_invalid_summary(done_run):
    (done_run / "summary.json").write_text("{bad")
    proc = _cli("check", str(done_run))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "summary.json" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_compare_with_one_damaged_run(done_run, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(done_run, other)
    _damage_line(other / "scores.jsonl", 3)
    (other / "summary.json").unlink()
    proc = _cli("compare", str(done_run), str(other), "--out", str(tmp_path / "cmp"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
