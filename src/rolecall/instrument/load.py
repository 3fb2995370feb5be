"""Find and load instruments: built-in ids or YAML files, validated with file:line errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_text
from rolecall.instrument.schema import Instrument
from rolecall.yamlio import load_yaml_text, read_text, validate_model


def builtin_ids() -> list[str]:
    folder = resources.files("rolecall.instrument") / "builtin"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _builtin_path(instrument_id: str) -> Path:
    return Path(str(resources.files("rolecall.instrument") / "builtin" / f"{instrument_id}.yaml"))


def parse_instrument(text: str, path: str | Path) -> Instrument:
    data, lines = load_yaml_text(text, path=path)
    if not isinstance(data, dict):
        raise RolecallError("an instrument must be a YAML mapping", path=path, line=1)
    return validate_model(Instrument, data, path=path, lines=lines)


def load_instrument(ref: str | Path) -> tuple[Instrument, str]:
    """Load an instrument by built-in id or path; return it with its content hash."""
    ref_s = str(ref)
    looks_like_path = ref_s.endswith((".yaml", ".yml")) or "/" in ref_s or Path(ref_s).exists()
    if looks_like_path:
        path = Path(ref_s)
    elif ref_s in builtin_ids():
        path = _builtin_path(ref_s)
    else:
        known = ", ".join(builtin_ids()) or "none"
        raise RolecallError(f"unknown instrument {ref_s!r}: give a built-in id ({known}) or a YAML file path")
    text = read_text(path, what="instrument")
    return parse_instrument(text, path), sha256_text(text)
