"""The summary computed on columns in one streaming pass (issue 19, 1M answers) is exactly the
summary the record-list code computed, and it reads each run file once.

The oracle is ``tests/scale_reference.py`` (the record-list functions as they were). The run
directories here are random but seeded, and shaped to reach every corner the columns must get
right: verdicts in no particular order, duplicated verdicts, nine judges on a cell (numpy sums
eight values and more pairwise), pressure, abstentions with and without a reason, unscored
verdicts, blank and long quotes, quote checks True/False/None, an answer matched to another
item's rubric (its off-rubric verdicts left out), failures made good and not, a baseline.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rolecall.aggregate import summarize
from rolecall.aggregation.columns import group_means
from rolecall.aggregation.evidence import Representatives
from rolecall.calibration import Calibration, DimensionMap
from rolecall.instrument import Instrument, load_instrument
from rolecall.persona import Persona, load_persona
from rolecall.pipeline import JUDGE_PARAMS
from rolecall.rundir import (
    FailureRecord,
    Manifest,
    RunDir,
    ScoreRecord,
    SessionScoreRecord,
    SessionStop,
    TurnRecord,
    append_records,
    write_json_atomic,
)
from tests import scale_reference
from tests.conftest import MINI_INSTRUMENT, MINI_PERSONA

REASONS = [None, "refusal", "non_answer", "echo", "off_topic", "insufficient_evidence"]
WORDS = ["a", "simple", "baseline", "first", "then", "measure", "the", "core", "hypothesis", "held"]


def _turns(rng: random.Random, epochs: list[int], subjects: list[str]) -> list[TurnRecord]:
    out = []
    for epoch in epochs:
        for subject in subjects:
            # x1 is a transcript answer matched to q1: only q1's dimension (scope) counts for it
            for item, follow_ups, matched in (
                ("q1", 0, None),
                ("q2", 1, None),
                ("q3", 0, None),
                ("x1", 0, "q1"),
            ):
                common: dict[str, Any] = {"item": item, "epoch": epoch, "turns": 2 + 2 * follow_ups}
                common |= {"subject": subject, "instrument_item": matched}
                for k in range(1 + follow_ups):
                    out.append(TurnRecord(**common, turn=2 * k, role="user", text=f"Question {item} {k}?"))
                    out.append(
                        TurnRecord(
                            **common,
                            turn=2 * k + 1,
                            role="assistant",
                            text=" ".join(rng.choices(WORDS, k=rng.randint(3, 30))) + ".",
                            model="scripted:x",
                            cached=rng.random() < 0.1,
                            latency_s=round(rng.uniform(0, 2), 3),
                            tokens_in=rng.randint(0, 900),
                            tokens_out=rng.randint(0, 90),
                        )
                    )
    return out


def _verdict(rng: random.Random, base: dict[str, Any]) -> ScoreRecord:
    roll = rng.random()
    if roll < 0.08:
        return ScoreRecord(**base, score=None, error="unparseable verdict")
    if roll < 0.16:
        return ScoreRecord(**base, score=None, abstained=True, abstain_reason=rng.choice(REASONS))
    quote = rng.choice(["", "   ", " ".join(rng.choices(WORDS, k=rng.randint(1, 60)))])
    return ScoreRecord(
        **base,
        score=rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 2.5, 3.333]),
        evidence=quote,
        quote_verified=rng.choice([True, False, None]),
        indicators_seen=rng.sample(["starts with a simple baseline", "x"], rng.randint(0, 2)),
    )


def write_run(root: Path, *, seed: int, judges: int, baseline: bool) -> tuple[RunDir, Instrument, Persona]:
    rng = random.Random(seed)
    (root / "mini.yaml").write_text(MINI_INSTRUMENT, encoding="utf-8")
    (root / "persona.md").write_text(MINI_PERSONA, encoding="utf-8")
    inst, digest = load_instrument(str(root / "mini.yaml"))
    persona = load_persona(root / "persona.md")
    subjects = ["persona", "baseline"] if baseline else ["persona"]
    epochs = [0, *sorted(rng.sample(range(1, 10**6), rng.randint(1, 14)))]
    names = [f"scripted:j{k}" for k in range(judges)]
    run = RunDir(root / "run")
    run.path.mkdir()
    manifest = Manifest(
        rolecall_version="test",
        created="2026-01-01T00:00:00+00:00",
        persona={"name": persona.name, "path": str(root / "persona.md"), "sha256": persona.content_hash},
        instrument={"ref": str(root / "mini.yaml"), "id": inst.id, "version": inst.version, "sha256": digest},
        subject_model={"spec": "scripted:x", "identity": "x"},
        judges=[{"spec": j} for j in names],
        params={"temperature": 0.7, "max_tokens": 320, "seed": seed},
        judge_params=JUDGE_PARAMS.model_dump(mode="json"),
        epochs=len(epochs),
        seed=seed,
        concurrency=1,
        baseline=baseline,
    )
    write_json_atomic(run.manifest, manifest)
    append_records(run.transcript, _turns(rng, epochs, subjects))
    scores = []
    for epoch in epochs:
        for subject in subjects:
            for item in ("q1", "q2", "q3", "x1"):
                for dim in ("scope", "risk"):
                    for condition in ("ordinary", "pressure") if rng.random() < 0.15 else ("ordinary",):
                        for judge in rng.sample(names, rng.randint(1, judges)):
                            base = {"item": item, "epoch": epoch, "dimension": dim, "judge": judge}
                            base |= {"subject": subject, "condition": condition}
                            scores += [_verdict(rng, base)] * (2 if rng.random() < 0.03 else 1)
    rng.shuffle(scores)
    append_records(run.scores, scores)
    append_records(
        run.failures,
        [
            FailureRecord(stage="interview", item="q1", epoch=0, model="scripted:x", reason="timed out"),
            FailureRecord(stage="interview", item="q9", epoch=1, model="scripted:x", reason="timed out"),
            FailureRecord(stage="judge", item="q2", epoch=0, model=names[0], reason="bad", dimension="risk"),
            FailureRecord(
                stage="judge", item="q2", epoch=0, model="scripted:gone", reason="bad", dimension="risk"
            ),
        ],
    )
    return run, inst, persona


def _both(run: RunDir, inst: Instrument, persona: Persona, **kw: Any) -> tuple[str, str]:
    args = {"hypothesis": persona.hypothesis, "persona_name": persona.name, "seed": 3, **kw}
    new = summarize(run, inst, **args)
    old = scale_reference.summarize(run, inst, **args)
    return json.dumps(new, allow_nan=True), json.dumps(old, allow_nan=True)


@pytest.mark.parametrize(
    ("seed", "judges", "baseline"),
    [(0, 1, False), (1, 1, True), (2, 2, False), (3, 9, True), (4, 3, True), (5, 9, False)],
)
def test_columns_give_the_record_list_summary(tmp_path, seed, judges, baseline):
    run, inst, persona = write_run(tmp_path, seed=seed, judges=judges, baseline=baseline)
    new, old = _both(run, inst, persona)
    assert new == old


def test_a_calibration_maps_the_same_scores(tmp_path):
    run, inst, persona = write_run(tmp_path, seed=7, judges=2, baseline=True)
    cal = Calibration(
        instrument="mini",
        judge="scripted:j1",
        scale=[1, 5],
        dimensions={"scope": DimensionMap(x=[1.0, 3.0, 5.0], y=[1.5, 2.2, 4.5], n=12)},
    )
    new, old = _both(run, inst, persona, calibration=cal)
    assert new == old
    assert new != _both(run, inst, persona)[0]  # the calibration changed something


def test_each_run_file_is_opened_once(tmp_path, monkeypatch):
    run, inst, persona = write_run(tmp_path, seed=8, judges=2, baseline=True)
    append_records(run.sessions, [SessionStop(epoch=0, context_exhausted_at=9)])
    record = SessionScoreRecord(epoch=0, dimension="scope", judge="scripted:j0", turns_read=8, score=3.0)
    append_records(run.session_scores, [record])
    opened: dict[str, int] = {}
    real_open = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.parent == run.path:
            opened[self.name] = opened.get(self.name, 0) + 1
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    summarize(run, inst, hypothesis=persona.hypothesis, persona_name=persona.name)
    jsonl = ["failures", "transcript", "scores", "session_scores", "sessions"]
    assert opened == {"manifest.json": 1, **{f"{name}.jsonl": 1 for name in jsonl}}


def test_group_means_are_numpy_means_bit_for_bit():
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 40, size=400)
    values = rng.random(int(counts.sum())) * 10.0 ** rng.integers(-3, 4, size=int(counts.sum()))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    got = group_means(values, starts, counts)
    want = [np.mean(list(values[s : s + n])) for s, n in zip(starts, counts, strict=True)]
    assert got.tolist() == [float(w) for w in want]


def test_representatives_are_the_first_three_of_all_sorted():
    rng = random.Random(1)
    for _ in range(200):
        reps = Representatives()
        rows = []
        for seq in range(rng.randint(0, 60)):
            row = {
                "item": rng.choice(["a", "b"]),
                "epoch": rng.randint(0, 3),
                "judge": "j",
                "score": rng.choice([1.0, 2.0, 3.0, 3.5]),
                "evidence": "x" * rng.choice([1, 5, 199, 200, 250]),
                "verified": rng.choice([True, False, None]),
            }
            rows.append(row)
            reps.add("persona", "d", seq=seq, **row)
        mean = rng.uniform(1, 4)
        want = sorted(
            rows,
            key=lambda r: (
                not r["verified"],
                abs(r["score"] - mean),
                -min(len(r["evidence"]), 200),
                r["item"],
                r["epoch"],
            ),
        )[:3]
        got = reps.pick("persona", "d", mean)
        assert [{**r, "quote": r["evidence"]} for r in want] == [{**g, "evidence": g["quote"]} for g in got]
