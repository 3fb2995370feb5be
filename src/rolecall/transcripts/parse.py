"""Recorded interview answers: JSONL, CSV, or Markdown with one heading per question.

Markdown: a heading such as ``### Question 12: "Describe a time ..."`` opens a question (marks
like ``***`` or ``???`` before the label are allowed); the answer is everything up to the next
heading of the same or a higher level. Headings inside fenced code blocks do not count, and the
answer text is kept exactly as written (quotes, backticks, emphasis).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_text
from rolecall.yamlio import read_text

MAX_ANSWERS = 20_000
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_QUESTION = re.compile(r"^[^\w\"'`]*\s*(Question\s+\d+[A-Za-z]?)\s*[:.\-–—]\s*(.+)$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class RecordedAnswer:
    question: str
    answer: str
    item: str | None
    respondent: str | None
    line: int


@dataclass(frozen=True)
class Transcript:
    path: str
    answers: list[RecordedAnswer]
    sha256: str
    format: str


def _clean_question(text: str) -> str:
    t = text.strip()
    if len(t) >= 2 and t[0] in "\"“'" and t[-1] in "\"”'":
        t = t[1:-1].strip()
    return t


def _from_markdown(text: str, path: Path) -> list[RecordedAnswer]:
    out: list[RecordedAnswer] = []
    current: tuple[int, str, str, int] | None = None  # level, label, question, line
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        if current is not None:
            _level, label, question, line = current
            answer = "".join(buf).strip()
            if not answer:
                raise RolecallError(f"{label} has no answer text", path=path, line=line)
            out.append(
                RecordedAnswer(question=question, answer=answer, item=label, respondent=None, line=line)
            )

    for n, line in enumerate(text.splitlines(keepends=True), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m:
            level = len(m.group(1))
            q = _QUESTION.match(m.group(2))
            if q:
                flush()
                current, buf = (level, q.group(1).title(), _clean_question(q.group(2)), n), []
                continue
            if current is not None and level <= current[0]:
                flush()
                current, buf = None, []
                continue
        if current is not None:
            buf.append(line)
    flush()
    if not out:
        raise RolecallError(
            "no question headings found (expected lines like '### Question 1: ...')",
            path=path,
            line=1,
        )
    return out


def _row(obj: object, path: Path, line: int) -> RecordedAnswer:
    if not isinstance(obj, dict):
        raise RolecallError(
            "each record must be an object with 'question' and 'answer'", path=path, line=line
        )
    unknown = sorted(set(obj) - {"question", "answer", "item", "respondent"})
    if unknown:
        raise RolecallError(
            f"unknown field {unknown[0]!r} (allowed: question, answer, item, respondent)",
            path=path,
            line=line,
        )
    q, a = obj.get("question"), obj.get("answer")
    if not isinstance(q, str) or not q.strip():
        raise RolecallError("missing 'question' text", path=path, line=line)
    if not isinstance(a, str) or not a.strip():
        raise RolecallError("missing 'answer' text", path=path, line=line)
    item, who = obj.get("item"), obj.get("respondent")
    for name, v in (("item", item), ("respondent", who)):
        if v is not None and not isinstance(v, str | int):
            raise RolecallError(f"'{name}' must be text", path=path, line=line)
    return RecordedAnswer(
        question=q.strip(),
        answer=a.strip(),
        item=str(item).strip() or None if item is not None else None,
        respondent=str(who).strip() or None if who is not None else None,
        line=line,
    )


def _from_jsonl(text: str, path: Path) -> list[RecordedAnswer]:
    out = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RolecallError(f"invalid JSON: {exc.msg}", path=path, line=n) from None
        out.append(_row(obj, path, n))
    return out


def _from_csv(text: str, path: Path) -> list[RecordedAnswer]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"question", "answer"} <= set(reader.fieldnames):
        raise RolecallError("CSV needs a header row with 'question' and 'answer' columns", path=path, line=1)
    out = []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise RolecallError("row has more cells than the header", path=path, line=line)
            clean = {k: v for k, v in row.items() if v not in (None, "") or k in {"question", "answer"}}
            out.append(_row(clean, path, line))
    except csv.Error as exc:
        raise RolecallError(f"invalid CSV: {exc}", path=path, line=reader.line_num) from None
    return out


def load_transcript(path: str | Path) -> Transcript:
    p = Path(path)
    text = read_text(p, what="transcript")
    suffix = p.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        fmt, answers = "jsonl", _from_jsonl(text, p)
    elif suffix == ".csv":
        fmt, answers = "csv", _from_csv(text, p)
    elif suffix in {".md", ".markdown", ".txt"}:
        fmt, answers = "markdown", _from_markdown(text, p)
    else:
        raise RolecallError("unknown transcript format: use .jsonl, .csv or .md", path=p)
    if not answers:
        raise RolecallError("the transcript holds no answers", path=p)
    if len(answers) > MAX_ANSWERS:
        raise RolecallError(
            f"the transcript holds {len(answers):,} answers; the limit is {MAX_ANSWERS:,}", path=p
        )
    seen: dict[str, int] = {}
    for a in answers:
        key = f"{a.respondent}|{a.item}" if a.item else ""
        if key and key in seen:
            raise RolecallError(
                f"item {a.item!r} appears twice (first on line {seen[key]})", path=p, line=a.line
            )
        if key:
            seen[key] = a.line
    return Transcript(path=str(p), answers=answers, sha256=sha256_text(text), format=fmt)
