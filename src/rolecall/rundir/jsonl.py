"""Append-only JSONL: whole batches of lines written at once and fsynced; torn tails skipped on read."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from rolecall.errors import RolecallError
from rolecall.rundir.rows import row_validator

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")


def append_records(path: Path, records: Sequence[BaseModel]) -> None:
    """Append records as lines in one write, then fsync: a crash leaves at most one torn last line."""
    if not records:
        return
    _write_fsync(path, "".join(r.model_dump_json() + "\n" for r in records).encode("utf-8"))


class GroupAppender:
    """Append from many coroutines with group commit: one write and one fsync per batch, in a thread.

    ``await append(path, records)`` returns once those records are on disk, exactly like
    ``append_records``, but the fsync no longer blocks the event loop, and records that arrive
    while a batch is being written share the next fsync. Ordering within a call is kept; a crash
    still leaves at most one torn last line (each batch is a single ``write``).
    """

    def __init__(self) -> None:
        self._pending: dict[Path, list[tuple[bytes, asyncio.Future[None]]]] = {}
        self._writing: set[Path] = set()

    async def append(self, path: Path, records: Sequence[BaseModel]) -> None:
        if not records:
            return
        data = "".join(r.model_dump_json() + "\n" for r in records).encode("utf-8")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(path, []).append((data, done))
        if path not in self._writing:
            self._writing.add(path)
            asyncio.get_running_loop().create_task(self._drain(path))
        await done

    async def _drain(self, path: Path) -> None:
        try:
            while self._pending.get(path):
                batch = self._pending.pop(path)
                try:
                    await asyncio.to_thread(_write_fsync, path, b"".join(d for d, _ in batch))
                except BaseException as exc:
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue  # each waiting caller sees the error; later batches still try
                for _, fut in batch:
                    if not fut.done():
                        fut.set_result(None)
        finally:
            self._writing.discard(path)


def _write_fsync(path: Path, data: bytes) -> None:
    """Append ``data`` and fsync; on failure, cut the file back so no part of it stays.

    A short write (a full disk) would otherwise leave a torn line in the middle of the file
    once the next batch is appended after it, and a torn line is only ever tolerated last.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        start = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)


def repair_tail(path: Path) -> int:
    """Cut a torn last line (no trailing newline) left by a crash; return bytes removed."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb+") as f:
        f.seek(max(0, size - 1))
        if f.read(1) == b"\n":
            return 0
        # walk back to the last newline
        pos = size - 1
        chunk = 4096
        while pos > 0:
            start = max(0, pos - chunk)
            f.seek(start)
            block = f.read(pos - start)
            idx = block.rfind(b"\n")
            if idx >= 0:
                cut = start + idx + 1
                break
            pos = start
        else:
            cut = 0
        f.truncate(cut)
        f.flush()
        os.fsync(f.fileno())
        return size - cut


def read_records(path: Path, model: type[R]) -> Iterator[R]:
    """Yield the records of a JSONL file, skipping a torn last line (one with no newline).

    A crash can only tear the last line, and a torn line never ends in a newline (each batch is
    one ``write``, newline last): such a line is skipped here when it does not parse, and cut off
    by ``repair_tail`` before anything is appended. Any other bad line (not UTF-8, not JSON, not
    a valid record), the last one included when it is complete, is refused: ``RolecallError``
    naming the file and line, never skipped. Blank lines carry nothing and are passed over.
    """
    validate = model.__pydantic_validator__.validate_json

    def parse(raw: bytes, number: int) -> R:
        try:
            return cast(R, validate(raw))
        except (ValidationError, ValueError):
            return _parse(raw, model, path, number)  # the exact message, or what json.loads accepts

    return _read(path, parse)


def read_rows(path: Path, model: type[BaseModel]) -> Iterator[dict[str, Any]]:
    """Like ``read_records``, but each record as a validated dict of the fields its line gave.

    The same contract and the same errors as ``read_records`` (``rolecall.rundir.rows``), for
    readers that keep a few fields of millions of lines: no model instance is built per line.
    A field the line left out is absent from its row (its default is the model's,
    ``rows.row_default``); a line only the model path accepts comes back with every field.
    """
    validate = row_validator(model)
    if validate is None:
        return (r.__dict__ for r in read_records(path, model))
    fast = validate

    def parse(raw: bytes, number: int) -> dict[str, Any]:
        try:
            return fast(raw)
        except (ValidationError, ValueError):
            return dict(_parse(raw, model, path, number).__dict__)

    return _read(path, parse)


def _read(path: Path, parse: Callable[[bytes, int], T]) -> Iterator[T]:
    """Each non-blank line parsed; a torn last line (no newline) that does not parse is skipped.

    Only the last line of a file can lack its newline, so that is how a torn tail is told apart
    from a bad line in the middle, which is refused (``parse`` raises ``RolecallError``).
    """
    if not path.exists():
        return
    try:
        f = path.open("rb")
    except OSError as exc:
        raise RolecallError(f"cannot read: {exc.strerror or exc}", path=path) from None
    with f:
        number = 0
        lines = iter(f)
        while True:
            try:
                raw = next(lines)
            except StopIteration:
                return
            except OSError as exc:
                raise RolecallError(f"cannot read: {exc.strerror or exc}", path=path) from None
            number += 1
            if not raw.strip():
                continue
            if raw.endswith(b"\n"):
                yield parse(raw, number)
                continue
            try:
                record = parse(raw, number)
            except RolecallError:
                return  # torn last line from a crash: ignored here, cut off on resume
            yield record


def _parse(raw: bytes, model: type[R], path: Path, number: int) -> R:
    """The reference reading of one line (stdlib json, then the model), with its error messages."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RolecallError(
            f"not UTF-8 text (byte {exc.start + 1} of the line)", path=path, line=number
        ) from None
    try:
        return model.model_validate(json.loads(line))
    except json.JSONDecodeError as exc:
        raise RolecallError(
            f"unreadable record: {exc.msg} (column {exc.colno})", path=path, line=number
        ) from None
    except ValidationError as exc:
        raise RolecallError(f"unreadable record: {_first_error(exc)}", path=path, line=number) from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise RolecallError(f"unreadable record: {exc}", path=path, line=number) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]
