"""The `rolecall` command: one module per subcommand, wired here."""

from __future__ import annotations

import os
import signal
import sys
import threading


def _interrupted_while_loading(signum: int, frame: object) -> None:
    # Ctrl-C while the CLI's modules load (a second or two): nothing has started, leave quietly
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)


_PREVIOUS_SIGINT = None
if threading.current_thread() is threading.main_thread():
    _PREVIOUS_SIGINT = signal.signal(signal.SIGINT, _interrupted_while_loading)

import typer  # noqa: E402

from rolecall import __version__  # noqa: E402
from rolecall.cli import (  # noqa: E402
    ablate_cmd,
    agreement_cmd,
    calibrate_cmd,
    check_cmd,
    compare_cmd,
    export_cmd,
    grid_cmd,
    instruments_cmd,
    label_cmd,
    plan_cmd,
    report_cmd,
    rerun_cmd,
    run_cmd,
    schema_cmd,
    score_cmd,
    validate_cmd,
)
from rolecall.cli.console import err_console  # noqa: E402
from rolecall.errors import RolecallError  # noqa: E402

app = typer.Typer(
    name="rolecall",
    help="Interview AI agent personas with structured instruments, judge every answer against "
    "anchored rubrics, and report scores with evidence, intervals and a hypothesis verdict.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"rolecall {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    pass


app.command("run")(run_cmd.run)
app.command("score")(score_cmd.score)
app.command("validate")(validate_cmd.validate)
app.command("instruments")(instruments_cmd.instruments)
app.command("report")(report_cmd.report)
app.command("check")(check_cmd.check)
app.command("compare")(compare_cmd.compare)
app.command("ablate")(ablate_cmd.ablate)
app.command("grid")(grid_cmd.grid)
app.command("rerun")(rerun_cmd.rerun)
app.command("export")(export_cmd.export)
app.command("label")(label_cmd.label)
app.command("agreement")(agreement_cmd.agreement)
app.command("calibrate")(calibrate_cmd.calibrate)
app.command("plan")(plan_cmd.plan)
app.command("schema")(schema_cmd.schema)


def main() -> None:
    try:
        if _PREVIOUS_SIGINT is not None:  # loaded: from here on Ctrl-C raises KeyboardInterrupt
            signal.signal(signal.SIGINT, _PREVIOUS_SIGINT)
        rc = app(standalone_mode=False)
    except RolecallError as exc:
        # one line, even when a file name or spec from the command line holds a newline
        text = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        err_console.print(f"error: {text}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:
        # usage errors from typer's bundled click: print its own short message, exit 2
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(int(exc.exit_code))
        raise
    if rc == 130:  # typer returns 130 for a Ctrl-C inside a command that did not handle it
        err_console.print("interrupted", markup=False)
    sys.exit(rc if isinstance(rc, int) else 0)
