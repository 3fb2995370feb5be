"""Find and load instruments: built-in ids or YAML files, validated with file:line errors."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_text
from rolecall.instrument.schema import MAX_ITEMS, Instrument
from rolecall.yamlio import Loc, load_yaml_text, read_text, validate_model


def builtin_ids() -> list[str]:
    folder = resources.files("rolecall.instrument") / "builtin"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _builtin_path(instrument_id: str) -> Path:
    return Path(str(resources.files("rolecall.instrument") / "builtin" / f"{instrument_id}.yaml"))


def _inherit_dimensions(data: dict[str, Any], path: str | Path, lines: dict[Loc, int]) -> None:
    """Fill scale and dimensions from the built-in instrument named by ``dimensions_from``."""
    source = data.get("dimensions_from")
    if source is None:
        return
    line = lines.get(("dimensions_from",), 1)
    if not isinstance(source, str) or source not in builtin_ids():
        raise RolecallError(
            f"dimensions_from: {source!r} is not a built-in instrument ({', '.join(builtin_ids())})",
            path=path,
            line=line,
        )
    if "dimensions" in data:
        raise RolecallError("give either dimensions or dimensions_from, not both", path=path, line=line)
    base, _ = load_instrument(source)
    if base.dimensions_from is not None:
        raise RolecallError(
            f"dimensions_from: {source!r} itself inherits its dimensions", path=path, line=line
        )
    data["dimensions"] = [d.model_dump() for d in base.dimensions]
    data.setdefault("scale", base.scale.model_dump())


def _check_probes(data: dict[str, Any], path: str | Path, lines: dict[Loc, int]) -> None:
    """A session probe that names an item the instrument lacks, or a wording the item lacks, is
    an error at the probe's own line (the model's validator would only know the top level)."""
    session = data.get("session")
    probes = session.get("probes") if isinstance(session, dict) else None
    if not isinstance(probes, list):
        return
    items = {i.get("id"): i for i in data.get("items") or [] if isinstance(i, dict)}
    for n, probe in enumerate(probes):
        if not isinstance(probe, dict) or not isinstance(probe.get("item"), str):
            continue  # the schema says what is wrong with it
        where = ("session", "probes", n)
        item = items.get(probe["item"])
        if item is None:
            raise RolecallError(
                f"session.probes.{n}.item: unknown item {probe['item']!r}",
                path=path,
                line=lines.get((*where, "item"), lines.get(where)),
            )
        variant = probe.get("variant")
        variants = item.get("variants") or []
        if type(variant) is int and isinstance(variants, list) and variant > len(variants):
            raise RolecallError(
                f"session.probes.{n}.variant: item {probe['item']!r} has no variant {variant} "
                f"(it has {len(variants)})",
                path=path,
                line=lines.get((*where, "variant"), lines.get(where)),
            )


def parse_instrument(text: str, path: str | Path) -> Instrument:
    data, lines = load_yaml_text(text, path=path)
    if not isinstance(data, dict):
        raise RolecallError("an instrument must be a YAML mapping", path=path, line=1)
    items = data.get("items")
    if isinstance(items, list) and len(items) > MAX_ITEMS:  # refuse before validating them all
        raise RolecallError(
            f"items: {len(items):,} items; the limit is {MAX_ITEMS:,}", path=path, line=lines.get(("items",))
        )
    _inherit_dimensions(data, path, lines)
    _check_probes(data, path, lines)
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


@functools.lru_cache(maxsize=64)
def _id_of(ref: str) -> str:
    """The id of the instrument ``ref`` names: a built-in id as given, a file's own ``id``."""
    if ref in builtin_ids() or not (ref.endswith((".yaml", ".yml")) or "/" in ref):
        return ref
    try:
        return load_instrument(ref)[0].id
    except RolecallError:
        return ref  # a file that cannot be read names nothing; the run that loads it says why


def names_instrument(ref: str, instrument: Instrument) -> bool:
    """Whether a hypothesis's ``instrument:`` (a built-in id or a file path) is this instrument:
    a hypothesis that names its instrument by path applies to the runs of that file."""
    return ref == instrument.id or _id_of(ref) == instrument.id
