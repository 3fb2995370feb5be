"""Expand a grid file into cells, and fingerprint each cell's inputs.

A cell is one persona × model × instrument × persona style, run with the grid's settings. Its
inputs are hashed one by one (``Cell.inputs``): the persona file's content, the instrument's
content, the model spec (with the content of the rules or transcript file a ``scripted:`` or
``replay:`` spec names, and the size of a ``local:*.gguf`` file), the judges likewise, and the
settings (epochs, items, seed, sampling, baseline, style). A done cell whose hashes are unchanged
is not run again.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from rolecall.defaults import DEFAULT_JUDGE
from rolecall.errors import RolecallError
from rolecall.grids.spec import MAX_CELLS, LoadedGrid
from rolecall.hashing import sha256_file, sha256_json
from rolecall.instrument import Instrument, load_instrument, names_instrument
from rolecall.persona import Persona, load_persona
from rolecall.persona.model import PersonaStyle
from rolecall.pipeline import DEFAULT_INSTRUMENT, RunConfig
from rolecall.rundir.layout import slug

#: providers whose spec names a file that is part of the model (its content is hashed)
_FILE_PROVIDERS = ("scripted", "replay")


@dataclass(frozen=True)
class Cell:
    """One run of the grid: where it sits (labels) and everything it is run with."""

    id: str
    persona: str  # label: the persona file's name, unique within the grid
    persona_path: Path  # absolute
    model: str  # as the grid file writes it (the matrix's column label)
    model_spec: str  # with a relative rules/transcript/GGUF path made absolute
    instrument: str  # label: the instrument's id
    instrument_ref: str  # a built-in id or an absolute path
    persona_style: PersonaStyle
    judges: tuple[str, ...]
    settings: dict[str, Any] = field(hash=False)
    inputs: dict[str, str] = field(hash=False)
    has_hypothesis: bool = False
    #: whether the grid crosses persona styles (then the style is part of the column label)
    style_axis: bool = False

    @property
    def inputs_sha256(self) -> str:
        return sha256_json(self.inputs)

    @property
    def column(self) -> str:
        """The label of this cell's column in the persona × model matrix."""
        return f"{self.model} · {self.persona_style}" if self.style_axis else self.model

    @property
    def instrument_is_file(self) -> bool:
        return Path(self.instrument_ref).is_absolute()

    def run_config(self, out: Path, *, use_cache: bool = True) -> RunConfig:
        s = self.settings
        return RunConfig(
            persona=self.persona_path,
            instrument=self.instrument_ref,
            model=self.model_spec,
            judges=list(self.judges),
            epochs=s["epochs"],
            concurrency=s["concurrency"],
            seed=s["seed"],
            temperature=s["temperature"],
            max_tokens=s["max_tokens"],
            out=out,
            baseline=s["baseline"],
            use_cache=use_cache,
            items_per_dimension=s["items"],
            persona_style=self.persona_style,
        )


def _known_provider(provider: str) -> bool:
    from rolecall.models.registry import BUILTIN

    if provider in BUILTIN:
        return True
    return any(ep.name == f"provider.{provider}" for ep in metadata.entry_points(group="rolecall"))


def resolve_spec(spec: str, base: Path) -> str:
    """``spec`` with a relative file path (scripted:, replay:, local:*.gguf) made absolute when
    that file exists next to the grid file; every other spec unchanged."""
    provider, _, rest = spec.strip().partition(":")
    suffix = ""
    if rest.endswith("+logprob"):
        rest, suffix = rest.removesuffix("+logprob"), "+logprob"
    names_file = provider in _FILE_PROVIDERS or (provider == "local" and rest.endswith(".gguf"))
    if names_file and rest and not Path(rest).expanduser().is_absolute() and (base / rest).exists():
        return f"{provider}:{(base / rest).resolve()}{suffix}"
    return spec.strip()


def spec_fingerprint(spec: str) -> str:
    """The hash of a model or judge spec, with the content of a rules/transcript file it names
    (a GGUF file is fingerprinted by name and size, as its identity in the manifest is)."""
    provider, _, rest = spec.partition(":")
    rest = rest.removesuffix("+logprob")
    parts: dict[str, str] = {"spec": spec}
    path = Path(rest).expanduser()
    if provider in _FILE_PROVIDERS and path.is_file():
        parts["file"] = sha256_file(path)
    elif provider == "local" and rest.endswith(".gguf") and path.is_file():
        parts["file"] = f"{path.name}:{path.stat().st_size}"
    return sha256_json(parts)


def _persona_paths(grid: LoadedGrid) -> list[tuple[Path, int]]:
    """Every persona file the entries name, in order, once each, with the entry's index."""
    seen: dict[Path, int] = {}
    for k, entry in enumerate(grid.spec.personas):
        pattern = Path(entry).expanduser()
        full = pattern if pattern.is_absolute() else grid.base / pattern
        if glob.has_magic(entry):
            matches = sorted(Path(m) for m in glob.glob(str(full), recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                raise grid.error(f"personas: {entry!r} matches no file", "personas", k)
        else:
            if not full.is_file():
                raise grid.error(f"personas: {entry!r}: no such file", "personas", k)
            files = [full]
        for f in files:
            seen.setdefault(f.resolve(), k)
    return list(seen.items())


def _labels(paths: list[Path], base: Path) -> dict[Path, str]:
    """A short, unique label per persona file: its name without suffix, else its relative path."""
    stems = [p.stem for p in paths]
    out: dict[Path, str] = {}
    for p in paths:
        if stems.count(p.stem) == 1:
            out[p] = p.stem
            continue
        try:
            out[p] = str(p.relative_to(base).with_suffix(""))
        except ValueError:
            out[p] = str(p.with_suffix(""))
    return out


def _check_specs(grid: LoadedGrid, key: str, specs: list[str]) -> None:
    for k, spec in enumerate(specs):
        if key == "judges" and spec == DEFAULT_JUDGE:
            continue
        provider = spec.strip().partition(":")[0]
        if not _known_provider(provider):
            raise grid.error(f"{key}: unknown model provider {provider!r} in {spec!r}", key, k)


def expand(grid: LoadedGrid) -> list[Cell]:
    """Every cell of the grid, personas outermost; inputs are read and validated here, so a bad
    persona or instrument stops the grid before anything runs."""
    spec = grid.spec
    _check_specs(grid, "models", spec.models)
    _check_specs(grid, "judges", spec.judges)
    persona_files = _persona_paths(grid)
    labels = _labels([p for p, _ in persona_files], grid.base)
    personas: list[tuple[Persona, Path]] = [(load_persona(p), p) for p, _ in persona_files]

    instruments: dict[str, tuple[Instrument, str, str]] = {}  # ref -> (instrument, sha256, resolved)

    def instrument(ref: str, loc: tuple[str | int, ...] | None) -> tuple[Instrument, str, str]:
        if ref not in instruments:
            path = Path(ref).expanduser()
            resolved = ref
            if ref.endswith((".yaml", ".yml")) or "/" in ref:
                full = path if path.is_absolute() else grid.base / path
                if not full.is_file() and loc is not None:
                    raise grid.error(f"instruments: {ref!r}: no such file", *loc)
                resolved = str(full.resolve())
            inst, digest = load_instrument(resolved)
            instruments[ref] = (inst, digest, resolved)
        return instruments[ref]

    models = [(m, resolve_spec(m, grid.base)) for m in spec.models]
    judges = tuple(resolve_spec(j, grid.base) for j in spec.judges)
    judges_fp = sha256_json([spec_fingerprint(j) for j in judges])
    style_axis = len(spec.persona_styles) > 1
    total = len(personas) * len(models) * len(spec.persona_styles) * len(spec.instruments or [None])
    if total > MAX_CELLS:
        raise grid.error(f"the grid has {total:,} cells; the limit is {MAX_CELLS:,}", "personas")

    cells: list[Cell] = []
    for persona, path in personas:
        refs: list[tuple[str, tuple[str | int, ...] | None]]
        if spec.instruments:
            refs = [(ref, ("instruments", k)) for k, ref in enumerate(spec.instruments)]
        else:
            default = persona.hypothesis.instrument if persona.hypothesis else DEFAULT_INSTRUMENT
            refs = [(default, None)]
        for ref, loc in refs:
            inst, digest, resolved = instrument(ref, loc)
            for written, model_spec in models:
                for style in spec.persona_styles:
                    settings: dict[str, Any] = {
                        "epochs": spec.epochs,
                        "items": spec.items,
                        "seed": spec.seed,
                        "temperature": spec.temperature,
                        "max_tokens": spec.max_tokens,
                        "baseline": spec.baseline,
                        "persona_style": style,
                    }
                    inputs = {
                        "persona": persona.content_hash,
                        "instrument": digest,
                        "model": spec_fingerprint(model_spec),
                        "judges": judges_fp,
                        "settings": sha256_json(settings),
                    }
                    parts = [labels[path], written, inst.id] + ([style] if style_axis else [])
                    cells.append(
                        Cell(
                            id="__".join(slug(p, 60) for p in parts),
                            persona=labels[path],
                            persona_path=path,
                            model=written,
                            model_spec=model_spec,
                            instrument=inst.id,
                            instrument_ref=resolved,
                            persona_style=style,
                            judges=judges,
                            settings={**settings, "concurrency": spec.concurrency},
                            inputs=inputs,
                            has_hypothesis=bool(
                                persona.hypothesis and names_instrument(persona.hypothesis.instrument, inst)
                            ),
                            style_axis=style_axis,
                        )
                    )
    return _unique_ids(cells)


def _unique_ids(cells: list[Cell]) -> list[Cell]:
    """Slugs may collide ("gpt-4o" and "gpt 4o"): such cells get a short hash of their labels."""
    from dataclasses import replace

    ids = [c.id for c in cells]
    out = []
    for c in cells:
        if ids.count(c.id) > 1:
            key = sha256_json([c.persona, c.model, c.instrument_ref, c.persona_style])[:8]
            c = replace(c, id=f"{c.id}__{key}")
        out.append(c)
    if len({c.id for c in out}) != len(out):  # the same labels twice: the grid file lists them twice
        raise RolecallError("the grid names the same cell twice")
    return out
