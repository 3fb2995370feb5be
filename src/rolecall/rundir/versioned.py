"""The versioning every result file shares (summary.json, timing.json, compare.json, rerun.json,
ablation.json, grid.json): its blocks, how a file is written and how it is read back.

Writing: ``dump_versioned`` validates the producer's dict and returns what to write, with
``schema_version`` first; keys the producer left out stay out (``exclude_unset``), so readers
that index the dict see what they saw before. A block that is left out when there is nothing
to say is ``Omittable``: absent, never ``null``.

Reading: ``read_versioned`` refuses a file written by a newer rolecall (its ``schema_version``
is higher than ``SCHEMA_VERSION``) and migrates an older one step by step (``_MIGRATIONS``); a
file without ``schema_version`` predates versioning and is version 0, whose migration only adds
the field. Anything that does not then validate is one ``RolecallError`` naming the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema

from rolecall.errors import RolecallError

#: the version of every file modelled here that this rolecall writes and reads
SCHEMA_VERSION = 1

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # an omitted block has no value, not a null one


class _Omitted:
    """Marks an ``Omittable`` field: its key is left out when there is nothing to say."""


_OMITTED = _Omitted()
#: a key that is left out when there is nothing to say: absent, never null (``Block`` refuses null)
Omittable = Annotated[T | SkipJsonSchema[None], _OMITTED, Field(json_schema_extra=_no_default)]

Version = Annotated[
    Literal[1],
    Field(description="The file format's version; a newer one is refused, an older one migrated."),
]


class Block(BaseModel):
    """A block whose every key is known: exact JSON types, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _omitted_not_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if name in data and data[name] is None and _OMITTED in field.metadata:
                    raise ValueError(f"{name}: null (a block with nothing to say is left out)")
        return data


# ---------------------------------------------------------------- writing and reading


def _add_version(data: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, **data}


#: version -> the function that turns a file of that version into one of the next
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _add_version}


def _where(exc: ValidationError, data: Any) -> str:
    """The first error as 'path.to.key: message', the path following the data (union branch
    names that pydantic puts in the location are left out)."""
    err = exc.errors()[0]
    parts: list[str] = []
    node = data
    part: Any
    for part in err["loc"]:
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        elif isinstance(part, str) and (part[:1].isupper() or "[" in part):
            continue  # a union branch (a model or type name), not a key of the data
        parts.append(str(part))
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(parts)}: {msg}" if parts else msg


def dump_versioned(model: type[M], data: Mapping[str, Any], *, path: Path) -> dict[str, Any]:
    """``data`` validated against ``model``, as it is written to ``path``: ``schema_version``
    first, then the keys ``data`` has (and no others). Data that does not validate is a bug or a
    damaged input that slipped through; it is refused, naming the file it was meant for."""
    try:
        checked = model.model_validate({**data, "schema_version": SCHEMA_VERSION})
    except ValidationError as exc:
        raise RolecallError(
            f"{path.name} not written: it would not match its schema ({_where(exc, data)})", path=path
        ) from None
    return checked.model_dump(mode="json", exclude_unset=True)


def read_versioned(path: Path, data: Any, model: type[M], *, rebuild: str | None) -> dict[str, Any]:
    """The parsed JSON ``data`` of ``path``, migrated to this version and validated against
    ``model``; refused with one line naming the file (and how to rebuild it, if it can be)."""
    name = path.name
    hint = f"; rebuild it with `{rebuild}`" if rebuild else "; remove it to start it afresh"
    if not isinstance(data, dict):
        raise RolecallError(f"{name} is not a JSON object{hint}", path=path)
    version = data.get("schema_version", 0)
    if type(version) is not int or version < 0:
        raise RolecallError(
            f"{name} is not valid (schema_version: {repr(version)[:40]} is not a version){hint}", path=path
        )
    if version > SCHEMA_VERSION:
        raise RolecallError(
            f"{name} was written by a newer rolecall (schema {version}); "
            f"this one reads schema {SCHEMA_VERSION}",
            path=path,
        )
    original = version
    while version < SCHEMA_VERSION:
        migrate = _MIGRATIONS.get(version)
        if migrate is None:
            raise RolecallError(
                f"{name} was written by an older rolecall (schema {version}) and cannot be read by this one "
                f"(schema {SCHEMA_VERSION}){hint}",
                path=path,
            )
        data = migrate(data)
        version += 1
    try:
        checked = model.model_validate(data)
    except ValidationError as exc:
        if original == SCHEMA_VERSION:
            what = "is not valid"
        elif original == 0:
            what = f"predates schema versions and does not match schema {SCHEMA_VERSION}"
        else:
            what = f"(schema {original}) does not migrate to schema {SCHEMA_VERSION}"
        raise RolecallError(f"{name} {what} ({_where(exc, data)}){hint}", path=path) from None
    return checked.model_dump(mode="json", exclude_unset=True)
