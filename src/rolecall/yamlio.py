"""YAML loading that remembers where each value came from, so errors can name file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rolecall.errors import RolecallError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES = 20 * 1024 * 1024


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node)) if key_node.tag else key_node.value
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise RolecallError("mapping keys must be plain scalars", line=key_node.start_mark.line + 1)
            if key in out:
                raise RolecallError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
            out[key] = _walk(value_node, (*loc, str(key)), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, (*loc, i), lines) for i, child in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def load_yaml_text(text: str, *, path: str | Path, line_offset: int = 0) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; return the data and a map from value location to 1-based line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else None
        raise RolecallError(f"invalid YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise RolecallError(f"invalid YAML: {exc}", path=path) from None
    if node is None:
        return None, {}
    lines: dict[Loc, int] = {}
    try:
        data = _walk(node, (), lines)
    except RolecallError as exc:
        raise RolecallError(exc.message, path=path, line=(exc.line or 0) + line_offset) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise RolecallError(f"invalid YAML: {exc}", path=path) from None
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return data, lines


def read_text(path: str | Path, *, what: str) -> str:
    p = Path(path)
    if not p.exists():
        raise RolecallError(f"{what} file not found", path=p)
    if p.is_dir():
        raise RolecallError(f"expected a {what} file, got a directory", path=p)
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RolecallError(f"{what} file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", path=p)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RolecallError(f"not UTF-8 text (byte {exc.start})", path=p) from None
    except OSError as exc:
        raise RolecallError(f"cannot read {what} file: {exc.strerror}", path=p) from None


def validate_model(model: type[M], data: Any, *, path: str | Path, lines: dict[Loc, int]) -> M:
    """Validate ``data`` into ``model``; turn the first pydantic error into a file:line error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc: Loc = tuple(err["loc"])
        line = None
        probe = loc
        while probe:
            if probe in lines:
                line = lines[probe]
                break
            probe = probe[:-1]
        if line is None:
            line = lines.get(())
        field = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        raise RolecallError(f"{field}: {msg}", path=path, line=line) from None
