"""Starting and reopening a run: validate the inputs, resolve the instrument, write the manifest.

Everything here happens before the first model call, so a bad persona, instrument, model spec or
hypothesis stops the run with one line and no run directory half made.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rolecall import __version__
from rolecall.defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_EPOCHS,
    DEFAULT_JUDGE,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL,
    DEFAULT_OUT,
    DEFAULT_PERSONA_STYLE,
    DEFAULT_SEED,
    DEFAULT_TEMPERATURE,
)
from rolecall.errors import RolecallError
from rolecall.instrument import (
    Instrument,
    load_instrument,
    names_instrument,
    run_instrument,
    select_items,
    subset,
)
from rolecall.judge import JUDGE_PARAMS, describe_judge
from rolecall.models import GenParams, ModelAPI, make_model
from rolecall.persona import Persona, load_persona
from rolecall.persona.model import PersonaStyle
from rolecall.rundir import Manifest, RunDir, new_run_dir, repair_tail, write_json_atomic
from rolecall.rundir.records import InstrumentRef, ModelRef, PersonaRef

DEFAULT_INSTRUMENT = "research-orientation"
PACKAGES = ("rolecall", "llama-cpp-python", "pydantic", "numpy", "scipy", "mlflow", "httpx")


@dataclass
class RunConfig:
    persona: Path
    instrument: str | None = None
    model: str = DEFAULT_MODEL
    judges: list[str] = field(default_factory=lambda: [DEFAULT_JUDGE])
    epochs: int = DEFAULT_EPOCHS
    concurrency: int = DEFAULT_CONCURRENCY
    seed: int = DEFAULT_SEED
    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS
    out: Path = Path(DEFAULT_OUT)
    baseline: bool = False
    use_cache: bool = True
    calibration: Path | None = None
    #: ask a seeded, dimension-balanced subset with at least this many items per dimension
    items_per_dimension: int | None = None
    #: first-person by measurement: bench/validity.md (subject comparison), docs/decisions.md
    persona_style: PersonaStyle = DEFAULT_PERSONA_STYLE


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def check_hypothesis(persona: Persona, instrument: Instrument) -> None:
    hyp = persona.hypothesis
    if hyp is None or not names_instrument(hyp.instrument, instrument):
        return
    from rolecall.stats import parse_range

    dim_ids = {d.id for d in instrument.dimensions}
    for dim_id, expr in hyp.expect.items():
        if dim_id not in dim_ids:
            raise RolecallError(
                f"hypothesis names unknown dimension {dim_id!r} of instrument {instrument.id!r} "
                f"(known: {', '.join(sorted(dim_ids))})",
                path=persona.path,
                line=persona.expect_lines.get(dim_id, persona.hypothesis_line),
            )
        try:
            parse_range(expr, scale_min=instrument.scale.min, scale_max=instrument.scale.max)
        except ValueError as exc:
            raise RolecallError(
                f"hypothesis range for {dim_id!r}: {exc}",
                path=persona.path,
                line=persona.expect_lines.get(dim_id, persona.hypothesis_line),
            ) from None


def resolve_instrument(persona: Persona, ref: str | None) -> tuple[Instrument, str, str]:
    if ref is None and persona.hypothesis is not None:
        ref = persona.hypothesis.instrument
        try:
            instrument, digest = load_instrument(ref)
        except RolecallError as exc:
            if exc.path is not None:
                raise  # the instrument file itself is at fault
            raise RolecallError(
                f"hypothesis: {exc.message}", path=persona.path, line=persona.hypothesis_line
            ) from None
    else:
        ref = ref or DEFAULT_INSTRUMENT
        instrument, digest = load_instrument(ref)
    check_hypothesis(persona, instrument)
    return instrument, digest, ref


def _model_entry(model: ModelAPI) -> ModelRef:
    return ModelRef(spec=model.spec, identity=model.identity)


def start_run(cfg: RunConfig) -> tuple[RunDir, Persona, Instrument, Manifest]:
    """Validate every input, then create the run directory and write its manifest."""
    if cfg.epochs < 1:
        raise RolecallError("--epochs must be at least 1")
    if cfg.concurrency < 1:
        raise RolecallError("--concurrency must be at least 1")
    persona = load_persona(cfg.persona)
    instrument, digest, ref = resolve_instrument(persona, cfg.instrument)
    selection: dict[str, Any] = {}
    if cfg.items_per_dimension is not None and instrument.session is not None:
        raise RolecallError(
            f"--items: {instrument.id} is a session instrument: its probes are turns of one conversation"
        )
    if cfg.items_per_dimension is not None:
        if cfg.items_per_dimension < 1:
            raise RolecallError("--items must be at least 1")
        ids = select_items(instrument, cfg.items_per_dimension, cfg.seed)
        instrument = subset(instrument, ids)
        selection = {"items": ids, "items_per_dimension": cfg.items_per_dimension}
    subject = make_model(cfg.model)
    judges = [describe_judge(spec) for spec in cfg.judges]
    calibration = None
    if cfg.calibration:
        from rolecall.calibration import manifest_entry

        calibration = manifest_entry(cfg.calibration, instrument.id, cfg.judges)
    params = GenParams(temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=cfg.seed)
    manifest = Manifest(
        rolecall_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        persona=PersonaRef(
            name=persona.name,
            path=str(Path(persona.path).resolve()),
            sha256=persona.content_hash,
            style=cfg.persona_style,
        ),
        instrument=InstrumentRef(
            ref=ref, id=instrument.id, version=instrument.version, sha256=digest, **selection
        ),
        subject_model=_model_entry(subject),
        judges=judges,
        params=params.model_dump(mode="json"),
        judge_params=JUDGE_PARAMS.model_dump(mode="json"),
        epochs=cfg.epochs,
        seed=cfg.seed,
        concurrency=cfg.concurrency,
        baseline=cfg.baseline,
        calibration=calibration,
        packages=package_versions(),
        platform={
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "system": platform.system(),
        },
    )
    run = new_run_dir(
        cfg.out, persona.name, instrument.id, prepare=lambda r: write_json_atomic(r.manifest, manifest)
    )
    return run, persona, instrument, manifest


def reopen(path: Path) -> tuple[RunDir, Instrument, Manifest]:
    """Open a run directory to add to it (resume, more judges): its instrument must not have
    changed since it started, and a torn last line of a JSONL file (a crash) is repaired."""
    run = RunDir(path)
    manifest = run.read_manifest()
    instrument, digest = run_instrument(manifest.instrument)
    if digest != manifest.instrument.sha256:
        raise RolecallError(
            "the instrument changed since this run started; start a new run instead",
            path=manifest.instrument.ref,
        )
    for f in (run.transcript, run.scores, run.failures, run.relevance, run.sessions, run.session_scores):
        repair_tail(f)
    return run, instrument, manifest


def reopen_run(path: Path) -> tuple[RunDir, Persona, Instrument, Manifest]:
    """Load a run directory for resuming; its inputs must not have changed since it started."""
    manifest = RunDir(path).read_manifest()
    if manifest.persona is None:
        raise RolecallError(
            "this run scored a transcript; resume it with `rolecall score --resume`", path=path
        )
    persona = load_persona(manifest.persona.path)
    if persona.content_hash != manifest.persona.sha256:
        raise RolecallError(
            "the persona file changed since this run started; start a new run instead",
            path=manifest.persona.path,
        )
    run, instrument, manifest = reopen(path)
    return run, persona, instrument, manifest
