"""`rolecall run`: interview a persona and judge its answers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rolecall import defaults as D
from rolecall.cli.console import err_console
from rolecall.cli.session import finish_session
from rolecall.defaults import DEFAULT_JUDGE
from rolecall.errors import RolecallError

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    from rolecall.persona.model import PersonaStyle


#: subject providers that reach a served model: a user with one usually wants an LLM judge too
API_PROVIDERS = ("openai", "anthropic")


def run(
    persona: Path | None = typer.Argument(None, help="Persona role file (Markdown or YAML)."),
    instrument: str | None = typer.Option(
        None,
        "--instrument",
        "-i",
        envvar="ROLECALL_INSTRUMENT",
        help="Built-in instrument id or YAML file. "
        "Default: the persona hypothesis's instrument, else research-orientation.",
    ),
    model: str = typer.Option(
        D.DEFAULT_MODEL, "--model", "-m", envvar="ROLECALL_MODEL", help="Subject model spec."
    ),
    judge: list[str] | None = typer.Option(
        None,
        "--judge",
        "-j",
        envvar="ROLECALL_JUDGE",
        help=f"Judge spec; repeat for a panel. Default: {DEFAULT_JUDGE} (the offline embedding scorer).",
    ),
    epochs: int = typer.Option(
        D.DEFAULT_EPOCHS,
        "--epochs",
        "-e",
        envvar="ROLECALL_EPOCHS",
        help="Samples per item; epoch k asks the item's k-th wording when it has variants.",
    ),
    persona_style: str = typer.Option(
        D.DEFAULT_PERSONA_STYLE,
        "--persona-style",
        envvar="ROLECALL_PERSONA_STYLE",
        help="How the role is put to the subject: first-person (the model is the persona and answers "
        "from its own habits; the default, chosen by measurement), role (describe the persona and ask "
        "the model to stay in it), reminder (role plus a one-line reminder under every question).",
    ),
    items: int | None = typer.Option(
        None,
        "--items",
        envvar="ROLECALL_ITEMS",
        help="Ask a seeded, dimension-balanced subset: at least N items per dimension. Default: all.",
    ),
    concurrency: int = typer.Option(
        D.DEFAULT_CONCURRENCY,
        "--concurrency",
        "-c",
        envvar="ROLECALL_CONCURRENCY",
        help="Calls in flight per model.",
    ),
    seed: int = typer.Option(
        D.DEFAULT_SEED, "--seed", envvar="ROLECALL_SEED", help="Base sampling seed (epoch k uses seed+k)."
    ),
    temperature: float = typer.Option(D.DEFAULT_TEMPERATURE, "--temperature", envvar="ROLECALL_TEMPERATURE"),
    max_tokens: int = typer.Option(
        D.DEFAULT_MAX_TOKENS, "--max-tokens", envvar="ROLECALL_MAX_TOKENS", help="Answer length cap."
    ),
    out: Path = typer.Option(
        Path(D.DEFAULT_OUT), "--out", "-o", envvar="ROLECALL_OUT", help="Parent folder of run directories."
    ),
    baseline: bool = typer.Option(
        False,
        "--baseline",
        help="Also interview the model with no persona and report the persona's effect.",
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the response cache."),
    calibration: Path | None = typer.Option(
        None,
        "--calibration",
        envvar="ROLECALL_CALIBRATION",
        help="A calibration file from `rolecall calibrate`: maps its judge's scores before any statistic.",
    ),
    resume: Path | None = typer.Option(None, "--resume", help="Finish an interrupted run directory."),
    tracking_uri: str | None = typer.Option(
        None,
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="MLflow tracking URI. Default: a SQLite store in rolecall's data directory.",
    ),
    no_track: bool = typer.Option(
        False, "--no-track", envvar="ROLECALL_NO_TRACK", help="Do not log to MLflow."
    ),
) -> None:
    """Interview PERSONA with an instrument, judge the answers, write a run directory."""
    from rolecall.pipeline import RunConfig, execute_run, reopen_run, start_run

    if resume is not None:
        run_dir, p, inst, manifest = reopen_run(resume)
    else:
        if persona is None:
            raise RolecallError("give a persona file, or --resume RUN_DIR")
        cfg = RunConfig(
            persona=persona,
            instrument=instrument,
            model=model,
            judges=list(judge or [DEFAULT_JUDGE]),
            epochs=epochs,
            concurrency=concurrency,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            out=out,
            baseline=baseline,
            use_cache=not no_cache,
            calibration=calibration,
            items_per_dimension=items,
            persona_style=persona_style_option(persona_style),
        )
        run_dir, p, inst, manifest = start_run(cfg)
        if not judge and model.split(":", 1)[0] in API_PROVIDERS:
            err_console.print(
                f"note: judging with the offline '{DEFAULT_JUDGE}' scorer; for an LLM judge add "
                f"--judge {model} (or any other model spec)",
                markup=False,
            )
    finish_session(
        run_dir,
        manifest,
        lambda progress: execute_run(run_dir, p, inst, manifest, progress=progress, use_cache=not no_cache),
        resume_command=f"rolecall run --resume {run_dir.path}",
        tracking_uri=tracking_uri,
        no_track=no_track,
    )


def persona_style_option(value: str) -> PersonaStyle:
    from rolecall.persona.model import PERSONA_STYLES

    if value not in PERSONA_STYLES:
        raise RolecallError(f"--persona-style {value!r}: choose one of {', '.join(PERSONA_STYLES)}")
    return value  # type: ignore[return-value]
