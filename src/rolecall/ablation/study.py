"""An ablation study: prepare it (variants, existing runs, cost), run it, write ablation.json.

The ablation directory holds one folder per variant (``full``, ``without-personality``, ...),
each with the variant's persona file and its run directory: an ordinary run, made by
``pipeline.start_run`` and ``execute_run``, so ``report``, ``compare`` and ``check`` work on it.
Re-running the same study into the same directory resumes it: a variant whose run finished
without failed calls is skipped, an unfinished one is resumed (``pipeline.reopen_run``), and a
run made with other settings (model, judges, epochs, items, sampling) is refused rather than
mixed in. Every run shares the response cache, so identical calls are never paid twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rolecall.ablation.effects import ALPHA, Arm, analyse
from rolecall.ablation.variants import Variant, build_variants, check_variant
from rolecall.defaults import DEFAULT_OUT
from rolecall.errors import RolecallError
from rolecall.hashing import sha256_text
from rolecall.instrument import Instrument, Item, select_items, subset
from rolecall.interview import pending_tasks
from rolecall.judge import describe_judge
from rolecall.models import GenParams, make_model
from rolecall.persona import Persona
from rolecall.pipeline import Outcome, RunConfig, execute_run, reopen_run, resolve_instrument, start_run
from rolecall.progress import Bar, NullProgress, Progress
from rolecall.rundir import Manifest, RunDir, write_json_atomic, write_text_atomic
from rolecall.rundir.ablation import AblationResult
from rolecall.rundir.layout import slug
from rolecall.rundir.versioned import dump_versioned


@dataclass
class AblationConfig:
    persona: Path
    run: RunConfig = field(default_factory=lambda: RunConfig(persona=Path()))
    out: Path | None = None
    mode: str = "leave-out"
    sections: list[str] | None = None
    sentences_of: str | None = None
    alpha: float = ALPHA


@dataclass
class VariantRun:
    variant: Variant
    folder: Path
    run: RunDir | None = None  # the variant's run directory, once it exists
    complete: bool = False  # finished, with no failed call left to retry
    pending: list[tuple[Item, int]] = field(default_factory=list)  # (item, epoch) still to ask

    @property
    def persona_file(self) -> Path:
        return self.folder / self.variant.file_name


@dataclass
class Study:
    config: AblationConfig
    out: Path
    persona: Persona
    instrument: Instrument  # the items every run asks
    runs: list[VariantRun]
    answers_follow_ups: bool
    llm_judges: int

    @property
    def unit(self) -> str:
        return "sentence" if self.config.sentences_of else "section"

    @property
    def full(self) -> VariantRun:
        return self.runs[0]

    @property
    def variants(self) -> list[VariantRun]:
        return self.runs[1:]


def default_out(persona: Persona, mode: str, sentences_of: str | None) -> Path:
    name = f"ablation-{slug(persona.name)}-{mode}"
    if sentences_of:
        name += f"-sentences-{slug(sentences_of)}"
    return Path(DEFAULT_OUT) / name


def _settings(
    *,
    model: str,
    judges: list[str],
    epochs: int,
    seed: int,
    params: dict[str, Any],
    instrument: tuple[str, str, int | None],
    style: str,
) -> dict[str, Any]:
    return {
        "--model": model,
        "--judge": ", ".join(judges),
        "--epochs": epochs,
        "--seed": seed,
        "sampling (--temperature, --max-tokens)": params,
        "instrument or --items": instrument,
        "--persona-style": style,
    }


def _wanted(cfg: RunConfig, instrument: Instrument, digest: str) -> dict[str, Any]:
    params = GenParams(temperature=cfg.temperature, max_tokens=cfg.max_tokens, seed=cfg.seed)
    return _settings(
        model=cfg.model,
        judges=list(cfg.judges),
        epochs=cfg.epochs,
        seed=cfg.seed,
        params=params.model_dump(mode="json"),
        instrument=(instrument.id, digest, cfg.items_per_dimension),
        style=cfg.persona_style,
    )


def _has(m: Manifest) -> dict[str, Any] | None:
    if m.persona is None or m.subject_model is None or m.baseline or m.calibration:
        return None  # not a run this command makes
    return _settings(
        model=m.subject_model.spec,
        judges=[j.spec for j in m.judges],
        epochs=m.epochs,
        seed=m.seed,
        params=m.params,
        instrument=(m.instrument.id, m.instrument.sha256, m.instrument.items_per_dimension),
        style=m.persona.style,
    )


def _find_run(vr: VariantRun, wanted: dict[str, Any], out: Path) -> RunDir | None:
    """The variant's run in its folder, if one was started; one with other settings is refused."""
    if not vr.folder.is_dir():
        return None
    found: RunDir | None = None
    sha = sha256_text(vr.variant.text)
    # a hidden folder is a run still being created (or left by a killed start): not a run yet
    candidates = (p for p in vr.folder.iterdir() if not p.name.startswith(".") and p.is_dir())
    for d in sorted(p for p in candidates if (p / "manifest.json").is_file()):
        run = RunDir(d)
        manifest = run.read_manifest()
        if manifest.persona is None or manifest.persona.sha256 != sha:
            continue
        has = _has(manifest)
        if has != wanted:
            diff = next((k for k in wanted if has is None or has.get(k) != wanted[k]), "settings")
            raise RolecallError(
                f"{out} holds this ablation's {vr.variant.key} run with another {diff} ({d.name}); "
                "re-run with the options it was started with, or choose another --out",
                path=out,
            )
        found = run
    return found


def _state(vr: VariantRun, instrument: Instrument, epochs: int) -> None:
    if vr.run is None:
        vr.pending = [(item, e) for e in range(epochs) for item in instrument.items]
        return
    vr.run.verify()
    if vr.run.summary.exists():
        s = vr.run.read_summary()
        vr.complete = s["failures"]["interview"] + s["failures"]["judge"] == 0
    if not vr.complete:
        vr.pending = [(t.item, t.epoch) for t in pending_tasks(vr.run, instrument, epochs, ["persona"])]


def prepare(cfg: AblationConfig) -> Study:
    """Validate every input and find what an earlier attempt at this study already did.

    Nothing is written: the caller shows the cost (``estimate``) and may still stop.
    """
    run_cfg = cfg.run
    if run_cfg.epochs < 1:
        raise RolecallError("--epochs must be at least 1")
    if run_cfg.concurrency < 1:
        raise RolecallError("--concurrency must be at least 1")
    if run_cfg.items_per_dimension is not None and run_cfg.items_per_dimension < 1:
        raise RolecallError("--items must be at least 1")
    persona, variants = build_variants(
        cfg.persona, mode=cfg.mode, sections=cfg.sections, sentences_of=cfg.sentences_of
    )
    instrument, digest, _ = resolve_instrument(persona, run_cfg.instrument)
    if run_cfg.items_per_dimension is not None:
        instrument = subset(instrument, select_items(instrument, run_cfg.items_per_dimension, run_cfg.seed))
    subject = make_model(run_cfg.model)
    for spec in run_cfg.judges:
        describe_judge(spec)
    out = cfg.out or default_out(persona, cfg.mode, cfg.sentences_of)
    if out.exists() and not out.is_dir():
        raise RolecallError("--out must be a directory", path=out)
    wanted = _wanted(run_cfg, instrument, digest)
    runs = []
    for v in variants:
        vr = VariantRun(variant=v, folder=out / v.key)
        if vr.persona_file.exists():
            try:
                same = vr.persona_file.read_text(encoding="utf-8") == v.text
            except (OSError, UnicodeDecodeError):
                same = False
            if not same:
                raise RolecallError(
                    f"the persona changed since the ablation in {out} started ({v.key}/{v.file_name} "
                    "differs); choose another --out",
                    path=cfg.persona,
                )
        vr.run = _find_run(vr, wanted, out)
        _state(vr, instrument, run_cfg.epochs)
        runs.append(vr)
    return Study(
        config=cfg,
        out=out,
        persona=persona,
        instrument=instrument,
        runs=runs,
        answers_follow_ups=subject.answers_follow_ups,
        llm_judges=sum(spec != "semantic" for spec in run_cfg.judges),
    )


# ---------------------------------------------------------------- running it


class _Labelled:
    """Progress whose stages name the variant they belong to."""

    def __init__(self, inner: Progress, label: str):
        self._inner = inner
        self._label = label

    def stage(self, description: str, total: int) -> Bar:
        return self._inner.stage(f"{self._label}: {description}", total)

    def note(self, message: str) -> None:
        self._inner.note(message)


def write_variants(study: Study) -> None:
    """Write each variant's persona file (once) and check that it parses back as intended."""
    for vr in study.runs:
        vr.folder.mkdir(parents=True, exist_ok=True)
        if not vr.persona_file.exists():
            write_text_atomic(vr.persona_file, vr.variant.text)
        check_variant(vr.persona_file, vr.variant, study.persona)


def run_variant(study: Study, vr: VariantRun, progress: Progress | None = None) -> Outcome | None:
    """Start or resume one variant's run; None when it had already finished."""
    if vr.complete and vr.run is not None:
        return None
    cfg = study.config.run
    if vr.run is None:
        run, persona, instrument, manifest = start_run(replace(cfg, persona=vr.persona_file, out=vr.folder))
        vr.run = run
    else:
        run, persona, instrument, manifest = reopen_run(vr.run.path)
    outcome = execute_run(
        run,
        persona,
        instrument,
        manifest,
        progress=_Labelled(progress or NullProgress(), vr.variant.key),
        use_cache=cfg.use_cache,
    )
    vr.complete = outcome.failures == 0
    vr.pending = []
    return outcome


def run_study(
    study: Study,
    progress: Progress | None = None,
    on_done: Callable[[VariantRun, Outcome | None], None] | None = None,
) -> list[Outcome]:
    """Every variant's run, the full persona first; returns the runs that did work."""
    write_variants(study)
    outcomes = []
    for vr in study.runs:
        outcome = run_variant(study, vr, progress)
        if outcome is not None:
            outcomes.append(outcome)
        if on_done is not None:
            on_done(vr, outcome)
    return outcomes


def arm(vr: VariantRun) -> Arm:
    assert vr.run is not None
    v = vr.variant
    return Arm(
        key=v.key,
        label=v.label,
        section=v.section,
        persona_file=vr.persona_file,
        run=vr.run,
        sentence=v.sentence,
        sentence_text=v.sentence_text,
    )


def result_path(study: Study) -> Path:
    return study.out / "ablation.json"


def write_result(study: Study) -> dict[str, Any]:
    """Compute the effects from the runs' files; write ablation.json, ablation.md and ablation.html."""
    from rolecall.report.ablation_report import write_ablation_reports

    persona = {
        "name": study.persona.name,
        "path": str(Path(study.persona.path).resolve()),
        "sha256": study.persona.content_hash,
    }
    result = analyse(
        arm(study.full),
        [arm(vr) for vr in study.variants],
        persona=persona,
        mode=study.config.mode,
        unit=study.unit,
        sentences_of=study.variants[0].variant.section if study.config.sentences_of else None,
        alpha=study.config.alpha,
        seed=study.config.run.seed,
    )
    target = result_path(study)
    checked = dump_versioned(AblationResult, result, path=target)
    write_json_atomic(target, checked)
    write_ablation_reports(study.out, checked)
    return checked
