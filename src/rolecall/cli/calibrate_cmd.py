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
    method: str = typer.Option("isotonic", "--method", help="isotonic (a monotone map per dimension)."),
    judge: str | None = typer.Option(
        None, "--judge", help="The judge to calibrate. Default: the runs' first."
    ),
) -> None:
    """Fit a per-dimension map from a judge's score to the human labels, report its
    cross-validated agreement, and write CAL.json for --calibration on run, score and report."""
    from collections import defaultdict

    from rolecall.agreement import human_labels
    from rolecall.calibration import fit
    from rolecall.instrument import load_instrument
    from rolecall.labels import read_labels
    from rolecall.report.render import num
    from rolecall.rundir import RunDir, ScoreRecord, read_records, write_json_atomic

    if method != "isotonic":
        raise RolecallError(f"--method {method!r}: only 'isotonic' is available in this version")
    if labels and len(runs) > 1:
        raise RolecallError("with several runs, each run's own labels.jsonl is used; drop --labels")
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    instrument_id = None
    scale = (1, 5)
    for path in runs:
        run = RunDir(path)
        manifest = run.read_manifest()
        instrument, _ = load_instrument(manifest.instrument["ref"])
        if instrument_id not in (None, instrument.id):
            raise RolecallError(
                f"runs use different instruments ({instrument_id}, {instrument.id})", path=path
            )
        instrument_id, scale = instrument.id, (instrument.scale.min, instrument.scale.max)
        judge = judge or manifest.judges[0]["spec"]
        files = list(labels) or [run.labels]
        for f in files:
            if not f.exists():
                raise RolecallError("no labels: rate answers with `rolecall label RUN_DIR`", path=f)
        known = {d.id for d in instrument.dimensions}
        human = human_labels([lab for f in files for lab in read_labels(f, dimensions=known, scale=scale)])
        for s in read_records(run.scores, ScoreRecord):
            label = human.get((s.item, s.epoch, s.subject, s.dimension))
            if s.judge == judge and s.score is not None and label is not None:
                pairs[s.dimension].append((s.score, float(label)))
    if not pairs:
        raise RolecallError(f"no labelled answer has a score from judge {judge!r}")
    assert instrument_id is not None and judge is not None
    cal = fit(pairs, instrument=instrument_id, judge=judge, lo=scale[0], hi=scale[1])
    write_json_atomic(out, cal)
    for dim, m in cal.dimensions.items():
        cv = m.cv
        console.print(
            f"{dim}: n {m.n}; cross-validated Spearman {num(cv.get('spearman'))}, quadratic κ "
            f"{num(cv.get('kappa_quadratic'))} (raw judge {num(cv.get('raw_kappa_quadratic'))}), within ±1 "
            f"{num(cv.get('within_1'))} (raw {num(cv.get('raw_within_1'))})",
            markup=False,
        )
    console.print(f"wrote {out} (apply with --calibration {out})", markup=False)
