"""Moving a run directory from a Ray worker to the driver, while the cell runs.

The worker runs a cell in a temporary folder and, whenever the driver asks (and once at the
end), sends what changed since it last sent: the new whole lines of each append-only ``.jsonl``
file (with the offset they start at) and the whole of any other file that changed. The driver
writes them into the grid directory. So the driver holds every answer a worker has sent, and a
worker that dies costs only what it had not sent yet: the cell is started again from the
driver's copy and resumes like ``rolecall run --resume``. Nothing depends on a shared file system.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path, PurePosixPath
from typing import Literal

from rolecall.errors import RolecallError

#: (file name, how, offset, bytes): "append" writes at offset (the file ends there), "replace" the file
Chunk = tuple[str, Literal["append", "replace"], int, bytes]


def _files(folder: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries if not e.name.startswith(".") and e.is_file(follow_symlinks=False)]


class DirSync:
    """Worker side: which parts of a run directory have been sent to the driver."""

    def __init__(self, root: Path, rel: str):
        self.root = root
        self.rel = rel
        self.path = root / rel
        self._offsets: dict[str, int] = {}  # .jsonl: bytes sent
        self._stamps: dict[str, tuple[int, int, str]] = {}  # others: (mtime_ns, size, sha256) sent
        self._lock = threading.Lock()

    def mark_sent(self) -> None:
        """Count the folder's current files as sent (the driver gave them to us)."""
        with self._lock:
            self._collect(send=False)

    def delta(self) -> list[Chunk]:
        """What changed since the last call (whole lines only for .jsonl files)."""
        with self._lock:
            return self._collect(send=True)

    def _collect(self, *, send: bool) -> list[Chunk]:
        out: list[Chunk] = []
        for f in _files(self.path):
            try:
                chunk = self._append(f) if f.name.endswith(".jsonl") else self._replace(f)
            except OSError:
                continue  # replaced under us: the next call sends it
            if chunk is not None and send:
                out.append(chunk)
        return out

    def _append(self, f: Path) -> Chunk | None:
        sent = self._offsets.get(f.name, 0)
        size = f.stat().st_size
        if size < sent:  # cut (a torn last line repaired): send it whole again
            sent = 0
        with f.open("rb") as fh:
            fh.seek(sent)
            data = fh.read(size - sent)
        end = data.rfind(b"\n") + 1
        if end == 0:
            return None
        self._offsets[f.name] = sent + end
        return (f.name, "append", sent, data[:end])

    def _replace(self, f: Path) -> Chunk | None:
        st = f.stat()
        previous = self._stamps.get(f.name)
        if previous and previous[:2] == (st.st_mtime_ns, st.st_size):
            return None
        data = f.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        self._stamps[f.name] = (st.st_mtime_ns, st.st_size, digest)
        if previous and previous[2] == digest:
            return None
        return (f.name, "replace", 0, data)


def read_dir(path: Path) -> dict[str, bytes]:
    """Every plain file of a run directory, for a worker that continues it."""
    return {f.name: f.read_bytes() for f in _files(path)}


def safe_rel(rel: str) -> str:
    """A run directory path a worker sent (``cells/<cell id>/<run>``), checked to stay there."""
    p = PurePosixPath(rel)
    if (
        p.is_absolute()
        or len(p.parts) != 3
        or p.parts[0] != "cells"
        or any(x in (".", "..") for x in p.parts)
    ):
        raise RolecallError(f"a worker sent an unexpected run directory path {rel!r}")
    return p.as_posix()


def apply_chunks(folder: Path, chunks: list[Chunk]) -> None:
    """Driver side: write what a worker sent into ``folder`` (created if need be)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, how, offset, data in chunks:
        if "/" in name or name.startswith(".") or name in ("", ".."):
            raise RolecallError(f"a worker sent an unexpected file name {name!r}")
        target = folder / name
        if how == "replace":
            write_bytes_atomic(target, data)
            continue
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as fh:
            fh.seek(offset)
            fh.write(data)
            fh.truncate()


def write_bytes_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
