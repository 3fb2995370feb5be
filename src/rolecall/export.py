"""Tidy tables for pandas: one row per answer × dimension × judge, across run directories."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.rundir import SESSION_ITEM, RunDir, ScoreRecord, TurnRecord, read_records

COLUMNS = [
    "run",
    "persona",
    "instrument",
    "instrument_version",
    "subject_model",
    "item",
    "instrument_item",
    "respondent",
    "epoch",
    "subject",
    "condition",
    "session_turn",
    "dimension",
    "judge",
    "mode",
    "score",
    "unscored",
    "abstained",
    "abstain_reason",
    "evidence",
    "quote_verified",
    "indicators_seen",
    "error",
    "question",
    "answer",
]


def tidy_rows(run: RunDir) -> list[dict[str, Any]]:
    manifest = run.read_manifest()
    answers: dict[tuple[str, int, str], list[TurnRecord]] = {}
    for t in read_records(run.transcript, TurnRecord):
        answers.setdefault((t.item, t.epoch, t.subject), []).append(t)
    rows = []
    for s in read_records(run.scores, ScoreRecord):
        if s.session_turn is not None:  # a session's turn: its question and its answer
            k = 2 * (s.session_turn - 1)
            session = answers.get((SESSION_ITEM, s.epoch, s.subject), [])
            turns = sorted((t for t in session if t.turn in (k, k + 1)), key=lambda t: t.turn)
        else:
            turns = sorted(answers.get((s.item, s.epoch, s.subject), []), key=lambda t: t.turn)
        first = turns[0] if turns else None
        rows.append(
            {
                "run": run.path.name,
                "persona": (manifest.persona.name if manifest.persona else None)
                or (manifest.transcript_source or {}).get("name"),
                "instrument": manifest.instrument.id,
                "instrument_version": manifest.instrument.version,
                "subject_model": manifest.subject_model.spec if manifest.subject_model else "transcript",
                "item": s.item,
                "instrument_item": first.instrument_item if first else None,
                "respondent": s.respondent or (first.respondent if first else None),
                "epoch": s.epoch,
                "subject": s.subject,
                "condition": s.condition,
                "session_turn": s.session_turn,
                "dimension": s.dimension,
                "judge": s.judge,
                "mode": s.mode,
                "score": s.score,
                "unscored": s.unscored,
                "abstained": s.abstained,
                "abstain_reason": s.abstain_reason,
                "evidence": s.evidence,
                "quote_verified": s.quote_verified,
                "indicators_seen": "; ".join(s.indicators_seen),
                "error": s.error,
                "question": (first.question or first.text) if first else None,
                "answer": "\n\n".join(t.text for t in turns if t.role == "assistant"),
            }
        )
    return rows


def export(runs: list[Path], out: Path, fmt: str) -> int:
    rows: list[dict[str, Any]] = []
    for r in runs:
        rows += tidy_rows(RunDir(r))
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(rows)
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise RolecallError(  # a dependency of rolecall (and of mlflow), so only a broken install
                "parquet export needs pyarrow, which is missing: pip install 'pyarrow>=14' "
                "(or use --format csv)"
            ) from None
        table = pa.Table.from_pylist(rows, schema=_schema(pa)) if rows else _schema(pa).empty_table()
        pq.write_table(table, out)
    else:
        raise RolecallError(f"unknown export format {fmt!r}: use parquet or csv")
    return len(rows)


def _schema(pa: Any) -> Any:
    types = {
        "epoch": pa.int64(),
        "session_turn": pa.int64(),
        "score": pa.float64(),
        "unscored": pa.bool_(),
        "abstained": pa.bool_(),
        "quote_verified": pa.bool_(),
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
