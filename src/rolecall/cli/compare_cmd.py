"""`rolecall compare`: per-dimension differences between runs, with significance and effect sizes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rolecall.cli.console import console, err_console
from rolecall.formatting import num as fmt

if TYPE_CHECKING:  # imported where used, so `rolecall --help` loads only what it shows
    pass


def compare(
    runs: list[Path] = typer.Argument(..., help="Two or more run directories; the first is the reference."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for compare.json and the comparison report."
    ),
    seed: int = typer.Option(0, "--seed", envvar="ROLECALL_SEED"),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", envvar="MLFLOW_TRACKING_URI"),
    no_track: bool = typer.Option(
        False, "--no-track", envvar="ROLECALL_NO_TRACK", help="Do not log to MLflow."
    ),
) -> None:
    """Compare runs dimension by dimension (paired permutation tests, Holm-corrected)."""
    from rolecall.comparison import compare_runs
    from rolecall.rundir import write_json_atomic
    from rolecall.rundir.compare import CompareResult
    from rolecall.rundir.versioned import dump_versioned

    result = compare_runs(list(runs), seed=seed)
    names = result["dimension_names"]
    for comp in result["comparisons"]:
        t = Table(title=f"{comp['run']}  vs  {comp['reference']}")
        for col in (
            "dimension",
            "ref",
            "run",
            "diff",
            "95% CI",
            "p",
            "p (Holm)",
            "Cliff's δ",
            "d",
            "pairs",
        ):
            t.add_column(col)
        for dim, c in comp["dimensions"].items():
            ci = "—" if c["ci_low"] is None else f"[{fmt(c['ci_low'])}, {fmt(c['ci_high'])}]"
            t.add_row(
                names[dim],
                fmt(c["mean_a"]),
                fmt(c["mean_b"]),
                fmt(c["diff"]),
                ci,
                fmt(c["p_value"], 4),
                fmt(c["p_holm"], 4),
                fmt(c["cliffs_delta"]),
                fmt(c["cohens_d"]),
                str(c["n_pairs"]),
            )
        console.print(t)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        target = out / "compare.json"
        write_json_atomic(target, dump_versioned(CompareResult, result, path=target))
        from rolecall.report.compare_report import write_compare_reports

        write_compare_reports(out, result)
        err_console.print(f"wrote {out / 'compare.json'}, compare.md, compare.html", markup=False)
        from rolecall.tracking import log_compare, tracking_enabled

        if tracking_enabled(no_track):
            rid = log_compare(out, result, tracking_uri=tracking_uri)
            err_console.print(f"mlflow run {rid} (experiment rolecall/compare)", markup=False)
