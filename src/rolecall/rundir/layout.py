"""The run directory: where each stage's file lives, and safe creation."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.rundir.records import Manifest


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def manifest(self) -> Path:
        return self.path / "manifest.json"

    @property
    def transcript(self) -> Path:
        return self.path / "transcript.jsonl"

    @property
    def scores(self) -> Path:
        return self.path / "scores.jsonl"

    @property
    def failures(self) -> Path:
        return self.path / "failures.jsonl"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    @property
    def report_md(self) -> Path:
        return self.path / "report.md"

    @property
    def report_html(self) -> Path:
        return self.path / "report.html"

    @property
    def labels(self) -> Path:
        return self.path / "labels.jsonl"

    @property
    def agreement(self) -> Path:
        return self.path / "agreement.json"

    def read_agreement(self) -> dict[str, Any] | None:
        """agreement.json (written by ``rolecall agreement``), or None when there is none."""
        if not self.agreement.exists():
            return None
        return _read_object(self.agreement, f"rolecall agreement {self.path}")

    def read_manifest(self) -> Manifest:
        if not self.manifest.exists():
            raise RolecallError("not a run directory (no manifest.json)", path=self.path)
        try:
            return Manifest.model_validate_json(self.manifest.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RolecallError(
                f"manifest.json is not valid: {str(exc).splitlines()[0]}", path=self.manifest
            ) from None

    def write_json(self, path: Path, data: Any) -> None:
        write_json_atomic(path, data)

    def read_summary(self) -> dict[str, Any]:
        if not self.summary.exists():
            raise RolecallError("run has no summary.json yet (was it interrupted?)", path=self.path)
        return _read_object(self.summary, f"rolecall report {self.path}")


def _read_object(path: Path, rebuild: str) -> dict[str, Any]:
    """A JSON object file rolecall wrote; a damaged one is one line naming it and how to rebuild."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise RolecallError(
            f"{path.name} is not valid JSON ({str(exc).splitlines()[0]}); rebuild it with `{rebuild}`",
            path=path,
        ) from None
    if not isinstance(data, dict):
        raise RolecallError(f"{path.name} is not a JSON object; rebuild it with `{rebuild}`", path=path)
    return data


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    text = (
        data.model_dump_json(indent=2)
        if hasattr(data, "model_dump_json")
        else json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    )
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe fragment: lowercase ASCII letters, digits and single dashes only.

    Names from input files (persona titles, instrument ids, transcript file names) pass through
    here before they become part of a path, so ``..``, ``/``, NUL and the like cannot escape
    the output folder or name a hidden or special file.
    """
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s or "run")[:limit].strip("-") or "run"


#: a staging folder made by new_run_dir: ``.<name>-<YYYYmmdd-HHMMSS>.<pid>.<mkdtemp suffix>``
_STAGING = re.compile(r"^\.[a-z0-9-]+-\d{8}-\d{6}\.(?:(\d+)\.)?[a-z0-9_]{8}$")
#: a staging folder whose process still runs is left alone unless it is older than this
STALE_STAGING_S = 15 * 60


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale_staging(out: Path, *, now: float | None = None) -> list[Path]:
    """Remove staging folders left in ``out`` by killed runs; return what was removed.

    A staging folder is stale when the process that made it is gone, or (the pid may have been
    reused) when it is older than ``STALE_STAGING_S``. Only plain folders with the staging name
    pattern holding plain files are touched; anything else is left as it is.
    """
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(out))
    except OSError:
        return removed
    for entry in entries:
        m = _STAGING.match(entry.name)
        if m is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            pid = int(m.group(1)) if m.group(1) else None
            if pid == os.getpid() or (age < STALE_STAGING_S and (pid is None or _pid_alive(pid))):
                continue  # legacy names (no pid) wait out the age limit too
            files = list(os.scandir(entry.path))
            if any(not f.is_file(follow_symlinks=False) for f in files):
                continue
            for f in files:
                os.unlink(f.path)
            os.rmdir(entry.path)
        except OSError:
            continue  # raced with another process, or not ours to remove: leave it
        removed.append(Path(entry.path))
    return removed


def new_run_dir(out: Path, *parts: str, prepare: Callable[[RunDir], None] | None = None) -> RunDir:
    """Create ``out/<parts>-<UTC timestamp>`` (user-only permissions) with its initial files.

    ``prepare`` writes those files (the manifest, ...) into a hidden staging directory that is
    then renamed into place, so a run directory never exists without its manifest, even if the
    process is killed in between. Staging folders left by killed processes are removed first.
    Every part is slugged, so the name is always a single plain component inside ``out``.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = ("-".join(slug(p) for p in parts if p) or "run") + f"-{stamp}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.{os.getpid()}.", dir=out))
    except OSError as exc:
        raise RolecallError(f"cannot create the run directory: {exc.strerror}", path=out) from None
    try:
        os.chmod(staging, 0o700)
        if prepare is not None:
            prepare(RunDir(staging))
        path = out / name
        n = 1
        while True:
            try:
                os.rename(staging, path)
                break
            except OSError:
                if not path.exists():
                    raise
                n += 1
                path = out / f"{name}-{n}"
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)  # a failed start leaves nothing behind
        if isinstance(exc, OSError):
            raise RolecallError(f"cannot create the run directory: {exc.strerror}", path=out) from None
        raise
    return RunDir(path)
