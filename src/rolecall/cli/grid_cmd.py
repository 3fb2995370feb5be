"""`rolecall grid`: run every persona × model × instrument cell of a grid file."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import typer

from rolecall.cli import options as O
from rolecall.cli.console import console, err_console
from rolecall.cli.session import bounded_ctrl_c, stop_message
from rolecall.defaults import DEFAULT_OUT
from rolecall.errors import RolecallError


def _say(line: str) -> None:
    err_console.print(line, markup=False, highlight=False, soft_wrap=True)


def grid(
    grid_file: Path | None = typer.Argument(
        None, help="Grid file (YAML: personas, models, instruments, judges, epochs, ...)."
    ),
    executor: str = typer.Option(
        "local",
        "--executor",
        envvar="ROLECALL_EXECUTOR",
        help="local: cells run concurrently in this process; ray: cells run on Ray workers.",
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        envvar="ROLECALL_RAY_ADDRESS",
        help="The Ray cluster to use (e.g. ray://head:10001, or auto). Default: start a local Ray instance.",
    ),
    max_parallel: int = typer.Option(
        4, "--max-parallel", envvar="ROLECALL_MAX_PARALLEL", help="Cells running at once (Ray: workers)."
    ),
    out: Path = typer.Option(
        Path(DEFAULT_OUT),
        "--out",
        "-o",
        envvar="ROLECALL_OUT",
        help="Parent folder of grid directories; the grid runs in OUT/<grid name>, and running the "
        "same grid file again continues there.",
    ),
    resume: Path | None = typer.Option(
        None,
        "--resume",
        help="Continue this grid directory (failed and unfinished cells; with GRID_FILE, that file's cells).",
    ),
    no_cache: bool = O.NO_CACHE,
    schema: bool = typer.Option(False, "--schema", help="Print the grid file's JSON Schema and exit."),
    tracking_uri: str | None = O.TRACKING_URI,
    no_track: bool = O.NO_TRACK,
) -> None:
    """Run a grid: every cell an ordinary run directory under one grid directory, indexed by
    grid.json, with grid.md / grid.html comparing models per persona. Cells done with the same
    inputs are skipped. Exit 0 when every cell is done, 1 when one failed, 2 on an input error."""
    from rolecall.grids import GridOptions, default_grid_dir, grid_json_schema, run_grid

    if schema:
        print(grid_json_schema())
        return
    if executor not in ("local", "ray"):
        raise RolecallError(f"--executor {executor!r}: choose local or ray")
    if executor == "ray":
        from rolecall.grids.ray_exec import import_ray

        import_ray()  # without Ray: one line, exit 2, before anything is written
    if resume is not None:
        if not (resume / "grid.json").is_file():
            raise RolecallError("not a grid directory (no grid.json)", path=resume)
        grid_dir = resume
    elif grid_file is not None:
        grid_dir = default_grid_dir(grid_file, out)
    else:
        raise RolecallError("give a grid file, or --resume GRID_DIR")
    options = GridOptions(
        executor=executor,  # type: ignore[arg-type]
        ray_address=ray_address,
        max_parallel=max_parallel,
        use_cache=not no_cache,
    )
    _say(f"grid directory: {grid_dir}")
    resume_command = f"rolecall grid --resume {grid_dir}"
    stopped = threading.Event()
    try:
        # as `rolecall run`: Ctrl-C stops in order, or after a grace period exits hard (every
        # record on disk is a whole line, and grid.json is rewritten atomically)
        with bounded_ctrl_c(resume_command, stopped):
            outcome = run_grid(grid_file, grid_dir, options, say=_say)
    except KeyboardInterrupt:
        stopped.set()
        _say(stop_message(resume_command))
        sys.exit(130)
    from rolecall.tracking import tracking_enabled

    if tracking_enabled(no_track) and outcome.ran:
        from rolecall.grids.study import save_index
        from rolecall.tracking.grid_log import log_grid

        parent = log_grid(grid_dir, outcome.index, outcome.ran, tracking_uri=tracking_uri)
        save_index(grid_dir, outcome.index)
        _say(f"mlflow parent run {parent} (experiment rolecall/grids/{outcome.index['name']})")
    done, failed, pending = (outcome.count(s) for s in ("done", "failed", "pending"))
    console.print(
        f"{len(outcome.index['cells'])} cells: {done} done, {failed} failed, {pending} pending "
        f"({len(outcome.ran)} run now, {len(outcome.skipped)} skipped)",
        markup=False,
    )
    console.print(f"wrote {grid_dir / 'grid.json'}, grid.md, grid.html", markup=False, highlight=False)
    if failed or pending:
        console.print(f"retry the failed cells with: rolecall grid --resume {grid_dir}", markup=False)
        raise typer.Exit(1)
