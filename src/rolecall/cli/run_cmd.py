"""`rolecall run`: interview a persona and judge its answers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rolecall.cli import options as O
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
    instrument: str | None = O.INSTRUMENT,
    model: str = O.MODEL,
    judge: list[str] | None = O.JUDGE,
    epochs: int = O.EPOCHS,
    persona_style: str = O.PERSONA_STYLE,
    items: int | None = O.ITEMS,
    concurrency: int = O.CONCURRENCY,
    seed: int = O.SEED,
    temperature: float = O.TEMPERATURE,
    max_tokens: int = O.MAX_TOKENS,
    out: Path = O.OUT,
    baseline: bool = typer.Option(
        False,
        "--baseline",
        help="Also interview the model with no persona and report the persona's effect.",
    ),
    no_cache: bool = O.NO_CACHE,
    calibration: Path | None = O.CALIBRATION,
    resume: Path | None = typer.Option(None, "--resume", help="Finish an interrupted run directory."),
    tracking_uri: str | None = O.TRACKING_URI,
    no_track: bool = O.NO_TRACK,
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
