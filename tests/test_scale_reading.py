"""Reading JSONL fast keeps the contract: ``read_rows`` (plain dicts) and ``read_records`` (now
validating each line's JSON directly) accept exactly the lines the reference reading — stdlib
``json`` then the model — accepts, with the same values, and refuse the others with its exact
one-line error naming the file and line (issue 19)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from rolecall.errors import RolecallError
from rolecall.rundir import (
    FailureRecord,
    Manifest,
    RelevanceRecord,
    ScoreRecord,
    SessionScoreRecord,
    SessionStop,
    TurnRecord,
    read_records,
)
from rolecall.rundir.jsonl import _parse, read_rows
from rolecall.rundir.records import DimensionRelevance
from rolecall.rundir.rows import row_default, row_validator

LINES: list[tuple[type[BaseModel], BaseModel]] = [
    (
        TurnRecord,
        TurnRecord(item="q1", epoch=0, turn=1, turns=2, role="assistant", text="Soup é.", cached=True),
    ),
    (TurnRecord, TurnRecord(item="@session", epoch=3, turn=5, turns=9, role="user", text="Hi", probe="q2")),
    (ScoreRecord, ScoreRecord(item="q1", epoch=2, dimension="scope", judge="j", score=4.0, evidence="a b")),
    (ScoreRecord, ScoreRecord(item="q2", epoch=0, dimension="risk", judge="j", score=None, abstained=True)),
    (
        FailureRecord,
        FailureRecord(stage="judge", item="q1", epoch=0, model="m", reason="r", dimension="scope"),
    ),
    (SessionStop, SessionStop(epoch=0, context_exhausted_at=9)),
    (SessionScoreRecord, SessionScoreRecord(epoch=0, dimension="scope", judge="j", turns_read=8, score=3.0)),
    (
        RelevanceRecord,
        RelevanceRecord(
            item="q1",
            epoch=0,
            ranker="r",
            dimensions=[DimensionRelevance(dimension="s", relevance=0.4, quote="q")],
        ),
    ),
]
TOKENS = ["null", "true", "1", "-1", "1.5", '"x"', "[]", "{}", "NaN", '"\\ud800"', "1e400", '"1"', '"true"']
TOKENS += ['"pressure"', '"baseline"', '"q1#pressure"']
#: inserted raw only: the stdlib refuses integers this long
RAW_TOKENS = [*TOKENS, "9" * 5000]


def full_row(model: type[BaseModel], row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every field the line left out at its default (what the model would hold)."""
    optional = [k for k, f in model.model_fields.items() if not f.is_required()]
    return {**{k: row_default(model, k) for k in optional}, **row}


def _mutate(rng: random.Random, line: bytes) -> bytes:
    b = bytearray(line)
    m = rng.randrange(6)
    if m == 0:
        b[rng.randrange(len(b))] ^= rng.choice([0x80, 0x20, 0x01, 0xFF])
    elif m == 1:
        i = rng.randrange(len(b))
        del b[i : i + rng.randrange(1, 4)]
    elif m == 2:
        i = rng.randrange(len(b) + 1)
        b[i:i] = rng.choice(RAW_TOKENS).encode()
    elif m in (3, 4):
        obj = json.loads(line)
        key = rng.choice([*sorted(obj), "zz", "condition", "subject", "item"])
        if m == 3:
            obj[key] = json.loads(rng.choice(TOKENS))
        else:
            obj.pop(key, None)
        b = bytearray(json.dumps(obj).encode())
    return bytes(b) + b"\n"


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        return "ok", read()
    except RolecallError as exc:
        return "refused", str(exc)


def _readings(path: Path, model: type[BaseModel], raw: bytes) -> list[str]:
    """The reference reading of the line, read_records' and read_rows' (as comparable text)."""
    readers = [
        lambda: _parse(raw, model, path, 1).model_dump(),
        lambda: next(r.model_dump() for r in read_records(path, model)),
        lambda: next(
            model.model_construct(**full_row(model, r)).model_dump() for r in read_rows(path, model)
        ),
    ]
    return [json.dumps(_outcome(read), default=str, sort_keys=True) for read in readers]


def test_fast_readers_accept_and_refuse_what_the_reference_does(tmp_path):
    rng = random.Random(19)
    path = tmp_path / "f.jsonl"
    for _ in range(2000):
        model, record = rng.choice(LINES)
        raw = _mutate(rng, record.model_dump_json().encode())
        path.write_bytes(raw)
        want, got, rows = _readings(path, model, raw)
        assert got == want, raw
        assert rows == want, raw


def test_a_bad_line_is_named_and_a_torn_tail_skipped(tmp_path):
    path = tmp_path / "scores.jsonl"
    good = LINES[2][1].model_dump_json().encode() + b"\n"
    path.write_bytes(good + b"\n" + good + b'{"item": "q1", "ep')  # blank line, then a torn tail
    assert len(list(read_rows(path, ScoreRecord))) == 2
    path.write_bytes(good + b'{"item": "q1", "ep\n' + good)
    with pytest.raises(RolecallError, match=r"scores\.jsonl:2: unreadable record"):
        list(read_rows(path, ScoreRecord))


def test_rows_carry_the_legacy_rewrite_and_leave_defaults_out(tmp_path):
    path = tmp_path / "scores.jsonl"
    path.write_text('{"item": "q1#pressure", "epoch": 0, "dimension": "d", "judge": "j", "score": 2}\n')
    (row,) = read_rows(path, ScoreRecord)
    assert row == {
        "item": "q1",
        "epoch": 0,
        "dimension": "d",
        "judge": "j",
        "score": 2.0,
        "condition": "pressure",
    }
    assert full_row(ScoreRecord, row) == next(read_records(path, ScoreRecord)).__dict__


def test_models_a_dict_cannot_stand_for_are_read_as_models():
    assert row_validator(TurnRecord) is not None and row_validator(ScoreRecord) is not None
    assert row_validator(Manifest) is None  # an ``after`` validator checks the whole record
