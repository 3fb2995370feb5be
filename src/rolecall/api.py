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
import html
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from rolecall import defaults as D
from rolecall.errors import RolecallError
from rolecall.gate import passes
from rolecall.instrument import Instrument
from rolecall.paths import cache_dir
from rolecall.persona import Persona
from rolecall.progress import Progress
from rolecall.rundir import RunDir, TurnRecord, read_records
from rolecall.rundir.summary import Summary

if TYPE_CHECKING:
    import pandas as pd

PersonaLike = str | os.PathLike[str] | Persona
InstrumentLike = str | os.PathLike[str] | Instrument
PersonaStyle = Literal["role", "first-person", "reminder"]
T = TypeVar("T")


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Run:
    """A run directory, read through its typed files. ``rolecall.load(path)`` makes one."""

    path: Path
    failures: int = field(default=0, compare=False)

    @cached_property
    def _dir(self) -> RunDir:
        return RunDir(self.path)

    @cached_property
    def summary_data(self) -> dict[str, Any]:
        """summary.json as a validated dict (the shape `rolecall schema summary` publishes)."""
        return self._dir.read_summary()

    @cached_property
    def summary(self) -> Summary:
        """summary.json as a typed object."""
        return Summary.model_validate(self.summary_data)

    @property
    def hypothesis(self) -> dict[str, Any] | None:
        """The hypothesis verdict (overall and per dimension), or None when the persona states none."""
        hyp = self.summary_data.get("hypothesis")
        return dict(hyp) if hyp else None

    @property
    def report_path(self) -> Path:
        return self.path / "report.html"

    def check(self, strict: bool = False) -> bool:
        """What `rolecall check` decides: does the hypothesis pass? Refused (RolecallError) when
        the run has no hypothesis verdict."""
        hyp = self.hypothesis
        if hyp is None:
            raise RolecallError(
                "the run has no hypothesis verdict (the persona states none for this instrument)",
                path=self.path,
            )
        return passes(hyp, strict=strict)

    def scores_df(self) -> pd.DataFrame:
        """One row per verdict, the columns of `rolecall export`."""
        import pandas as pd

        from rolecall.export import COLUMNS, tidy_rows

        return pd.DataFrame(tidy_rows(self._dir), columns=COLUMNS)

    def transcript_df(self) -> pd.DataFrame:
        """One row per turn of transcript.jsonl."""
        import pandas as pd

        rows = [t.model_dump(mode="json") for t in read_records(self._dir.transcript, TurnRecord)]
        return pd.DataFrame(rows, columns=list(TurnRecord.model_fields))

    def dimensions_df(self) -> pd.DataFrame:
        """One row per dimension: mean, 95% interval, n, reliability and the hypothesis verdict."""
        import pandas as pd

        return pd.DataFrame(_dimension_rows(self.summary_data), columns=_DIMENSION_COLUMNS)

    def _repr_html_(self) -> str:
        s = self.summary_data
        hyp = s.get("hypothesis")
        title = f"{s.get('persona') or 'transcript'} — {s['instrument']['name']}"
        verdict = f"<p>hypothesis: <b>{html.escape(hyp['verdict'])}</b></p>" if hyp else ""
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(_cell(r[c]))}</td>" for c in ("name", "mean", "interval", "n", "verdict")
            )
            + "</tr>"
            for r in _dimension_rows(s)
        )
        return (
            f"<div><b>{html.escape(title)}</b> <code>{html.escape(str(self.path))}</code>{verdict}"
            "<table><tr><th>dimension</th><th>mean</th><th>95% CI</th><th>n</th><th>verdict</th></tr>"
            f"{rows}</table></div>"
        )


_SHOWN = ("name", "mean", "interval", "n", "verdict")
_DIMENSION_COLUMNS = [
    "dimension", "name", "mean", "ci_low", "ci_high", "interval", "n", "n_items",
    "cronbach_alpha", "icc", "abstained", "expected", "verdict",
]  # fmt: skip


def _dimension_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    from rolecall.formatting import ci

    hyp = (summary.get("hypothesis") or {}).get("dimensions", {})
    return [
        {
            "dimension": dim,
            "name": d["name"],
            "mean": d["mean"],
            "ci_low": d["ci_low"],
            "ci_high": d["ci_high"],
            "interval": ci(d),
            "n": d["n"],
            "n_items": d["n_items"],
            "cronbach_alpha": d["cronbach_alpha"],
            "icc": d["icc"],
            "abstained": d["abstained"]["total"],
            "expected": hyp.get(dim, {}).get("expected"),
            "verdict": hyp.get(dim, {}).get("verdict"),
        }
        for dim, d in summary["dimensions"].items()
    ]


def _cell(x: Any) -> str:
    if x is None:
        return "—"
    return f"{x:.2f}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Comparison:
    """Every run after the first against the first (the data of compare.json)."""

    result: dict[str, Any]
    out: Path | None = None

    def dimensions_df(self) -> pd.DataFrame:
        """One row per compared run × dimension: both means, difference, interval, p, Holm p, δ."""
        import pandas as pd

        rows = [
            {"reference": c["reference"], "run": c["run"], "dimension": dim, **stats}
            for c in self.result["comparisons"]
            for dim, stats in c["dimensions"].items()
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        names = self.result["dimension_names"]
        parts = []
        for c in self.result["comparisons"]:
            rows = "".join(
                f"<tr><td>{html.escape(names[d])}</td><td>{_cell(s['mean_a'])}</td><td>{_cell(s['mean_b'])}</td>"
                f"<td>{_cell(s['diff'])}</td><td>{_cell(s['p_holm'])}</td><td>{_cell(s['cliffs_delta'])}</td></tr>"
                for d, s in c["dimensions"].items()
            )
            parts.append(
                f"<p><b>{html.escape(c['run'])}</b> vs <b>{html.escape(c['reference'])}</b></p>"
                "<table><tr><th>dimension</th><th>reference</th><th>run</th><th>difference</th>"
                f"<th>Holm p</th><th>Cliff's δ</th></tr>{rows}</table>"
            )
        return "<div>" + "".join(parts) + "</div>"


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
    persona_style: PersonaStyle = "first-person",
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
    persona_style: PersonaStyle = "first-person",
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
        from rolecall.rundir.summary import CompareResult, dump_versioned

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


@dataclass(frozen=True)
class Ablation:
    """An ablation study (the data of ablation.json): per section (or sentence), its effect on
    every dimension against the full persona."""

    result: dict[str, Any]
    out: Path

    @property
    def full(self) -> Run:
        """The full persona's run."""
        return Run(Path(self.result["full"]))

    def effects_df(self) -> pd.DataFrame:
        """One row per section × dimension: effect, interval, p, Holm p, Cliff's δ."""
        import pandas as pd

        rows = [
            {"section": s["section"], "dimension": dim, **stats}
            for s in self.result["sections"]
            for dim, stats in s["dimensions"].items()
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(s['section'])}</td><td>{html.escape(s.get('finding') or '')}</td></tr>"
            for s in self.result["sections"]
        )
        return (
            f"<div><b>ablation of {html.escape(str(self.result['persona']))}</b><table>{rows}</table></div>"
        )


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
    persona_style: PersonaStyle = "first-person",
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


@dataclass(frozen=True)
class Grid:
    """A grid directory (the data of grid.json): every cell's status and run directory."""

    path: Path
    index: dict[str, Any]

    def runs(self) -> dict[str, Run]:
        """cell id -> its run, for the cells that are done."""
        return {c["id"]: Run(self.path / c["run_dir"]) for c in self.index["cells"] if c["status"] == "done"}

    def cells_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.index["cells"])


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
