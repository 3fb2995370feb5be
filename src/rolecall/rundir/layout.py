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

from pydantic import ValidationError

from rolecall.errors import RolecallError
from rolecall.rundir.jsonl import read_records
from rolecall.rundir.records import (
    AgreementFile,
    FailureRecord,
    Manifest,
    NarrativeFile,
    RelevanceRecord,
    ScoreRecord,
    SessionScoreRecord,
    SessionStop,
    Shape,
    TurnRecord,
)
from rolecall.rundir.summary import Summary, Timing
from rolecall.rundir.versioned import read_versioned


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
    def relevance(self) -> Path:
        return self.path / "relevance.jsonl"

    @property
    def sessions(self) -> Path:
        """Sessions that stopped early (context exhausted)."""
        return self.path / "sessions.jsonl"

    @property
    def session_scores(self) -> Path:
        """Session-level judgements: one per session × dimension × judge."""
        return self.path / "session_scores.jsonl"

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

    @property
    def timing(self) -> Path:
        return self.path / "timing.json"

    @property
    def narrative(self) -> Path:
        return self.path / "narrative.json"

    def read_manifest(self) -> Manifest:
        if not self.manifest.is_file():
            raise RolecallError("not a run directory (no manifest.json)", path=self.path)
        data = _load_json(self.manifest, None)
        try:
            return Manifest.model_validate(data)
        except ValidationError as exc:
            raise RolecallError(
                f"manifest.json is not valid: {_first_error(exc)}", path=self.manifest
            ) from None

    def read_summary(self) -> dict[str, Any]:
        if not self.summary.exists():
            raise RolecallError("run has no summary.json yet (was it interrupted?)", path=self.path)
        # versioned: a newer schema is refused, an older one migrated, then validated (rundir/summary.py)
        rebuild = f"rolecall report {self.path}"
        return read_versioned(self.summary, _load_json(self.summary, rebuild), Summary, rebuild=rebuild)

    def read_agreement(self) -> dict[str, Any] | None:
        """agreement.json (written by ``rolecall agreement``), or None when there is none."""
        if not self.agreement.exists():
            return None
        return _read_object(self.agreement, AgreementFile, f"rolecall agreement {self.path}")

    def read_timing(self) -> dict[str, Any] | None:
        """timing.json (call counts per model and wall time), or None when there is none."""
        if not self.timing.exists():
            return None
        return read_versioned(self.timing, _load_json(self.timing, None), Timing, rebuild=None)

    def read_narrative(self) -> dict[str, Any] | None:
        """narrative.json (written by ``rolecall report --writer``), or None when there is none."""
        if not self.narrative.exists():
            return None
        return _read_object(self.narrative, NarrativeFile, f"rolecall report {self.path} --writer SPEC")

    def verify(self, *, records: bool = True, agreement: bool = True) -> Manifest:
        """Read every file a later stage reads back; a damaged one is one error naming it (and its line).

        Commands call this before they start work, so that a damaged run is refused up front
        rather than after a progress display or a half-finished stage. ``records``: the JSONL
        files too (their readers refuse a bad line anyway, but only once a stage reaches it).
        ``agreement``: agreement.json too (``rolecall agreement`` rewrites it instead).
        """
        manifest = self.read_manifest()
        self.read_timing()
        self.read_narrative()
        if agreement:
            self.read_agreement()
        if records:
            for path, model in (
                (self.transcript, TurnRecord),
                (self.scores, ScoreRecord),
                (self.failures, FailureRecord),
                (self.relevance, RelevanceRecord),
                (self.sessions, SessionStop),
                (self.session_scores, SessionScoreRecord),
            ):
                for _ in read_records(path, model):
                    pass
        return manifest


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def _load_json(path: Path, rebuild: str | None) -> Any:
    """The JSON value in a file rolecall wrote; unreadable, not UTF-8 or not JSON is one error."""
    hint = f"; rebuild it with `{rebuild}`" if rebuild else ""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RolecallError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RolecallError(
            f"{path.name} is not UTF-8 text (byte {exc.start}){hint}",
            path=path,
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RolecallError(
            f"{path.name} is not valid JSON ({exc.msg}){hint}", path=path, line=exc.lineno
        ) from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise RolecallError(f"{path.name} is not valid JSON ({exc}){hint}", path=path) from None


def _read_object(path: Path, shape: type[Shape], rebuild: str | None) -> dict[str, Any]:
    """A JSON object file rolecall wrote, checked against the shape its readers rely on."""
    hint = f"; rebuild it with `{rebuild}`" if rebuild else "; remove it to start it afresh"
    data = _load_json(path, rebuild)
    if not isinstance(data, dict):
        raise RolecallError(f"{path.name} is not a JSON object{hint}", path=path)
    try:
        shape.model_validate(data)
    except ValidationError as exc:
        raise RolecallError(f"{path.name} is not valid ({_first_error(exc)}){hint}", path=path) from None
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
