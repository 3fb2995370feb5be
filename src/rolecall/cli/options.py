"""The command-line options several commands share (`run`, `score`, `ablate`, `grid`, ...),
defined once: the same flag, environment variable, default and help everywhere."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall import defaults as D

INSTRUMENT = typer.Option(
    None,
    "--instrument",
    "-i",
    envvar="ROLECALL_INSTRUMENT",
    help="Built-in instrument id or YAML file. "
    "Default: the persona hypothesis's instrument, else research-orientation.",
)
MODEL = typer.Option(D.DEFAULT_MODEL, "--model", "-m", envvar="ROLECALL_MODEL", help="Subject model spec.")
JUDGE = typer.Option(
    None,
    "--judge",
    "-j",
    envvar="ROLECALL_JUDGE",
    help=f"Judge spec; repeat for a panel. Default: {D.DEFAULT_JUDGE} (the offline embedding scorer).",
)
EPOCHS = typer.Option(
    D.DEFAULT_EPOCHS,
    "--epochs",
    "-e",
    envvar="ROLECALL_EPOCHS",
    help="Samples per item; epoch k asks the item's k-th wording when it has variants.",
)
PERSONA_STYLE = typer.Option(
    D.DEFAULT_PERSONA_STYLE,
    "--persona-style",
    envvar="ROLECALL_PERSONA_STYLE",
    help="How the role is put to the subject: first-person (the model is the persona and answers "
    "from its own habits; the default, chosen by measurement), role (describe the persona and ask "
    "the model to stay in it), reminder (role plus a one-line reminder under every question).",
)
ITEMS = typer.Option(
    None,
    "--items",
    envvar="ROLECALL_ITEMS",
    help="Ask a seeded, dimension-balanced subset: at least N items per dimension. Default: all.",
)
CONCURRENCY = typer.Option(
    D.DEFAULT_CONCURRENCY,
    "--concurrency",
    "-c",
    envvar="ROLECALL_CONCURRENCY",
    help="Calls in flight per model.",
)
SEED = typer.Option(
    D.DEFAULT_SEED, "--seed", envvar="ROLECALL_SEED", help="Base sampling seed (epoch k uses seed+k)."
)
TEMPERATURE = typer.Option(D.DEFAULT_TEMPERATURE, "--temperature", envvar="ROLECALL_TEMPERATURE")
MAX_TOKENS = typer.Option(
    D.DEFAULT_MAX_TOKENS, "--max-tokens", envvar="ROLECALL_MAX_TOKENS", help="Answer length cap."
)
OUT = typer.Option(
    Path(D.DEFAULT_OUT), "--out", "-o", envvar="ROLECALL_OUT", help="Parent folder of run directories."
)
NO_CACHE = typer.Option(False, "--no-cache", help="Do not read or write the response cache.")
CALIBRATION = typer.Option(
    None,
    "--calibration",
    envvar="ROLECALL_CALIBRATION",
    help="A calibration file from `rolecall calibrate`: maps its judge's scores before any statistic.",
)
TRACKING_URI = typer.Option(
    None,
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    help="MLflow tracking URI. Default: a SQLite store in rolecall's data directory.",
)
NO_TRACK = typer.Option(False, "--no-track", envvar="ROLECALL_NO_TRACK", help="Do not log to MLflow.")
