"""The grid file: which personas, models and instruments to cross, and how every cell is run.

A YAML mapping, validated strictly (``rolecall grid --schema`` prints its JSON Schema); an
error names the grid file and the line::

    personas: [personas/*.md]            # files or globs, relative to the grid file
    models: [local, "openai:llama3.1@http://gpu-1:8000/v1"]
    instruments: [research-orientation]  # built-in ids or YAML files; default: each persona's own
    judges: [semantic]                   # a panel: every judge scores every cell
    epochs: 3
    baseline: true
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from rolecall.defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_EPOCHS,
    DEFAULT_JUDGE,
    DEFAULT_MAX_TOKENS,
    DEFAULT_PERSONA_STYLE,
    DEFAULT_SEED,
    DEFAULT_TEMPERATURE,
)
from rolecall.errors import RolecallError
from rolecall.persona.model import PersonaStyle
from rolecall.yamlio import Loc, load_yaml_text, read_text, validate_model

Entry = Annotated[str, StringConstraints(min_length=1, max_length=2000)]

#: a grid of more cells than this is refused before anything runs (a glob gone wrong, usually)
MAX_CELLS = 100_000


def _default_styles() -> list[PersonaStyle]:
    return [DEFAULT_PERSONA_STYLE]  # the default of `rolecall run` (bench/validity.md)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resources(Strict):
    """What one cell reserves on a Ray worker (the ``ray`` executor; ignored by ``local``)."""

    num_cpus: float = Field(default=1.0, ge=0, description="CPUs each Ray worker reserves.")
    num_gpus: float = Field(default=0.0, ge=0, description="GPUs each Ray worker reserves (local models).")


class GridSpec(Strict):
    """A grid: every persona × model × instrument × persona style is one cell, an ordinary run."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = Field(
        default=None, description="The grid's name (default: the grid file's name)."
    )
    personas: list[Entry] = Field(
        min_length=1, description="Persona files or globs (`personas/*.md`), relative to the grid file."
    )
    models: list[Entry] = Field(min_length=1, description="Subject model specs, as `rolecall run --model`.")
    instruments: list[Entry] | None = Field(
        default=None,
        min_length=1,
        description="Built-in instrument ids or YAML files (relative to the grid file). "
        "Default: each persona's hypothesis instrument, else research-orientation.",
    )
    judges: list[Entry] = Field(
        default_factory=lambda: [DEFAULT_JUDGE],
        min_length=1,
        description="Judge specs; all of them judge every cell (a panel), as repeated `--judge`.",
    )
    persona_styles: list[PersonaStyle] = Field(
        default_factory=_default_styles,
        min_length=1,
        description="How the role is put to the subject; more than one makes the style an axis of the grid.",
    )
    epochs: int = Field(default=DEFAULT_EPOCHS, ge=1, le=1000, description="Samples per item (`--epochs`).")
    items: int | None = Field(
        default=None, ge=1, description="A seeded subset with at least this many items per dimension."
    )
    baseline: bool = Field(default=False, description="Also interview each model with no persona.")
    seed: int = DEFAULT_SEED
    temperature: float = Field(default=DEFAULT_TEMPERATURE, ge=0, le=2)
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=1, le=32768)
    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY, ge=1, le=1024, description="Calls in flight per model, per cell."
    )
    resources: Resources = Field(default_factory=Resources)

    @field_validator("personas", "models", "instruments", "judges", "persona_styles")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            dupes = sorted({v for v in value if value.count(v) > 1})
            if dupes:
                raise ValueError(f"{dupes[0]!r} is listed twice")
        return value


def grid_json_schema() -> str:
    return json.dumps(GridSpec.model_json_schema(), indent=2)


class LoadedGrid:
    """A validated grid file, with the line of every value (for errors about its entries)."""

    def __init__(self, spec: GridSpec, path: Path, text: str, lines: dict[Loc, int]):
        self.spec = spec
        self.path = path
        self.text = text
        self.lines = lines

    @property
    def base(self) -> Path:
        """The folder relative paths in the grid file start from."""
        return self.path.resolve().parent

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem

    def error(self, message: str, *loc: str | int) -> RolecallError:
        line = None
        probe: Loc = tuple(loc)
        while probe and line is None:
            line = self.lines.get(probe)
            probe = probe[:-1]
        return RolecallError(message, path=self.path, line=line)


def load_grid(path: Path) -> LoadedGrid:
    """Read and validate a grid file; a bad one is one RolecallError naming the file and line."""
    text = read_text(path, what="grid")
    data, lines = load_yaml_text(text, path=path)
    if not isinstance(data, dict):
        raise RolecallError("a grid file must be a YAML mapping (personas, models, ...)", path=path, line=1)
    spec = validate_model(GridSpec, data, path=path, lines=lines)
    return LoadedGrid(spec, path, text, lines)
