"""The run directory: typed records, append-only JSONL, layout."""

from rolecall.rundir.jsonl import GroupAppender, append_records, read_records, repair_tail
from rolecall.rundir.layout import RunDir, new_run_dir, write_json_atomic, write_text_atomic
from rolecall.rundir.records import (
    AbstainReason,
    Condition,
    FailureRecord,
    Manifest,
    RelevanceRecord,
    ScoreRecord,
    Subject,
    TurnRecord,
)

__all__ = [
    "AbstainReason",
    "Condition",
    "FailureRecord",
    "GroupAppender",
    "Manifest",
    "RelevanceRecord",
    "RunDir",
    "ScoreRecord",
    "Subject",
    "TurnRecord",
    "append_records",
    "new_run_dir",
    "read_records",
    "repair_tail",
    "write_json_atomic",
    "write_text_atomic",
]
