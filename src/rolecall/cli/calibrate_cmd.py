"""`rolecall calibrate`: learn from human labels how a judge's scores map onto the raters' scale."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError


def calibrate(
    runs: list[Path] = typer.Argument(..., help="Run directories whose answers were labelled."),
    labels: list[Path] = typer.Option(
        [], "--labels", "-l", help="Labels file(s). Default: each run's labels.jsonl."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the calibration (JSON)."),
    method: str = typer.Option(
        "isotonic",
        "--method",
        help="isotonic: a monotone map of the judge's score per dimension (any judge). learned: a "
        "ridge scorer per dimension on the judge's score, the anchored position and the answer's "
        "embedding (needs the semantic extra).",
    ),
    judge: str | None = typer.Option(
        None, "--judge", help="The judge to calibrate. Default: the runs' first."
    ),
) -> None:
    """Fit a per-dimension calibration of a judge on human labels, report its cross-validated
    agreement, and write CAL.json for --calibration on run, score and report."""
    from rolecall.calibration import METHODS, fit, labelled_runs
    from rolecall.calibration.learned import Featurizer
    from rolecall.formatting import num
    from rolecall.rundir import write_json_atomic

    if method not in METHODS:
        raise RolecallError(f"--method {method!r}: choose one of {', '.join(METHODS)}")
    instrument, judge_spec, rows = labelled_runs(runs, labels, judge)
    cal = fit(
        rows,
        instrument=instrument.id,
        judge=judge_spec,
        lo=instrument.scale.min,
        hi=instrument.scale.max,
        method="learned" if method == "learned" else "isotonic",
        featurizer=Featurizer(instrument) if method == "learned" else None,
    )
    write_json_atomic(out, cal)
    for dim, m in cal.fitted.items():
        cv = m.cv
        console.print(
            f"{dim}: n {m.n}; cross-validated Spearman {num(cv.get('spearman'))} (raw judge "
            f"{num(cv.get('raw_spearman'))}), quadratic κ {num(cv.get('kappa_quadratic'))} (raw "
            f"{num(cv.get('raw_kappa_quadratic'))}), within ±1 {num(cv.get('within_1'))} (raw "
            f"{num(cv.get('raw_within_1'))})",
            markup=False,
        )
    o = cal.cv_overall
    console.print(
        f"all dimensions ({method}): Spearman {num(o.get('spearman'))} (raw {num(o.get('raw_spearman'))}), "
        f"quadratic κ {num(o.get('kappa_quadratic'))} (raw {num(o.get('raw_kappa_quadratic'))})",
        markup=False,
    )
    console.print(f"wrote {out} (apply with --calibration {out})", markup=False)
