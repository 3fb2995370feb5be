"""A record model's contract as a plain-dict validator: the same checks, no model instance per line.

Building a pydantic model instance costs several times what validating its JSON does, and the
summary of a large run reads millions of lines of which it keeps a few columns. ``row_validator``
derives, from a record model, a ``TypedDict`` validator with the model's field types, its
required fields, its config (``extra="forbid"``) and its ``before`` model validators (the
legacy rewrites), so a line it accepts is exactly one the model accepts, with the same values.
A row holds only the keys the line had (plus what a before validator added): defaults are the
model's, read with ``row_default``.

Models with anything a dict cannot carry (field validators, ``after``/``wrap`` model
validators, aliases, a ``model_post_init``) get no row validator (None): read them as models.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, NotRequired, Required, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

#: validates one JSON line (bytes) into a row dict; raises pydantic's ValidationError
RowParser = Callable[[bytes], dict[str, Any]]

#: config keys that change what validation accepts, copied from the model's config
_VALIDATION_CONFIG = ("extra", "strict", "str_strip_whitespace", "str_to_lower", "str_to_upper",
                      "str_max_length", "str_min_length", "allow_inf_nan", "coerce_numbers_to_str",
                      "ser_json_inf_nan", "val_json_bytes", "regex_engine", "use_enum_values")  # fmt: skip


def _supported(model: type[BaseModel]) -> bool:
    decorators = model.__pydantic_decorators__
    return (
        not decorators.field_validators
        and not decorators.validators
        and not decorators.root_validators
        and all(d.info.mode == "before" for d in decorators.model_validators.values())
        and model.__pydantic_post_init__ is None
        and all(
            f.alias is None and f.validation_alias is None and not f.discriminator
            for f in model.model_fields.values()
        )
    )


@functools.cache
def row_validator(model: type[BaseModel]) -> RowParser | None:
    """A validator of ``model``'s JSON lines into row dicts (None: read this model as models)."""
    if not _supported(model):
        return None
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        ann: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = Required[ann] if info.is_required() else NotRequired[ann]
    typed_dict: Any = TypedDict  # the functional form, with a computed name and fields
    row_type: Any = typed_dict(f"{model.__name__}Row", fields)
    config = {k: v for k, v in model.model_config.items() if k in _VALIDATION_CONFIG}
    row_type.__pydantic_config__ = ConfigDict(**config)  # type: ignore[typeddict-item]
    for decorator in model.__pydantic_decorators__.model_validators.values():
        # ``func`` is the classmethod bound to the model: it takes the raw input, as there
        row_type = Annotated[row_type, BeforeValidator(decorator.func)]
    return cast(RowParser, TypeAdapter(row_type).validator.validate_json)


@functools.cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


def row_default(model: type[BaseModel], field: str) -> Any:
    """The default of ``model``'s ``field`` (a fresh value each call for a ``default_factory``)."""
    info = model.model_fields[field]
    return info.get_default(call_default_factory=True) if info.default_factory else _defaults(model)[field]
