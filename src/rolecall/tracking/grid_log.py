"""Log a grid to MLflow: one parent run per grid directory, one child run per cell.

Everything sits in one experiment, ``rolecall/grids/<grid name>``, so the MLflow UI nests the
cells under their grid. The parent run is kept across invocations (its id is in grid.json): each
``rolecall grid`` adds a child for every cell it ran and finished, tags the child it replaces
``rolecall.superseded``, and refreshes the parent's counts and its grid.json / grid.md / grid.html.
A child carries what ``log_run`` logs for a run: manifest params, summary metrics, the run directory.
"""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.rundir import RunDir
from rolecall.tracking.mlflow_log import _key, experiment_id, manifest_params, open_client, summary_metrics


def _parent(client: Any, index: dict[str, Any], exp_id: str, uri: str, grid_dir: Path) -> str:
    known = index.get("tracking")
    if known and known["tracking_uri"] == uri:
        with contextlib.suppress(Exception):  # deleted, or another store: start a new parent
            client.get_run(known["parent_run_id"])
            return str(known["parent_run_id"])
    tags = {"rolecall.grid_dir": str(grid_dir.resolve()), "rolecall.kind": "grid"}
    return str(client.create_run(exp_id, run_name=f"grid-{index['name']}", tags=tags).info.run_id)


def _child(client: Any, exp_id: str, parent: str, cell: dict[str, Any], run: RunDir) -> str:
    from mlflow.entities import Metric, Param

    manifest, summary = run.read_manifest(), run.read_summary()
    tags = {
        "mlflow.parentRunId": parent,
        "rolecall.run_dir": str(run.path.resolve()),
        "rolecall.grid_cell": cell["id"],
        "rolecall.cell_status": cell["status"],
    }
    hyp = summary.get("hypothesis")
    if hyp:
        tags["hypothesis.verdict"] = hyp["verdict"]
    rid = str(client.create_run(exp_id, run_name=cell["id"][:250], tags=tags).info.run_id)
    now = int(time.time() * 1000)
    client.log_batch(
        rid,
        metrics=[Metric(k, v, now, 0) for k, v in summary_metrics(summary).items()],
        params=[Param(k, v) for k, v in manifest_params(manifest).items()],
    )
    client.log_artifacts(rid, str(run.path))
    client.set_terminated(rid)
    return rid


def log_grid(
    grid_dir: Path, index: dict[str, Any], ran: list[str], *, tracking_uri: str | None = None
) -> str:
    """Log the cells in ``ran`` that finished with a summary, under the grid's parent run; the
    cells' ``mlflow_run_id`` and the index's ``tracking`` block are updated in ``index``."""
    client, uri = open_client(tracking_uri)
    from mlflow.entities import Metric
    from mlflow.exceptions import MlflowException

    ran_ids = set(ran)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            exp_id = experiment_id(
                client, f"rolecall/grids/{index['name']}", uri, explicit=tracking_uri is not None
            )
            parent = _parent(client, index, exp_id, uri, grid_dir)
            for cell in index["cells"]:
                run = RunDir(grid_dir / cell["run_dir"]) if cell["run_dir"] else None
                if cell["id"] not in ran_ids or run is None or not run.summary.is_file():
                    continue
                old = cell.get("mlflow_run_id")
                cell["mlflow_run_id"] = _child(client, exp_id, parent, cell, run)
                if old:
                    with contextlib.suppress(Exception):
                        client.set_tag(old, "rolecall.superseded", "true")
            counts = {s: sum(c["status"] == s for c in index["cells"]) for s in ("done", "failed", "pending")}
            now = int(time.time() * 1000)
            metrics = [Metric(f"cells_{s}", float(n), now, 0) for s, n in counts.items()]
            metrics.append(Metric("wall_s", float(sum(c["wall_s"] or 0.0 for c in index["cells"])), now, 0))
            costs = [c["cost_usd"] for c in index["cells"] if c["cost_usd"] is not None]
            if costs:
                metrics.append(Metric("cost_usd", float(sum(costs)), now, 0))
            client.log_batch(parent, metrics=metrics)
            client.set_tag(parent, "rolecall.grid_sha256", index["grid_sha256"])
            client.set_tag(parent, _key("rolecall.grid_file"), index["grid_file"][:5000])
            for name in ("grid.json", "grid.md", "grid.html", "grid.yaml"):
                if (grid_dir / name).is_file():
                    client.log_artifact(parent, str(grid_dir / name))
            client.set_terminated(parent)
    except MlflowException as exc:
        raise RolecallError(f"MLflow tracking at {uri} failed: {exc.message.splitlines()[0]}") from None
    except OSError as exc:
        raise RolecallError(f"MLflow tracking at {uri} failed: {exc}") from None
    index["tracking"] = {"tracking_uri": uri, "parent_run_id": parent}
    return parent
