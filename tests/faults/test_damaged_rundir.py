"""Damaged run-directory files give one line naming the file (and line), exit 2, no traceback.

A torn last line (what a crash leaves) is still skipped on read and cut off on resume; a bad line
anywhere else, the last one included when it is complete, is refused. `test_fuzz_rundir.py` runs
the whole matrix of files × damage × commands; these are the named cases, in a real process.
"""

import json
import shutil

import pytest

from rolecall.errors import RolecallError
from rolecall.rundir import ScoreRecord, TurnRecord, read_records
from tests.faults.cli import one_line_error, rolecall_inproc, rolecall_subprocess


@pytest.fixture
def done_run(run_scripted, tmp_path):
    out = run_scripted(epochs=2)
    return out.run.path


def _damage_line(path, number: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    assert 1 < number < len(lines)  # a middle line
    lines[number - 1] = "{not json\n"
    path.write_text("".join(lines))


def _command(command: str, run, tmp_path) -> list[str]:
    return {
        "resume": ["run", "--resume", str(run), "--no-track"],
        "export": ["export", str(run), "--out", str(tmp_path / "x.csv"), "--format", "csv"],
        "report": ["report", str(run)],
    }[command]


@pytest.mark.parametrize("name", ["transcript.jsonl", "scores.jsonl"])
@pytest.mark.parametrize("command", ["report", "export", "resume"])
def test_bad_line_in_the_middle_is_refused(done_run, tmp_path, name, command):
    _damage_line(done_run / name, 2)
    before = (done_run / name).read_bytes()
    res = rolecall_inproc(*_command(command, done_run, tmp_path))
    one_line_error(res, f"{name}:2:", "error: ")
    assert (done_run / name).read_bytes() == before  # refused, not repaired or appended to
    assert not (tmp_path / "x.csv").exists()


def test_bad_line_in_the_middle_is_refused_by_a_real_process(done_run, tmp_path):
    _damage_line(done_run / "transcript.jsonl", 3)
    one_line_error(rolecall_subprocess(*_command("resume", done_run, tmp_path)), "transcript.jsonl:3:")


def test_torn_last_line_is_still_tolerated(done_run):
    with (done_run / "scores.jsonl").open("a") as f:
        f.write('{"item": "q1", "epo')
    res = rolecall_inproc("report", str(done_run))
    assert res.returncode == 0, res.stderr


def test_resume_cuts_a_torn_last_line_and_finishes(done_run):
    path = done_run / "transcript.jsonl"
    intact = path.read_bytes()
    path.write_bytes(intact + '{"item": "q2", "text": "caf\u00e9'.encode()[:-1])  # torn inside "é"
    res = rolecall_inproc("run", "--resume", str(done_run), "--no-track")
    assert res.returncode == 0, res.stderr
    assert path.read_bytes().startswith(intact) and path.read_bytes().endswith(b"\n")
    list(read_records(path, TurnRecord))  # every line whole again


def test_check_on_invalid_summary(done_run):
    (done_run / "summary.json").write_text("{bad")
    res = rolecall_subprocess("check", str(done_run))
    one_line_error(res, "summary.json:1:", "not valid JSON", "rolecall report")


@pytest.mark.parametrize("damage", ["transcript", "summary"])
def test_compare_with_one_damaged_run(done_run, tmp_path, damage):
    """compare reads each run's summary.json (item means) and transcript.jsonl (phrases)."""
    other = tmp_path / "other"
    shutil.copytree(done_run, other)
    if damage == "transcript":
        _damage_line(other / "transcript.jsonl", 3)
        expect = "transcript.jsonl:3:"
    else:
        summary = json.loads((other / "summary.json").read_text())
        summary["dimensions"]["scope"]["mean"] = "high"
        (other / "summary.json").write_text(json.dumps(summary))
        expect = "summary.json"
    res = rolecall_inproc("compare", str(done_run), str(other), "--out", str(tmp_path / "cmp"))
    line = one_line_error(res, expect)
    assert str(other) in line
    assert not (tmp_path / "cmp" / "compare.json").exists()


def test_label_cuts_a_torn_last_label(done_run, monkeypatch):
    import rolecall.labelling.server

    monkeypatch.setattr(rolecall.labelling.server, "serve", lambda *a, **k: None)
    label = {"item": "q1", "epoch": 0, "subject": "persona", "dimension": "scope", "score": 4, "rater": "ana"}
    whole = json.dumps(label) + "\n"
    (done_run / "labels.jsonl").write_text(whole + whole[:25])  # a crash mid-append
    res = rolecall_inproc("label", str(done_run), "--rater", "ana")
    assert res.returncode == 0, res.stderr
    assert (done_run / "labels.jsonl").read_text() == whole


# ---------------------------------------------------------------- read_records


def _write(tmp_path, *lines: bytes):
    path = tmp_path / "scores.jsonl"
    path.write_bytes(b"".join(lines))
    return path


REC = json.dumps({"item": "q1", "epoch": 0, "dimension": "scope", "judge": "j", "score": 4.0}).encode()


def test_read_records_skips_only_a_torn_last_line(tmp_path):
    assert len(list(read_records(_write(tmp_path, REC + b"\n", REC[:20]), ScoreRecord))) == 1
    # torn in the middle of a multi-byte character: still just a torn line
    torn = REC[:-2] + ' "é'.encode()[:-1]
    assert len(list(read_records(_write(tmp_path, REC + b"\n", torn), ScoreRecord))) == 1
    # a torn line that happens to parse is a record (resume cuts it and asks again)
    assert len(list(read_records(_write(tmp_path, REC + b"\n", REC), ScoreRecord))) == 2


@pytest.mark.parametrize(
    ("lines", "where"),
    [
        ((REC + b"\n", b"{not json\n", REC + b"\n"), ":2"),
        ((REC + b"\n", REC.replace(b"q1", b"q\xff") + b"\n", REC + b"\n"), ":2"),
        ((REC + b"\n", b"[1, 2]\n", REC + b"\n"), ":2"),
        ((REC + b"\n", REC.replace(b'"j"', b"[1]") + b"\n", REC + b"\n"), ":2"),
        ((REC + b"\n", REC + b"\n", b"{not json\n"), ":3"),  # complete, so not torn by a crash
        ((b"\x00\x01binary\n", REC + b"\n"), ":1"),
    ],
    ids=["json", "utf8", "type", "field", "complete-last", "binary"],
)
def test_read_records_refuses_any_other_bad_line(tmp_path, lines, where):
    path = _write(tmp_path, *lines)
    with pytest.raises(RolecallError) as err:
        list(read_records(path, ScoreRecord))
    assert str(err.value).startswith(f"{path}{where}: ")
    assert "\n" not in str(err.value)


def test_read_records_passes_over_blank_lines(tmp_path):
    path = _write(tmp_path, REC + b"\n", b"\n", b"  \n", REC + b"\n")
    assert len(list(read_records(path, ScoreRecord))) == 2


def test_a_failed_append_leaves_no_torn_line_behind(tmp_path, monkeypatch):
    """A short write then an error (a full disk): the file is cut back to its last whole line."""
    import errno
    import os

    from rolecall.rundir import append_records

    path = tmp_path / "scores.jsonl"
    record = ScoreRecord.model_validate_json(REC)
    append_records(path, [record])
    intact = path.read_bytes()
    real_write = os.write
    calls = []

    def short_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", short_then_full)
    with pytest.raises(OSError):
        append_records(path, [record, record])
    monkeypatch.undo()
    assert calls and path.read_bytes() == intact
    append_records(path, [record])
    assert len(list(read_records(path, ScoreRecord))) == 2
