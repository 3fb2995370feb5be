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


#: libyaml when available: composing a large file is an order of magnitude faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Walk:
    """Node tree → plain data plus a line map, refusing alias bombs (more values than characters)."""

    def __init__(self, budget: int):
        self.constructor = yaml.constructor.SafeConstructor()
        self.budget = budget
        self.lines: dict[Loc, int] = {}

    def scalar(self, node: yaml.Node) -> Any:
        value = self.constructor.construct_object(node)
        self.constructor.constructed_objects.clear()
        return value

    def __call__(self, node: yaml.Node, loc: Loc) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise RolecallError(
                "the YAML expands to more values than the file has characters (aliases?)",
                line=node.start_mark.line + 1,
            )
        self.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else key_node
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise RolecallError("mapping keys must be plain scalars", line=line)
                if key in out:
                    raise RolecallError(f"duplicate key {key!r}", line=line)
                out[key] = self(value_node, (*loc, str(key)))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self(child, (*loc, i)) for i, child in enumerate(node.value)]
        return self.scalar(node)


def load_yaml_text(text: str, *, path: str | Path, line_offset: int = 0) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; return the data and a map from value location to 1-based line."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else None
        raise RolecallError(f"invalid YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise RolecallError(f"invalid YAML: {exc}", path=path) from None
    if node is None:
        return None, {}
    walk = _Walk(budget=len(text) + 16)
    try:
        data = walk(node, ())
    except RolecallError as exc:
        raise RolecallError(exc.message, path=path, line=(exc.line or 0) + line_offset) from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        raise RolecallError(f"invalid YAML: {exc}", path=path) from None
    lines = walk.lines
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return data, lines


def read_text(path: str | Path, *, what: str) -> str:
    """Read a UTF-8 input file (universal newlines) of at most ``MAX_FILE_BYTES``.

    The size is checked before reading, and the read itself stops one byte past the limit, so
    a huge file, a growing one or a device such as /dev/zero costs at most the limit in memory.
    """
    p = Path(path)
    if not p.exists():
        raise RolecallError(f"{what} file not found", path=p)
    if p.is_dir():
        raise RolecallError(f"expected a {what} file, got a directory", path=p)
    too_big = f"{what} file is larger than the limit of {MAX_FILE_BYTES:,} bytes"
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RolecallError(f"{what} file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", path=p)
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RolecallError(f"cannot read {what} file: {exc.strerror}", path=p) from None
    if len(data) > MAX_FILE_BYTES:
        raise RolecallError(too_big, path=p)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RolecallError(f"not UTF-8 text (byte {exc.start})", path=p) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as Path.read_text would


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
