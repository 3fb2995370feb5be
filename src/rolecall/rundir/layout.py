"""The run directory: where each stage's file lives, and safe creation."""

from __future__ import annotations

import json
import os
import re
import tempfile
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
        return json.loads(self.summary.read_text(encoding="utf-8"))


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
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s or "run")[:limit].strip("-")


def new_run_dir(out: Path, *parts: str, prepare: Callable[[RunDir], None] | None = None) -> RunDir:
    """Create ``out/<parts>-<UTC timestamp>`` (user-only permissions) with its initial files.

    ``prepare`` writes those files (the manifest, ...) into a hidden staging directory that is
    then renamed into place, so a run directory never exists without its manifest, even if the
    process is killed in between.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = "-".join(slug(p) for p in parts if p) + f"-{stamp}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out))
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
    except OSError as exc:
        raise RolecallError(f"cannot create the run directory: {exc.strerror}", path=out) from None
    return RunDir(path)
