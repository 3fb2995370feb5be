"""Huge inputs are refused up front with a one-line limit message, in bounded memory and time."""

import os
import tracemalloc

import pytest

from rolecall.errors import RolecallError
from rolecall.instrument import load_instrument
from rolecall.instrument.schema import MAX_ITEMS
from rolecall.transcripts import load_transcript
from rolecall.transcripts.parse import MAX_ANSWERS
from rolecall.yamlio import MAX_FILE_BYTES
from tests.faults.cli import one_line_error, rolecall_inproc, rolecall_subprocess

MB = 1024 * 1024


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _instrument_text(n_items: int) -> str:
    head = """\
id: big
name: Big
scale: {min: 1, max: 5, low_label: lo, high_label: hi}
dimensions:
  - {id: scope, name: Scope, description: d, anchors: {1: a, 3: b, 5: c}}
phases:
  - {id: p1, name: P}
items:
"""
    item = (
        "  - id: q{i}\n    phase: p1\n    dimensions: [scope]\n    prompt: How would you scope prototype {i}?\n"
        "    positive_indicators: [starts with a simple baseline]\n"
    )
    return head + "".join(item.format(i=i) for i in range(n_items))


def test_50mb_transcript_is_refused_before_it_is_read(tmp_path, mini_instrument):
    big = tmp_path / "big.jsonl"
    with big.open("wb") as f:  # sparse: 50 MB on paper, nothing on disk
        f.truncate(50 * MB)

    def load():
        with pytest.raises(
            RolecallError, match=r"transcript file is 52,428,800 bytes; the limit is 20,971,520"
        ):
            load_transcript(big)

    assert _peak_bytes(load) < 1 * MB  # it was never read into memory
    res = rolecall_subprocess("score", str(big), "-i", str(mini_instrument), "--out", str(tmp_path / "runs"))
    one_line_error(res, str(big), "the limit is 20,971,520")
    assert not (tmp_path / "runs").exists()


def test_endless_input_is_read_only_up_to_the_limit(tmp_path):
    """A device or a file that grows after the size check: the read stops one byte past the limit."""
    endless = tmp_path / "zero.jsonl"
    endless.symlink_to("/dev/zero")  # stat says 0 bytes; reading never ends

    def load():
        with pytest.raises(RolecallError, match="larger than the limit of 20,971,520 bytes"):
            load_transcript(endless)

    assert _peak_bytes(load) < MAX_FILE_BYTES + 2 * MB


def test_too_many_answers_is_refused(tmp_path, mini_instrument):
    many = tmp_path / "many.jsonl"
    many.write_text('{"question": "q", "answer": "a"}\n' * (MAX_ANSWERS + 1))
    with pytest.raises(
        RolecallError, match=f"holds {MAX_ANSWERS + 1:,} answers; the limit is {MAX_ANSWERS:,}"
    ):
        load_transcript(many)


@pytest.mark.slow
def test_10000_item_instrument_is_refused_by_an_explicit_limit(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(_instrument_text(10_000))
    res = rolecall_inproc("validate", str(big))
    one_line_error(res, f"{big}:9: items: 10,000 items; the limit is {MAX_ITEMS:,}")
    # at the limit it loads
    ok = tmp_path / "ok.yaml"
    ok.write_text(_instrument_text(MAX_ITEMS))
    inst, _ = load_instrument(ok)
    assert len(inst.items) == MAX_ITEMS


@pytest.mark.parametrize("where", ["instrument", "persona"])
def test_yaml_alias_bomb_is_refused(where, tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]  # 10**9 values
    bomb = "\n".join(levels) + "\n"
    if where == "instrument":
        path = tmp_path / "bomb.yaml"
        path.write_text("id: bomb\n" + bomb)
        args = ("validate", str(path))
    else:
        path = tmp_path / "bomb.md"
        path.write_text("---\nname: x\n" + bomb + "---\n# T\n## Role\nx\n")
        args = ("validate", str(path))
    one_line_error(rolecall_inproc(*args), str(path), "expands to more values than the file has characters")


def test_long_single_line_transcript_in_bounded_memory(tmp_path, mini_instrument):
    """An answer of 15 MB on one line (under the file limit) loads; memory stays a small multiple."""
    path = tmp_path / "long.jsonl"
    path.write_text('{"question": "q", "answer": "' + "word " * (3 * MB) + '"}\n')
    assert os.path.getsize(path) < MAX_FILE_BYTES
    peak = _peak_bytes(lambda: load_transcript(path))
    assert peak < 6 * os.path.getsize(path)
