"""The run directory: typed records, append-only JSONL, layout."""

from rolecall.rundir.jsonl import GroupAppender, append_records, read_records, repair_tail
from rolecall.rundir.layout import RunDir, new_run_dir, write_json_atomic, write_text_atomic
from rolecall.rundir.records import (
    SESSION_ITEM,
    AbstainReason,
    Condition,
    FailureRecord,
    Manifest,
    RelevanceRecord,
    ScoreRecord,
    SessionScoreRecord,
    SessionStop,
    Subject,
    TurnRecord,
)

__all__ = [
    "SESSION_ITEM",
    "AbstainReason",
    "Condition",
    "FailureRecord",
    "GroupAppender",
    "Manifest",
    "RelevanceRecord",
    "RunDir",
    "ScoreRecord",
    "SessionScoreRecord",
    "SessionStop",
    "Subject",
    "TurnRecord",
    "append_records",
    "new_run_dir",
    "read_records",
    "repair_tail",
    "write_json_atomic",
    "write_text_atomic",
]
