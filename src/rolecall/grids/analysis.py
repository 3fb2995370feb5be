"""What a finished grid shows: per instrument, the persona × model matrix of every dimension
(mean and 95% interval from each cell's summary.json), each cell's hypothesis verdict, and every
pair of models compared per persona.

The comparisons are those of ``rolecall compare`` (``rolecall.comparison.item_means`` and
``rolecall.stats``): a paired permutation test over the items both cells answered (item means
over epochs and judges), a bootstrap interval of the difference, Cliff's delta and Cohen's d_z.
Holm's correction runs over every model pair × dimension of one persona and instrument, the
family a reader scans when asking "which models differ for this persona?". Only cells that are
done enter (a failed cell's figures are incomplete).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from rolecall.comparison import item_means
from rolecall.rundir import RunDir
from rolecall.stats import Comparison, paired_comparison, unpaired_comparison, with_holm

METHOD = (
    "matrix: each cell's dimension mean and 95% interval from its summary.json; model comparisons: "
    "paired two-sided permutation test over the items both cells answered (item means over epochs and "
    "judges; unpaired when they share none), bootstrap 95% CI of the mean difference (b − a), Cliff's "
    "delta and Cohen's d; Holm correction across all model pairs × dimensions of one persona and "
    "instrument. Only cells that are done enter."
)

_ESTIMATE = ("mean", "ci_low", "ci_high", "n")


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def _stats(c: Comparison) -> dict[str, Any]:
    return {k: (_r(v) if isinstance(v, float) else v) for k, v in asdict(c).items() if k != "dimension"}


def grid_results(grid_dir: Path, cells: list[dict[str, Any]], *, seed: int = 0) -> dict[str, Any]:
    """The ``results`` block of grid.json, from the done cells' run directories."""
    done = [c for c in cells if c["status"] == "done" and c["run_dir"]]
    summaries: dict[str, dict[str, Any]] = {}
    for c in done:
        summaries[c["id"]] = RunDir(grid_dir / c["run_dir"]).read_summary()
    by_instrument: dict[str, list[dict[str, Any]]] = {}
    for c in done:
        by_instrument.setdefault(c["instrument"], []).append(c)
    out: dict[str, Any] = {}
    for inst_id, group in by_instrument.items():
        out[inst_id] = _instrument_results(grid_dir, group, summaries, seed)
    return {"instruments": out, "method": METHOD}


def _instrument_results(
    grid_dir: Path, group: list[dict[str, Any]], summaries: dict[str, dict[str, Any]], seed: int
) -> dict[str, Any]:
    personas = list(dict.fromkeys(c["persona"] for c in group))
    columns = list(dict.fromkeys(c["column"] for c in group))
    first = summaries[group[0]["id"]]
    dim_names: dict[str, str] = {}
    for c in group:
        for d, s in summaries[c["id"]]["dimensions"].items():
            dim_names.setdefault(d, s["name"])
    absent = {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    matrix: dict[str, dict[str, dict[str, Any]]] = {d: {} for d in dim_names}
    verdicts: dict[str, dict[str, Any]] = {}
    cell_at: dict[tuple[str, str], dict[str, Any]] = {}
    for c in group:
        s = summaries[c["id"]]
        cell_at[(c["persona"], c["column"])] = c
        for d in dim_names:
            dim = s["dimensions"].get(d)
            row = matrix[d].setdefault(c["persona"], {})
            row[c["column"]] = {k: dim[k] for k in _ESTIMATE} if dim else dict(absent)
        verdicts.setdefault(c["persona"], {})[c["column"]] = (s.get("hypothesis") or {}).get("verdict")
    comparisons: dict[str, list[dict[str, Any]]] = {}
    means: dict[str, dict[str, dict[str, float]]] = {}
    for persona in personas:
        present = [col for col in columns if (persona, col) in cell_at]
        pairs = [(a, b) for k, a in enumerate(present) for b in present[k + 1 :]]
        if not pairs:
            continue
        flat: list[Comparison] = []
        for a, b in pairs:
            ma = _means(grid_dir, cell_at[(persona, a)], means)
            mb = _means(grid_dir, cell_at[(persona, b)], means)
            for d in dim_names:
                x, y = ma.get(d, {}), mb.get(d, {})
                if set(x) & set(y):
                    flat.append(paired_comparison(x, y, dimension=d, seed=seed))
                else:
                    flat.append(
                        unpaired_comparison(list(x.values()), list(y.values()), dimension=d, seed=seed)
                    )
        flat = with_holm(flat)
        k = len(dim_names)
        comparisons[persona] = [
            {"a": a, "b": b, "dimensions": {c.dimension: _stats(c) for c in flat[j * k : (j + 1) * k]}}
            for j, (a, b) in enumerate(pairs)
        ]
    return {
        "instrument": first["instrument"],
        "dimension_names": dim_names,
        "personas": personas,
        "columns": columns,
        "matrix": matrix,
        "verdicts": verdicts,
        "comparisons": comparisons,
    }


def _means(
    grid_dir: Path, cell: dict[str, Any], cache: dict[str, dict[str, dict[str, float]]]
) -> dict[str, dict[str, float]]:
    if cell["id"] not in cache:
        cache[cell["id"]] = item_means(RunDir(grid_dir / cell["run_dir"]))
    return cache[cell["id"]]
