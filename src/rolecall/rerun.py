"""Repeat a run from its manifest (no cache) and check that the scores agree within intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.pipeline import Outcome, RunConfig, execute_run, start_run
from rolecall.progress import Progress
from rolecall.rundir import RunDir


def config_from(run: RunDir, out: Path | None) -> RunConfig:
    m = run.read_manifest()
    if m.persona is None or m.subject_model is None:
        raise RolecallError(
            "rerun repeats interview runs; rescore a transcript with `rolecall score`", path=run.path
        )
    return RunConfig(
        persona=Path(m.persona.path),
        instrument=m.instrument.ref,
        model=m.subject_model.spec,
        judges=[j.spec for j in m.judges],
        epochs=m.epochs,
        concurrency=m.concurrency,
        seed=m.seed,
        temperature=float(m.params.get("temperature", 0.7)),
        max_tokens=int(m.params.get("max_tokens", 320)),
        out=out or run.path.parent,
        baseline=m.baseline,
        use_cache=False,
        items_per_dimension=m.instrument.items_per_dimension,
        persona_style=m.persona.style,
    )


def agreement(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Per dimension: does each run's mean fall inside the other's 95% interval?"""
    dims = {}
    for dim_id, a in old["dimensions"].items():
        b = new["dimensions"].get(dim_id, {})

        def inside(x: float | None, d: dict[str, Any]) -> bool | None:
            if x is None or d.get("ci_low") is None:
                return None
            return bool(d["ci_low"] - 1e-9 <= x <= d["ci_high"] + 1e-9)

        ok = [inside(b.get("mean"), a), inside(a["mean"], b)]
        dims[dim_id] = {
            "old_mean": a["mean"],
            "new_mean": b.get("mean"),
            "old_ci": [a["ci_low"], a["ci_high"]],
            "new_ci": [b.get("ci_low"), b.get("ci_high")],
            "agrees": None if None in ok else all(ok),
            "identical": a["mean"] == b.get("mean"),
        }
    verdicts = [d["agrees"] for d in dims.values()]
    return {"dimensions": dims, "agrees": all(v is True for v in verdicts) if verdicts else None}


def rerun(
    path: Path, *, out: Path | None = None, progress: Progress | None = None
) -> tuple[Outcome, dict[str, Any]]:
    old_run = RunDir(path)
    old = old_run.read_summary()
    cfg = config_from(old_run, out)
    run, persona, instrument, manifest = start_run(cfg)
    outcome = execute_run(run, persona, instrument, manifest, progress=progress, use_cache=False)
    return outcome, agreement(old, outcome.summary)
