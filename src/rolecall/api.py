"""rolecall from Python: the same runs, scores and comparisons as the CLI, as functions.

``run``, ``score``, ``load`` and ``compare`` go through the same pipeline calls as
``rolecall run``, ``rolecall score`` and ``rolecall compare`` (start, execute, summarise,
report, track), with the same defaults (``rolecall.defaults``), so a run made here and one made
on the command line with the same inputs are the same run. ``arun`` and ``ascore`` are their
twins for async code; ``run`` and ``score`` work in a Jupyter cell too (inside a running event
loop they run in a worker thread with a loop of their own).

Errors are ``rolecall.errors.RolecallError`` with the same one-line message the CLI prints.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar

from rolecall import defaults as D
from rolecall.errors import RolecallError
from rolecall.instrument import Instrument
from rolecall.paths import cache_dir
from rolecall.persona import Persona
from rolecall.persona.model import PersonaStyle
from rolecall.progress import Progress
from rolecall.results import Ablation, Comparison, Grid, Run
from rolecall.rundir import RunDir

PersonaLike = str | os.PathLike[str] | Persona
InstrumentLike = str | os.PathLike[str] | Instrument
T = TypeVar("T")


# ---------------------------------------------------------------- inputs


def _persona_path(persona: PersonaLike) -> Path:
    if isinstance(persona, Persona):
        path = Path(persona.path)
        from rolecall.persona import load_persona

        if not path.is_file() or load_persona(path).content_hash != persona.content_hash:
            raise RolecallError(
                "the Persona object no longer matches its file; pass the path, or reload it", path=path
            )
        return path
    return Path(persona)


def _instrument_ref(instrument: InstrumentLike | None) -> str | None:
    """A built-in id or file path for the manifest (so a run can be resumed and re-read). An
    Instrument object is written once, by content hash, under rolecall's cache directory."""
    if instrument is None or isinstance(instrument, str):
        return instrument
    if not isinstance(instrument, Instrument):
        return str(Path(instrument))
    import yaml

    text = yaml.safe_dump(instrument.model_dump(mode="json", exclude_defaults=True), sort_keys=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    folder = cache_dir() / "instruments"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{instrument.id}-{digest}.yaml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return str(path)


def _judges(judges: str | Sequence[str]) -> list[str]:
    return [judges] if isinstance(judges, str) else list(judges)


def _track(run: RunDir, summary: dict[str, Any], track: bool, tracking_uri: str | None) -> None:
    from rolecall.tracking import log_run, tracking_enabled

    if tracking_enabled(not track):
        log_run(run, run.read_manifest(), summary, tracking_uri=tracking_uri)


def _blocking(work: Callable[[], T]) -> T:
    """``work()`` here, or, when this thread already runs an event loop (a Jupyter kernel does),
    in a worker thread with a loop of its own, so ``rolecall.run`` works in a notebook cell."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rolecall") as pool:
        return pool.submit(work).result()


# ---------------------------------------------------------------- run


def _run_config(persona: PersonaLike, instrument: InstrumentLike | None, **kw: Any) -> Any:
    from rolecall.pipeline import RunConfig

    return RunConfig(persona=_persona_path(persona), instrument=_instrument_ref(instrument), **kw)


def run(
    persona: PersonaLike,
    instrument: InstrumentLike | None = None,
    *,
    model: str = D.DEFAULT_MODEL,
    judges: str | Sequence[str] = (D.DEFAULT_JUDGE,),
    epochs: int = D.DEFAULT_EPOCHS,
    items: int | None = None,
    baseline: bool = False,
    persona_style: PersonaStyle = D.DEFAULT_PERSONA_STYLE,
    concurrency: int = D.DEFAULT_CONCURRENCY,
    seed: int = D.DEFAULT_SEED,
    temperature: float = D.DEFAULT_TEMPERATURE,
    max_tokens: int = D.DEFAULT_MAX_TOKENS,
    out: str | os.PathLike[str] = D.DEFAULT_OUT,
    use_cache: bool = True,
    calibration: str | os.PathLike[str] | None = None,
    track: bool = True,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """Interview ``persona`` with ``instrument`` (default: its hypothesis's, else
    research-orientation), judge the answers, write a run directory under ``out``; what
    `rolecall run` does, with the same defaults. Tracked in MLflow unless ``track=False`` or
    ``ROLECALL_NO_TRACK=1``."""
    return _blocking(
        lambda: asyncio.run(
            arun(
                persona,
                instrument,
                model=model,
                judges=judges,
                epochs=epochs,
                items=items,
                baseline=baseline,
                persona_style=persona_style,
                concurrency=concurrency,
                seed=seed,
                temperature=temperature,
                max_tokens=max_tokens,
                out=out,
                use_cache=use_cache,
                calibration=calibration,
                track=track,
                tracking_uri=tracking_uri,
                progress=progress,
            )
        )
    )


async def arun(
    persona: PersonaLike,
    instrument: InstrumentLike | None = None,
    *,
    model: str = D.DEFAULT_MODEL,
    judges: str | Sequence[str] = (D.DEFAULT_JUDGE,),
    epochs: int = D.DEFAULT_EPOCHS,
    items: int | None = None,
    baseline: bool = False,
    persona_style: PersonaStyle = D.DEFAULT_PERSONA_STYLE,
    concurrency: int = D.DEFAULT_CONCURRENCY,
    seed: int = D.DEFAULT_SEED,
    temperature: float = D.DEFAULT_TEMPERATURE,
    max_tokens: int = D.DEFAULT_MAX_TOKENS,
    out: str | os.PathLike[str] = D.DEFAULT_OUT,
    use_cache: bool = True,
    calibration: str | os.PathLike[str] | None = None,
    track: bool = True,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """``run`` for code inside an event loop: ``await rolecall.arun(...)``."""
    from rolecall.pipeline import execute_run_async, start_run

    cfg = _run_config(
        persona, instrument, model=model, judges=_judges(judges), epochs=epochs,
        items_per_dimension=items, baseline=baseline, persona_style=persona_style,
        concurrency=concurrency, seed=seed, temperature=temperature, max_tokens=max_tokens,
        out=Path(out), use_cache=use_cache, calibration=Path(calibration) if calibration else None,
    )  # fmt: skip
    run_dir, p, inst, manifest = start_run(cfg)
    outcome = await execute_run_async(run_dir, p, inst, manifest, progress=progress, use_cache=use_cache)
    await asyncio.to_thread(_track, run_dir, outcome.summary, track, tracking_uri)
    return Run(run_dir.path, failures=outcome.failures)


# ---------------------------------------------------------------- score


def _score_config(transcript: str | os.PathLike[str], instrument: InstrumentLike | None, **kw: Any) -> Any:
    from rolecall.score_run import ScoreConfig

    return ScoreConfig(source=Path(transcript), instrument=_instrument_ref(instrument), **kw)


def score(
    transcript: str | os.PathLike[str],
    instrument: InstrumentLike | None = None,
    *,
    judges: str | Sequence[str] = (D.DEFAULT_JUDGE,),
    concurrency: int = D.DEFAULT_CONCURRENCY,
    seed: int = D.DEFAULT_SEED,
    out: str | os.PathLike[str] = D.DEFAULT_OUT,
    use_cache: bool = True,
    calibration: str | os.PathLike[str] | None = None,
    track: bool = True,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """Judge recorded answers (a JSONL, CSV or Markdown transcript) against ``instrument``; what
    `rolecall score TRANSCRIPT` does."""
    return _blocking(
        lambda: asyncio.run(
            ascore(
                transcript,
                instrument,
                judges=judges,
                concurrency=concurrency,
                seed=seed,
                out=out,
                use_cache=use_cache,
                calibration=calibration,
                track=track,
                tracking_uri=tracking_uri,
                progress=progress,
            )
        )
    )


async def ascore(
    transcript: str | os.PathLike[str],
    instrument: InstrumentLike | None = None,
    *,
    judges: str | Sequence[str] = (D.DEFAULT_JUDGE,),
    concurrency: int = D.DEFAULT_CONCURRENCY,
    seed: int = D.DEFAULT_SEED,
    out: str | os.PathLike[str] = D.DEFAULT_OUT,
    use_cache: bool = True,
    calibration: str | os.PathLike[str] | None = None,
    track: bool = True,
    tracking_uri: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """``score`` for code inside an event loop: ``await rolecall.ascore(...)``."""
    from rolecall.score_run import execute_score_async, start_score

    cfg = _score_config(
        transcript, instrument, judges=_judges(judges), concurrency=concurrency, seed=seed,
        out=Path(out), calibration=Path(calibration) if calibration else None,
    )  # fmt: skip
    run_dir, inst, manifest = start_score(cfg)
    outcome = await execute_score_async(run_dir, inst, manifest, progress=progress, use_cache=use_cache)
    await asyncio.to_thread(_track, run_dir, outcome.summary, track, tracking_uri)
    return Run(run_dir.path, failures=outcome.failures)


# ---------------------------------------------------------------- load and compare


def load(run_dir: str | os.PathLike[str]) -> Run:
    """An existing run directory; its files are checked now (a damaged one is a RolecallError
    naming it), and its summary must exist."""
    path = Path(run_dir)
    d = RunDir(path)
    d.verify(records=False)
    d.read_summary()
    return Run(path)


def compare(
    *runs: Run | str | os.PathLike[str],
    seed: int = D.DEFAULT_SEED,
    out: str | os.PathLike[str] | None = None,
) -> Comparison:
    """Every run after the first against the first, per dimension (paired permutation tests
    over items, Holm, Cliff's δ); what `rolecall compare` computes. With ``out``, compare.json,
    compare.md and compare.html are written there too."""
    from rolecall.comparison import compare_runs

    paths = [r.path if isinstance(r, Run) else Path(r) for r in _flatten(runs)]
    result = compare_runs(paths, seed=seed)
    if out is not None:
        from rolecall.report.compare_report import write_compare_reports
        from rolecall.rundir import write_json_atomic
        from rolecall.rundir.compare import CompareResult
        from rolecall.rundir.versioned import dump_versioned

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "compare.json"
        write_json_atomic(target, dump_versioned(CompareResult, result, path=target))
        write_compare_reports(folder, result)
    return Comparison(result, Path(out) if out is not None else None)


def _flatten(runs: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for r in runs:
        if isinstance(r, list | tuple):
            out += list(r)
        else:
            out.append(r)
    return out


# ---------------------------------------------------------------- ablation and grids


def ablate(
    persona: PersonaLike,
    instrument: InstrumentLike | None = None,
    *,
    sections: Sequence[str] | None = None,
    mode: Literal["leave-out", "only"] = "leave-out",
    sentences: str | None = None,
    model: str = D.DEFAULT_MODEL,
    judges: str | Sequence[str] = (D.DEFAULT_JUDGE,),
    epochs: int = D.DEFAULT_EPOCHS,
    items: int | None = None,
    persona_style: PersonaStyle = D.DEFAULT_PERSONA_STYLE,
    concurrency: int = D.DEFAULT_CONCURRENCY,
    seed: int = D.DEFAULT_SEED,
    temperature: float = D.DEFAULT_TEMPERATURE,
    max_tokens: int = D.DEFAULT_MAX_TOKENS,
    out: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Ablation:
    """`rolecall ablate`: the full persona and one variant per section (or, with ``sentences``,
    per sentence of that section), each an ordinary run; resumable into the same ``out``.
    Not tracked in MLflow from here (the CLI logs a parent run with one child per variant)."""
    from rolecall.ablation import AblationConfig, prepare, run_study, write_result

    cfg = AblationConfig(
        persona=_persona_path(persona),
        run=_run_config(
            persona,
            instrument,
            model=model,
            judges=_judges(judges),
            epochs=epochs,
            items_per_dimension=items,
            persona_style=persona_style,
            concurrency=concurrency,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            use_cache=use_cache,
        ),
        out=Path(out) if out is not None else None,
        mode=mode,
        sections=list(sections) if sections else None,
        sentences_of=sentences,
    )

    def work() -> Ablation:
        study = prepare(cfg)
        run_study(study, progress)
        return Ablation(write_result(study), study.out)

    return _blocking(work)


def grid(
    grid_file: str | os.PathLike[str],
    *,
    executor: Literal["local", "ray"] = "local",
    ray_address: str | None = None,
    max_parallel: int = 4,
    out: str | os.PathLike[str] = D.DEFAULT_OUT,
    use_cache: bool = True,
) -> Grid:
    """`rolecall grid GRID.yaml`: every persona × model × instrument cell as an ordinary run,
    skipping cells already done with the same inputs. Not tracked in MLflow from here."""
    from rolecall.grids import GridOptions, default_grid_dir, run_grid

    path = Path(grid_file)
    grid_dir = default_grid_dir(path, Path(out))
    options = GridOptions(
        executor=executor, ray_address=ray_address, max_parallel=max_parallel, use_cache=use_cache
    )
    outcome = _blocking(lambda: run_grid(path, grid_dir, options))
    return Grid(outcome.grid_dir, outcome.index)
