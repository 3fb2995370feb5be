"""`rolecall score`: judge recorded answers (a transcript file) or re-judge an existing run.

A transcript becomes a run directory whose ``transcript.jsonl`` holds the recorded answers
(each keeping its source id as ``item``, its matched instrument item and match score), then the
same judging, aggregation and reporting stages as an interview run follow.
"""

from __future__ import annotations

import asyncio
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rolecall import __version__
from rolecall.calibration import manifest_entry
from rolecall.calls import open_cache
from rolecall.defaults import DEFAULT_CONCURRENCY, DEFAULT_OUT, DEFAULT_SEED
from rolecall.errors import RolecallError
from rolecall.instrument import Instrument, load_instrument
from rolecall.judge import JUDGE_PARAMS, describe_judge
from rolecall.persona import load_persona
from rolecall.pipeline import (
    Outcome,
    add_wall_time,
    finish,
    judge_stage,
    package_versions,
    record_calls,
    reopen,
)
from rolecall.progress import NullProgress, Progress
from rolecall.rundir import (
    Manifest,
    RunDir,
    TurnRecord,
    append_records,
    new_run_dir,
    read_records,
    write_json_atomic,
)
from rolecall.rundir.records import InstrumentRef
from rolecall.transcripts import ItemMatcher, Transcript, load_transcript
from rolecall.transcripts.match import recorded_match


@dataclass
class ScoreConfig:
    source: Path
    instrument: str | None
    judges: list[str]
    concurrency: int = DEFAULT_CONCURRENCY
    seed: int = DEFAULT_SEED
    out: Path = Path(DEFAULT_OUT)
    calibration: Path | None = None


def transcript_turns(transcript: Transcript, instrument: Instrument) -> list[TurnRecord]:
    matcher = ItemMatcher(instrument)
    many = len({a.respondent for a in transcript.answers}) > 1
    records: list[TurnRecord] = []
    for k, a in enumerate(transcript.answers, start=1):
        label = a.item or f"answer-{k}"
        item = f"{a.respondent}: {label}" if many and a.respondent else label
        match = matcher.match(a.question, a.item)
        common: dict[str, Any] = {
            "item": item,
            "epoch": 0,
            "turns": 2,
            "subject": "persona",
            "respondent": a.respondent,
            "question": a.question,
            "match_score": match.score,
            "instrument_item": match.item,
            "match_by": match.by,
            "match_runner_up": match.runner_up,
            "match_runner_up_score": match.runner_up_score,
        }
        records.append(
            TurnRecord.model_validate(
                {**common, "turn": 0, "role": "user", "kind": "prompt", "text": a.question}
            )
        )
        records.append(
            TurnRecord.model_validate(
                {
                    **common,
                    "turn": 1,
                    "role": "assistant",
                    "kind": "answer",
                    "text": a.answer,
                    "model": "transcript",
                }
            )
        )
    return records


def match_warnings(run: RunDir) -> list[str]:
    """One line per recorded answer whose match to an instrument item is low, ambiguous or none
    (see ``rolecall.transcripts.match``); nothing for a run whose answers were not matched."""
    out = []
    for t in read_records(run.transcript, TurnRecord):
        if t.role != "user" or t.turn != 0 or t.epoch != 0:
            continue
        match = recorded_match(t)
        doubt = match.doubt() if match is not None else None
        if match is not None and doubt:
            out.append(f"answer {t.item!r} → instrument item {match.describe()}: {doubt}")
    return out


def start_score(cfg: ScoreConfig) -> tuple[RunDir, Instrument, Manifest]:
    if cfg.instrument is None:
        raise RolecallError("scoring a transcript needs --instrument ID_OR_FILE")
    transcript = load_transcript(cfg.source)
    instrument, digest = load_instrument(cfg.instrument)
    judges = [describe_judge(spec) for spec in cfg.judges]
    name = Path(cfg.source).stem
    manifest = Manifest(
        rolecall_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        command="score",
        instrument=InstrumentRef(
            ref=cfg.instrument, id=instrument.id, version=instrument.version, sha256=digest
        ),
        judges=judges,
        params={},
        judge_params=JUDGE_PARAMS.model_dump(mode="json"),
        epochs=1,
        seed=cfg.seed,
        concurrency=cfg.concurrency,
        calibration=manifest_entry(cfg.calibration, instrument.id, cfg.judges) if cfg.calibration else None,
        transcript_source={
            "path": str(Path(cfg.source).resolve()),
            "sha256": transcript.sha256,
            "format": transcript.format,
            "name": name,
            "answers": len(transcript.answers),
        },
        packages=package_versions(),
        platform={
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "system": platform.system(),
        },
    )

    def prepare(staging: RunDir) -> None:
        write_json_atomic(staging.manifest, manifest)
        append_records(staging.transcript, transcript_turns(transcript, instrument))

    run = new_run_dir(cfg.out, name, instrument.id, prepare=prepare)
    return run, instrument, manifest


def reopen_for_scoring(path: Path, judges: list[str] | None) -> tuple[RunDir, Instrument, Manifest]:
    """Open an existing run to (re-)score it, optionally with other judges added to its manifest."""
    run, instrument, manifest = reopen(path)
    if judges:
        known = {j.spec for j in manifest.judges}
        for spec in judges:
            if spec not in known:
                manifest.judges.append(describe_judge(spec))
        write_json_atomic(run.manifest, manifest)
    return run, instrument, manifest


async def _judge(
    run: RunDir, instrument: Instrument, manifest: Manifest, progress: Progress, use_cache: bool
) -> int:
    cache = open_cache(use_cache)
    try:
        failures, stats = await judge_stage(run, instrument, manifest, cache, progress)
    finally:
        if cache is not None:
            cache.close()
    record_calls(run, dict(stats))
    return failures


def execute_score(
    run: RunDir,
    instrument: Instrument,
    manifest: Manifest,
    *,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Outcome:
    """Judge, summarise and report (a session's wall time added to timing.json)."""
    return asyncio.run(execute_score_async(run, instrument, manifest, progress=progress, use_cache=use_cache))


async def execute_score_async(
    run: RunDir,
    instrument: Instrument,
    manifest: Manifest,
    *,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Outcome:
    """``execute_score`` inside a running event loop (a notebook's); the summary is built in a thread."""
    start = time.perf_counter()
    try:
        failures = await _judge(run, instrument, manifest, progress or NullProgress(), use_cache)
    finally:
        add_wall_time(run, time.perf_counter() - start)
    persona = load_persona(manifest.persona.path) if manifest.persona else None
    summary = await asyncio.to_thread(finish, run, persona, instrument, manifest)
    return Outcome(run=run, summary=summary, failures=failures)
