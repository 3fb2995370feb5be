"""Human labels of a run's answers: ``labels.jsonl`` (or CSV with the same columns).

One row per answer × dimension × rater::

    {"item": "q03", "epoch": 0, "subject": "persona", "dimension": "risk_tolerance",
     "score": 4, "rater": "ana"}

``score: null`` means the rater found no evidence for the dimension in the answer. Several raters
may share one file; a later row for the same answer × dimension × rater replaces an earlier one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rolecall.errors import RolecallError
from rolecall.rundir import Subject, append_records
from rolecall.yamlio import read_text

LabelKey = tuple[str, int, str, str]  # item, epoch, subject, dimension


class LabelRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1)
    epoch: int = Field(ge=0)
    subject: Subject = "persona"
    dimension: str = Field(min_length=1)
    score: int | None = Field(description="The rater's score on the scale; null: no evidence.")
    rater: str = Field(min_length=1, max_length=80)

    @property
    def key(self) -> LabelKey:
        return (self.item, self.epoch, self.subject, self.dimension)


def _row_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def read_labels(
    path: Path, *, dimensions: set[str] | None = None, scale: tuple[int, int] | None = None
) -> list[LabelRecord]:
    """Every label in a JSONL or CSV file; a bad row is an error naming the file and line.

    With ``dimensions`` / ``scale``, a label for another dimension or off the scale is one too.
    """
    text = read_text(path, what="labels file")
    rows: list[tuple[int, object]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "dimension" not in reader.fieldnames:
            raise RolecallError(
                "a labels CSV needs a header row: item,epoch,subject,dimension,score,rater", path=path, line=1
            )
        for n, row in enumerate(reader, 2):
            score = (row.get("score") or "").strip()
            rows.append(
                (
                    n,
                    {
                        **{k: v for k, v in row.items() if k is not None},
                        "epoch": row.get("epoch") or 0,
                        "subject": row.get("subject") or "persona",
                        "score": None if score.lower() in ("", "null", "none", "no evidence") else score,
                    },
                )
            )
    else:
        lines = text.split("\n")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if n == len(lines) and not text.endswith("\n"):
                try:  # a last line with no newline may be torn by a crash mid-write: skip it if so
                    json.loads(line)
                except json.JSONDecodeError:
                    continue
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise RolecallError(f"not a JSON object: {exc.msg}", path=path, line=n) from None
    out = []
    for n, obj in rows:
        try:
            lab = LabelRecord.model_validate(obj)
        except ValidationError as exc:
            raise RolecallError(f"bad label: {_row_error(exc)}", path=path, line=n) from None
        if dimensions is not None and lab.dimension not in dimensions:
            raise RolecallError(f"unknown dimension {lab.dimension!r}", path=path, line=n)
        if scale is not None and lab.score is not None and not scale[0] <= lab.score <= scale[1]:
            raise RolecallError(
                f"score {lab.score} outside the scale {scale[0]}..{scale[1]}", path=path, line=n
            )
        out.append(lab)
    return out


def latest(labels: Iterable[LabelRecord]) -> dict[tuple[LabelKey, str], LabelRecord]:
    """(answer × dimension, rater) -> that rater's last label for it."""
    return {(lab.key, lab.rater): lab for lab in labels}


def append_labels(path: Path, labels: list[LabelRecord]) -> None:
    """Append labels durably: one write + fsync, so a crash leaves at most one torn last line."""
    append_records(path, labels)
