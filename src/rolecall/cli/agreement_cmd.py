"""`rolecall agreement`: how far the run's judges agree with human labels of its answers."""

from __future__ import annotations

from pathlib import Path

import typer

from rolecall.cli.console import console
from rolecall.errors import RolecallError


def agreement(
    run_dir: Path = typer.Argument(..., help="A run directory."),
    labels: list[Path] = typer.Option(
        [],
        "--labels",
        "-l",
        help="Labels file(s), JSONL or CSV (item, epoch, subject, dimension, score, rater). "
        "Default: RUN_DIR/labels.jsonl.",
    ),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", envvar="MLFLOW_TRACKING_URI"),
    no_track: bool = typer.Option(
        False, "--no-track", envvar="ROLECALL_NO_TRACK", help="Do not log to MLflow."
    ),
) -> None:
    """Judge versus human agreement per judge and dimension; writes RUN_DIR/agreement.json and
    adds an agreement section to the reports."""
    from rolecall.agreement import agreement as compute
    from rolecall.cli.track import track
    from rolecall.formatting import num
    from rolecall.instrument import run_instrument
    from rolecall.labels import read_labels
    from rolecall.persona import load_persona
    from rolecall.pipeline import finish
    from rolecall.rundir import RunDir, ScoreRecord, read_records, write_json_atomic

    run = RunDir(run_dir)
    manifest = run.verify(agreement=False)  # agreement.json is rewritten, not read
    instrument, _ = run_instrument(manifest.instrument)
    files = list(labels) or [run.labels]
    for f in files:
        if not f.exists():
            raise RolecallError(
                "no labels here: rate answers with `rolecall label RUN_DIR`, or pass --labels FILE", path=f
            )
    lo, hi = instrument.scale.min, instrument.scale.max
    known = {d.id for d in instrument.dimensions}
    records = [lab for f in files for lab in read_labels(f, dimensions=known, scale=(lo, hi))]
    result = compute(read_records(run.scores, ScoreRecord), records, lo, hi, seed=manifest.seed)
    if not result["judges"]:
        raise RolecallError(
            "no label matches a verdict of this run (item, epoch, subject, dimension)", path=files[0]
        )
    write_json_atomic(run.agreement, result)
    persona = load_persona(manifest.persona.path) if manifest.persona else None
    summary = finish(run, persona, instrument, manifest)
    for judge, res in result["judges"].items():
        o = res["overall"]
        ci = o["spearman_ci"]
        console.print(
            f"{judge}: n {o['n']} (both scored {o['n_scored']}), Spearman {num(o['spearman'])}"
            + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
            + f", quadratic κ {num(o['kappa_quadratic'])}, within ±1 {num(o['within_1'])}, "
            f"no-evidence recall {num(o['abstention']['recall'])}",
            markup=False,
        )
    raters = result["raters"]
    if raters.get("krippendorff_alpha") is not None:
        console.print(
            f"raters ({', '.join(raters['raters'])}): Krippendorff α {num(raters['krippendorff_alpha'])} "
            f"on {raters['shared_units']} shared answers (the human ceiling)",
            markup=False,
        )
    track(run, manifest, summary, tracking_uri=tracking_uri, no_track=no_track)
    console.print(f"wrote {run.agreement}", markup=False)
