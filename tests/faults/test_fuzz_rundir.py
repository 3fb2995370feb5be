"""Run-directory fuzz: every file rolecall reads back × seeded damage × every command that reads it.

One real run directory is made with the scripted subject and judge (plus labels, agreement.json,
narrative.json and failure records), then for each case a copy is damaged and one command runs on
it. Every case must end in exit 0 or exit 2, never a traceback; a damaged file the command needs
must give exit 2 and exactly one line on stderr naming the file (and the line, for a bad line of a
JSONL file). Exit 0 is expected where the command does not read the file, and accepted where the
damage is one a crash can leave (a torn last line, which is repaired) or a missing optional file.

The commands run in-process through ``rolecall.cli.main.main`` (``tests/faults/cli.py``), as the
console script runs it, so the exit code and stderr are what a user sees; an exception escaping
``main`` is recorded as the traceback it would print. A few cases also run in a real subprocess
(``test_subprocess_agrees``). The whole matrix (890 cases, about 80 s on 2 cores) is marked slow;
the fast tier runs a fixed sample of it. ``ROLECALL_FUZZ_FIELDS=40`` tries 40 seeded fields per
field mutation instead of 4, for a longer hunt.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import traceback
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rolecall.labels import LabelRecord, append_labels
from rolecall.rundir import FailureRecord, RelevanceRecord, ScoreRecord, append_records, read_records
from rolecall.rundir.records import DimensionRelevance, SessionScoreRecord, SessionStop
from tests.conftest import MINI_INSTRUMENT, MINI_PERSONA, SCRIPTED_JUDGE, SCRIPTED_SUBJECT
from tests.faults.cli import Result, rolecall_inproc, rolecall_subprocess

JSON_FILES = ["manifest.json", "summary.json", "timing.json", "agreement.json", "narrative.json"]
JSONL_FILES = [
    "transcript.jsonl",
    "scores.jsonl",
    "failures.jsonl",
    "labels.jsonl",
    "relevance.jsonl",
    "sessions.jsonl",
    "session_scores.jsonl",
]
FILES = JSON_FILES + JSONL_FILES

#: the files each command reads back (and so must refuse when damaged)
_RESULTS = {"transcript.jsonl", "scores.jsonl", "failures.jsonl", "timing.json", "agreement.json"}
#: record files of ranking and session instruments, which the mini run stands in for (one line
#: each); every command that checks all record files up front refuses them damaged
_SIDE_RECORDS = {"relevance.jsonl", "sessions.jsonl", "session_scores.jsonl"}
NEEDS: dict[str, set[str]] = {
    # summarize reads the session files of any run (a session instrument's are never absent)
    "report": {"manifest.json", "narrative.json", "sessions.jsonl", "session_scores.jsonl", *_RESULTS},
    "score": {"manifest.json", "narrative.json", *_SIDE_RECORDS, *_RESULTS},
    "resume": {"manifest.json", "narrative.json", *_SIDE_RECORDS, *_RESULTS},
    # agreement rewrites agreement.json before reading it back
    "agreement": {
        "manifest.json",
        "labels.jsonl",
        "narrative.json",
        *_SIDE_RECORDS,
        *(_RESULTS - {"agreement.json"}),
    },
    "calibrate": {"manifest.json", "labels.jsonl", "scores.jsonl", "transcript.jsonl"},
    "label": {"manifest.json", "labels.jsonl", "scores.jsonl", "transcript.jsonl"},
    "export": {"manifest.json", "scores.jsonl", "transcript.jsonl"},
    "check": {"summary.json"},
    "compare": {"summary.json", "transcript.jsonl"},
    "rerun": {"summary.json", "manifest.json"},
}
#: files a command requires; any other may be missing (an interrupted run, nothing failed, ...)
REQUIRED: dict[str, set[str]] = {
    "agreement": {"labels.jsonl"},
    "calibrate": {"labels.jsonl"},
    "check": {"summary.json"},
    "compare": {"summary.json"},
    "rerun": {"summary.json"},
}
#: (file, mutation) whose error names the file but not the line, with where to fix it
LINE_NOT_NAMED = {
    # labels.read_labels decodes the whole file first (yamlio.read_text) and names the byte
    ("labels.jsonl", "flip"): "src/rolecall/labels.py: name the line of a non-UTF-8 byte",
}
COMMANDS = list(NEEDS)
FIELD_MUTATIONS = {"wrong_field", "no_field"}
MUTATIONS = [
    "truncate",
    "flip",
    "brace",
    "binary",
    "empty",
    "wrong_type",
    "wrong_field",
    "no_field",
    "delete",
]
#: the seeded field mutations (wrong type, removed) pick a different field per variant
FIELD_VARIANTS = int(os.environ.get("ROLECALL_FUZZ_FIELDS", "4"))


@dataclass(frozen=True)
class Case:
    command: str
    file: str
    mutation: str
    variant: int = 0

    def __str__(self) -> str:
        v = f"#{self.variant}" if self.mutation in FIELD_MUTATIONS else ""
        return f"{self.command} / {self.file} / {self.mutation}{v}"


# ---------------------------------------------------------------- the run directory


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished scripted run with labels by two raters, agreement.json, narrative.json, failures."""
    root = tmp_path_factory.mktemp("fuzz-rundir")
    for name, text in [
        ("mini.yaml", MINI_INSTRUMENT),
        ("persona.md", MINI_PERSONA),
        ("subject.yaml", SCRIPTED_SUBJECT),
        ("judge.yaml", SCRIPTED_JUDGE),
        ("writer.yaml", 'rules: []\ndefault: "The persona leans research-first on scope."\n'),
    ]:
        (root / name).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, root / "env")
        res = rolecall_inproc(
            "run", str(root / "persona.md"), "--instrument", str(root / "mini.yaml"),
            "--model", f"scripted:{root / 'subject.yaml'}", "--judge", f"scripted:{root / 'judge.yaml'}",
            "--epochs", "6", "--out", str(root / "runs"), "--no-cache",
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        (run,) = (root / "runs").iterdir()
        scores = list(read_records(run / "scores.jsonl", ScoreRecord))
        append_labels(run / "labels.jsonl", _labels(scores))
        append_records(
            run / "failures.jsonl",
            [
                FailureRecord(stage="interview", item="q1", epoch=0, model="scripted:x", reason="timed out"),
                FailureRecord(
                    stage="judge", item="q2", epoch=1, model="scripted:y", reason="bad", dimension="risk"
                ),
                FailureRecord(
                    stage="judge", item="q3", epoch=2, model="scripted:y", reason="bad", dimension="scope"
                ),
            ],
        )
        # relevance.jsonl is written for instruments that rank dimensions; the mini one does not,
        # so one record stands in for it (resume and score read it back)
        append_records(
            run / "relevance.jsonl",
            [
                RelevanceRecord(
                    item="q1",
                    epoch=0,
                    ranker="all-MiniLM-L6-v2",
                    dimensions=[DimensionRelevance(dimension="scope", relevance=0.4, quote="I scope.")],
                )
            ],
        )
        append_records(run / "sessions.jsonl", [SessionStop(epoch=0, context_exhausted_at=9)])
        append_records(
            run / "session_scores.jsonl",
            [SessionScoreRecord(epoch=0, dimension="scope", judge="semantic", turns_read=8, score=3.0)],
        )
        _fast_agreement(mp)
        for args in (
            ["agreement", str(run)],
            ["report", str(run), "--writer", f"scripted:{root / 'writer.yaml'}"],
        ):
            res = rolecall_inproc(*args)
            assert res.returncode == 0, res.stderr
    for name in FILES:
        assert (run / name).exists(), name
    return run


def _labels(scores: list[ScoreRecord]) -> list[LabelRecord]:
    """Two raters on every verdict, disagreeing a little; a few "no evidence"."""
    out = []
    for i, s in enumerate(scores):
        for rater in ("ana", "bo"):
            score = None if (rater == "bo" and i % 9 == 4) else 1 + (i + (rater == "bo")) % 5
            key = {"item": s.item, "epoch": s.epoch, "subject": s.subject, "dimension": s.dimension}
            out.append(LabelRecord(**key, score=score, rater=rater))
    return out


def _isolate(mp: pytest.MonkeyPatch, env: Path) -> None:
    mp.setenv("ROLECALL_CACHE_DIR", str(env / "cache"))
    mp.setenv("ROLECALL_DATA_DIR", str(env / "data"))
    mp.setenv("ROLECALL_NO_TRACK", "1")


def _fast_agreement(mp: pytest.MonkeyPatch) -> None:
    """Fewer bootstrap resamples for the Spearman interval: this fuzz is about reading files."""
    import rolecall.agreement

    mp.setattr(rolecall.agreement, "BOOTSTRAP", 40)


@pytest.fixture
def inproc(monkeypatch: pytest.MonkeyPatch) -> None:
    import rolecall.labelling.server

    _fast_agreement(monkeypatch)
    monkeypatch.setattr(rolecall.labelling.server, "serve", lambda *a, **k: None)  # no blocking server


# ---------------------------------------------------------------- mutations


def _rng(case: Case) -> random.Random:
    return random.Random(zlib.crc32(f"{case.file}|{case.mutation}|{case.variant}".encode()))


def _paths(node: Any, prefix: tuple[Any, ...] = (), depth: int = 4) -> list[tuple[Any, ...]]:
    """Every key path into a JSON value, up to ``depth`` levels."""
    out: list[tuple[Any, ...]] = []
    if depth == 0:
        return out
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        out.append((*prefix, k))
        out += _paths(v, (*prefix, k), depth - 1)
    return out


def _retype(value: Any) -> Any:
    """A value of another JSON type that no lax validation turns back into ``value``'s type."""
    return [1, "x"] if isinstance(value, dict) else {"wrong": [1]}


@dataclass
class Damage:
    """What a mutation did: the JSONL line it broke (1-based), if one line."""

    line: int | None = None
    torn_tail_only: bool = False


def mutate(path: Path, case: Case) -> Damage:
    rng = _rng(case)
    data = path.read_bytes()
    jsonl = path.suffix == ".jsonl"
    lines = data.splitlines(keepends=True)
    middle = max(1, (len(lines) + 1) // 2)  # 1-based; never the last line of a file of 3+ lines
    m = case.mutation
    if m == "delete":
        path.unlink()
        return Damage()
    if m == "empty":
        path.write_bytes(b"")
        return Damage()
    if m == "truncate":
        cut = rng.randrange(len(data) * 3 // 10, len(data) * 7 // 10)
        path.write_bytes(data[:cut])
        # in a JSONL file this is what a crash leaves: a torn last line, no damage before it
        return Damage(torn_tail_only=jsonl)
    if m == "flip":
        buf = bytearray(data)
        lo, hi = len(buf) // 3, 2 * len(buf) // 3
        at = sorted(rng.sample(range(lo, hi), 3))
        for i in at:
            buf[i] ^= 0x80  # an ASCII byte becomes a lone UTF-8 continuation or lead byte
        path.write_bytes(bytes(buf))
        return Damage(line=data[: at[0]].count(b"\n") + 1 if jsonl else None)
    if m == "binary":
        chunks = [rng.randbytes(rng.randrange(40, 200)) for _ in range(3)]
        path.write_bytes(b"\x00" + b"\n".join(chunks) + b"\n")
        return Damage()
    if m == "brace":
        if jsonl:
            text = lines[middle - 1].rstrip(b"\n")
            assert text.endswith(b"}")
            lines[middle - 1] = text[:-1] + b"\n"
            path.write_bytes(b"".join(lines))
            return Damage(line=middle)
        braces = [i for i, b in enumerate(data) if b == ord("}")]
        i = braces[rng.randrange(len(braces))]
        path.write_bytes(data[:i] + data[i + 1 :])
        return Damage()
    if m == "wrong_type":
        other = rng.choice([[1, 2], "text", 42, None, True])
        if jsonl:
            lines[middle - 1] = json.dumps(other).encode() + b"\n"
            path.write_bytes(b"".join(lines))
            return Damage(line=middle)
        path.write_text(json.dumps(other), encoding="utf-8")
        return Damage()
    if m in FIELD_MUTATIONS:
        obj = json.loads(lines[middle - 1] if jsonl else data)
        where = (rng.choice(sorted(obj)),) if jsonl else rng.choice(_paths(obj))
        parent = obj
        for k in where[:-1]:
            parent = parent[k]
        if m == "wrong_field":
            parent[where[-1]] = _retype(parent[where[-1]])
        else:
            del parent[where[-1]]
        if jsonl:
            lines[middle - 1] = json.dumps(obj).encode() + b"\n"
            path.write_bytes(b"".join(lines))
            return Damage(line=middle)
        path.write_text(json.dumps(obj, indent=2), encoding="utf-8")
        return Damage()
    raise AssertionError(m)


# ---------------------------------------------------------------- running a case


def _argv(command: str, run: Path, clean: Path, scratch: Path) -> list[str]:
    return {
        "report": ["report", str(run)],
        "score": ["score", str(run), "--no-cache"],
        "resume": ["run", "--resume", str(run), "--no-cache"],
        "agreement": ["agreement", str(run)],
        "calibrate": ["calibrate", str(run), "--out", str(scratch / "cal.json")],
        "label": ["label", str(run), "--rater", "ana"],
        "export": ["export", str(run), "--format", "csv", "--out", str(scratch / "x.csv")],
        "check": ["check", str(run)],
        "compare": ["compare", str(clean), str(run), "--out", str(scratch / "cmp")],
        "rerun": ["rerun", str(run), "--out", str(scratch / "rerun")],
    }[command]


def _call(argv: list[str]) -> Result:
    try:
        return rolecall_inproc(*argv)
    except BaseException:  # escaped main: in a real process this is a traceback
        return Result(1, "", traceback.format_exc())


def expectation(case: Case, damage: Damage) -> str:
    """'ok': exit as on the intact run; 'refuse': one-line exit 2 naming the file; 'either'."""
    if case.file not in NEEDS[case.command]:
        return "ok"
    if case.mutation == "delete":
        required = case.file == "manifest.json" or case.file in REQUIRED.get(case.command, set())
        return "refuse" if required else "either"
    if damage.torn_tail_only or (case.mutation == "empty" and case.file.endswith(".jsonl")):
        return "either"  # what a crash leaves, or a run with no records yet: may still work
    if case.mutation == "no_field" or (case.mutation == "wrong_field" and case.file.endswith(".json")):
        return "either"  # the field may be optional, or one the command does not read
    return "refuse"


def problems(case: Case, res: Result, expect: str, baseline_rc: int, damage: Damage) -> list[str]:
    out: list[str] = []
    text = res.stdout + res.stderr
    if "Traceback" in text:
        tb = [x for x in text.splitlines() if x.strip()]
        frames = [x.strip() for x in tb if x.strip().startswith('File "') and "/rolecall/" in x]
        return [f"{case}: traceback at {frames[-1:] or tb[-3:-2]}: {tb[-1]}"]
    if res.returncode not in {0, 2, baseline_rc}:
        out.append(f"{case}: exit {res.returncode}: {res.stderr[-500:]}")
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    if res.returncode == 2 and len(lines) != 1:
        out.append(f"{case}: exit 2 with {len(lines)} stderr lines: {lines[:4]}")
    if expect == "ok" and res.returncode != baseline_rc:
        out.append(f"{case}: does not need the file but exited {res.returncode}: {lines[-1:]}")
    if expect == "refuse":
        if res.returncode != 2:
            out.append(f"{case}: damaged file accepted (exit {res.returncode})")
        elif case.file not in lines[-1]:
            out.append(f"{case}: error does not name the file: {lines[-1]}")
        elif (
            damage.line is not None
            and (case.file, case.mutation) not in LINE_NOT_NAMED
            and f"{case.file}:{damage.line}:" not in lines[-1]
        ):
            out.append(f"{case}: error does not name line {damage.line}: {lines[-1]}")
    if res.returncode == 2 and lines and not lines[-1].startswith("error: "):
        out.append(f"{case}: not an error line: {lines[-1]}")
    return out


def cases_for(command: str) -> list[Case]:
    out = []
    for file in FILES:
        if file not in NEEDS[command]:
            out.append(Case(command, file, "binary"))  # unread files: one check that it is unread
            continue
        for mutation in MUTATIONS:
            variants = FIELD_VARIANTS if mutation in FIELD_MUTATIONS else 1
            out += [Case(command, file, mutation, v) for v in range(variants)]
    return out


def run_case(case: Case, base: Path, scratch: Path, baseline_rc: int) -> list[str]:
    scratch.mkdir()
    run = scratch / base.name
    shutil.copytree(base, run)
    damage = mutate(run / case.file, case)
    res = _call(_argv(case.command, run, base, scratch))
    return problems(case, res, expectation(case, damage), baseline_rc, damage)


def _run_matrix(command: str, cases: list[Case], base: Path, tmp_path: Path) -> None:
    intact = tmp_path / "intact"
    intact.mkdir()
    shutil.copytree(base, intact / base.name)
    first = _call(_argv(command, intact / base.name, base, intact))
    assert "Traceback" not in first.stderr and first.returncode in {0, 1}, first.stderr
    found: list[str] = []
    for n, case in enumerate(cases):
        found += run_case(case, base, tmp_path / f"c{n}", first.returncode)
    assert not found, f"{len(found)} failing case(s):\n" + "\n".join(found)


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_damaged_run_files(command, base, tmp_path, inproc):
    """The whole matrix (every command × every run file × every damage), about 80 s on 2 cores."""
    _run_matrix(command, cases_for(command), base, tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_damaged_run_files_sample(command, base, tmp_path, inproc):
    """A fixed sample of the matrix (every command, 5 cases each) for the fast tier."""
    cases = cases_for(command)
    _run_matrix(command, random.Random(f"sample:{command}").sample(cases, min(5, len(cases))), base, tmp_path)


def test_matrix_covers_every_file_and_command():
    cases = [c for cmd in COMMANDS for c in cases_for(cmd)]
    assert {c.file for c in cases} == set(FILES)
    assert {c.command for c in cases} == set(COMMANDS)
    for cmd in COMMANDS:
        assert NEEDS[cmd] <= set(FILES)


# ---------------------------------------------------------------- the same in a real process


@pytest.mark.parametrize(
    ("command", "file", "mutation"),
    [
        ("export", "scores.jsonl", "flip"),
        pytest.param("report", "timing.json", "brace", marks=pytest.mark.slow),
        pytest.param("check", "summary.json", "wrong_type", marks=pytest.mark.slow),
        pytest.param("resume", "transcript.jsonl", "brace", marks=pytest.mark.slow),
        pytest.param("compare", "transcript.jsonl", "binary", marks=pytest.mark.slow),
        pytest.param("agreement", "labels.jsonl", "wrong_field", marks=pytest.mark.slow),
    ],
)
def test_subprocess_agrees(command, file, mutation, base, tmp_path):
    """A handful of cases in a real process: exit 2, one line naming the file, no traceback."""
    case = Case(command, file, mutation)
    run = tmp_path / base.name
    shutil.copytree(base, run)
    damage = mutate(run / file, case)
    res = rolecall_subprocess(*_argv(command, run, base, tmp_path))
    assert expectation(case, damage) == "refuse"
    assert not problems(case, res, "refuse", 0, damage)
