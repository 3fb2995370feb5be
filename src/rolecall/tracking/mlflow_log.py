"""Log a finished run directory to MLflow: params, metrics equal to summary.json, tags, artifacts.

Default store: SQLite under rolecall's data directory (``ROLECALL_DATA_DIR``), artifacts beside
it. ``--tracking-uri`` or ``MLFLOW_TRACKING_URI`` points at a server instead. MLflow is imported
lazily: it takes seconds to import.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.paths import data_dir
from rolecall.rundir import Manifest, RunDir

_KEY_BAD = re.compile(r"[^A-Za-z0-9_\-. /]")


def default_tracking_uri() -> str:
    return f"sqlite:///{data_dir() / 'mlflow.db'}"


def resolve_tracking_uri(explicit: str | None) -> str:
    return explicit or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()


def _key(text: str) -> str:
    return _KEY_BAD.sub("_", text)[:250]


def summary_metrics(summary: dict[str, Any]) -> dict[str, float]:
    """The numbers of summary.json that become MLflow metrics (None values are left out)."""
    out: dict[str, float] = {}
    for dim_id, d in summary["dimensions"].items():
        for field in (
            "mean",
            "ci_low",
            "ci_high",
            "n",
            "unscored",
            "cronbach_alpha",
            "icc",
            "judge_alpha",
        ):
            value = d.get(field)
            if value is not None:
                out[_key(f"{dim_id}.{field}")] = float(value)
    for field in ("mean", "ci_low", "ci_high", "n"):
        if summary["overall"].get(field) is not None:
            out[f"overall.{field}"] = float(summary["overall"][field])
    out["unscored.total"] = float(summary["unscored"]["total"])
    abstained = summary.get("abstained", {})
    out["abstained.total"] = float(abstained.get("total", 0))
    for reason, n in abstained.get("by_reason", {}).items():
        out[_key(f"abstained.{reason}")] = float(n)
    for dim_id, d in summary["dimensions"].items():
        out[_key(f"{dim_id}.abstained")] = float(d.get("abstained", {}).get("total", 0))
    for judge, a in summary.get("agreement", {}).items():
        for field in ("n", "spearman", "kappa_quadratic", "within_1", "abstain_recall"):
            if a.get(field) is not None:
                out[_key(f"agreement.{judge}.{field}")] = float(a[field])
        for dim_id, m in a.get("dimensions", {}).items():
            for field in ("spearman", "kappa_quadratic", "within_1"):
                if m.get(field) is not None:
                    out[_key(f"agreement.{judge}.{dim_id}.{field}")] = float(m[field])
    out["failures.interview"] = float(summary["failures"]["interview"])
    out["failures.judge"] = float(summary["failures"]["judge"])
    for field in (
        "subject_calls",
        "cached",
        "tokens_in",
        "tokens_out",
        "latency_p50_s",
        "latency_p95_s",
    ):
        value = summary.get("calls", {}).get(field)
        if value is not None:
            out[f"calls.{field}"] = float(value)
    for field in ("wall_s", "cost_usd"):
        value = summary.get("timing", {}).get(field)
        if value is not None:
            out[field] = float(value)
    star = (summary.get("star") or {}).get("aggregate") or {}
    for field in ("complete_rate", "quantified_rate", "reflection_rate", "ownership_mean"):
        if star.get(field) is not None:
            out[f"star.{field}"] = float(star[field])
    for dim_id, p in ((summary.get("pressure") or {}).get("dimensions") or {}).items():
        if p.get("shift") is not None:
            out[_key(f"pressure.{dim_id}.shift")] = float(p["shift"])
    return out


def manifest_params(manifest: Manifest) -> dict[str, str]:
    p: dict[str, str] = {
        "rolecall_version": manifest.rolecall_version,
        "instrument.id": manifest.instrument.id,
        "instrument.version": manifest.instrument.version,
        "instrument.sha256": manifest.instrument.sha256,
        "judges": ",".join(j.spec for j in manifest.judges),
        "epochs": str(manifest.epochs),
        "seed": str(manifest.seed),
        "concurrency": str(manifest.concurrency),
        "baseline": str(manifest.baseline),
        "command": manifest.command,
    }
    if manifest.persona:
        p["persona.name"] = manifest.persona.name
        p["persona.sha256"] = manifest.persona.sha256
    if manifest.subject_model:
        p["subject.spec"] = manifest.subject_model.spec
        p["subject.identity"] = manifest.subject_model.identity
    if manifest.transcript_source:
        p["transcript.path"] = str(manifest.transcript_source.get("path"))
        p["transcript.sha256"] = str(manifest.transcript_source.get("sha256"))
    for k, v in manifest.params.items():
        if k != "json_schema":
            p[f"sampling.{k}"] = str(v)
    return {_key(k): v[:500] for k, v in p.items()}


def experiment_name(manifest: Manifest) -> str:
    if manifest.persona:
        return f"rolecall/{manifest.persona.name}"
    name = (manifest.transcript_source or {}).get("name") or "transcripts"
    return f"rolecall/{name}"


def open_client(tracking_uri: str | None) -> tuple[Any, str]:
    """An MLflow client for ``tracking_uri`` (resolved as ``resolve_tracking_uri`` does) and the
    URI; mlflow's own logging quietened. No mlflow installed: one line naming the way out."""
    uri = resolve_tracking_uri(tracking_uri)
    try:
        import mlflow
    except ImportError:
        raise RolecallError(
            "experiment tracking needs mlflow: pip install mlflow (or pass --no-track)"
        ) from None
    for logger_name in ("mlflow", "alembic"):  # after the import: mlflow sets levels on import
        logging.getLogger(logger_name).setLevel(logging.ERROR)
    return mlflow.MlflowClient(tracking_uri=uri), uri


def experiment_id(client: Any, name: str, uri: str, *, explicit: bool) -> str:
    """The id of experiment ``name``, created if needed; in the default SQLite store (no URI given)
    its artifacts go beside the database, under rolecall's data directory."""
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    location = None
    if uri.startswith("sqlite:///") and not explicit:
        location = (data_dir() / "mlartifacts").as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def log_run(
    run: RunDir,
    manifest: Manifest,
    summary: dict[str, Any],
    *,
    tracking_uri: str | None = None,
    parent_run_id: str | None = None,
) -> str:
    """Log the run to MLflow and return the MLflow run id."""
    client, uri = open_client(tracking_uri)
    from mlflow.entities import Metric, Param
    from mlflow.exceptions import MlflowException

    name = experiment_name(manifest)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stderr(sink):
            exp_id = experiment_id(client, name, uri, explicit=tracking_uri is not None)
            tags = {"rolecall.run_dir": str(run.path.resolve())}
            hyp = summary.get("hypothesis")
            if hyp:
                tags["hypothesis.verdict"] = hyp["verdict"]
                for dim_id, h in hyp["dimensions"].items():
                    tags[_key(f"hypothesis.{dim_id}")] = h["verdict"]
            if parent_run_id:
                tags["mlflow.parentRunId"] = parent_run_id
            mrun = client.create_run(exp_id, run_name=run.path.name, tags=tags)
            rid = mrun.info.run_id
            params = manifest_params(manifest)
            now = int(time.time() * 1000)
            client.log_batch(
                rid,
                metrics=[Metric(k, v, now, 0) for k, v in summary_metrics(summary).items()],
                params=[Param(k, v) for k, v in params.items()],
            )
            client.log_artifacts(rid, str(run.path))
            client.set_terminated(rid)
    except MlflowException as exc:
        raise RolecallError(f"MLflow tracking at {uri} failed: {exc.message.splitlines()[0]}") from None
    except OSError as exc:
        raise RolecallError(f"MLflow tracking at {uri} failed: {exc}") from None
    return str(rid)


def tracking_enabled(no_track: bool) -> bool:
    return not no_track and os.environ.get("ROLECALL_NO_TRACK", "") not in {"1", "true", "yes"}


def mlflow_ui_hint(uri: str) -> str:
    if uri.startswith("sqlite:///"):
        return f"mlflow ui --backend-store-uri {uri}"
    return f"open {uri}"


def log_compare(out: Path, result: dict[str, Any], *, tracking_uri: str | None = None) -> str:
    """Log a comparison as its own MLflow run (experiment ``rolecall/compare``), linked to the
    compared runs by their run directories; metrics are each dimension's difference and p-values."""
    client, uri = open_client(tracking_uri)
    from mlflow.entities import Metric, Param

    exp_id = experiment_id(client, "rolecall/compare", uri, explicit=tracking_uri is not None)
    tags = {f"rolecall.run_dir.{k}": r["path"] for k, r in enumerate(result["runs"])}
    mrun = client.create_run(exp_id, run_name=f"compare-{len(result['runs'])}-runs", tags=tags)
    now = int(time.time() * 1000)
    metrics = []
    for k, comp in enumerate(result["comparisons"], start=1):
        for dim, c in comp["dimensions"].items():
            for field in ("diff", "p_value", "p_holm", "cliffs_delta"):
                if c.get(field) is not None:
                    metrics.append(Metric(_key(f"run{k}.{dim}.{field}"), float(c[field]), now, 0))
    params = [Param("instrument.id", result["instrument"]["id"])]
    params += [Param(f"run{k}", _key(r["label"])[:500]) for k, r in enumerate(result["runs"])]
    client.log_batch(mrun.info.run_id, metrics=metrics, params=params)
    client.log_artifacts(mrun.info.run_id, str(out))
    client.set_terminated(mrun.info.run_id)
    return str(mrun.info.run_id)


def ablation_metrics(result: dict[str, Any]) -> dict[str, float]:
    """Each variant × dimension's effect, interval and p-values, keyed by the variant's run folder."""
    out: dict[str, float] = {}
    for v in result["sections"]:
        name = Path(v["run"]).parent.name
        for dim, e in v["dimensions"].items():
            for field in ("effect", "ci_low", "ci_high", "p", "p_holm", "cliffs_delta"):
                if e.get(field) is not None:
                    out[_key(f"{name}.{dim}.{field}")] = float(e[field])
            out[_key(f"{name}.{dim}.significant")] = float(e["significant"])
        out[_key(f"{name}.abstained")] = float(v["counts"]["abstained"])
        out[_key(f"{name}.unscored")] = float(v["counts"]["unscored"])
    return out


def log_ablation(
    out: Path,
    result: dict[str, Any],
    runs: list[tuple[RunDir, Manifest, dict[str, Any]]],
    *,
    tracking_uri: str | None = None,
) -> tuple[str, list[str]]:
    """Log an ablation as a parent MLflow run (its effects, ablation.json/.md/.html and the variant
    persona files) with one child run per variant (``log_run``), all in the persona's experiment;
    ``runs`` are (run, manifest, summary), the full persona's first. Returns (parent, children)."""
    client, uri = open_client(tracking_uri)
    from mlflow.entities import Metric, Param
    from mlflow.exceptions import MlflowException

    name = experiment_name(runs[0][1])
    sink = io.StringIO()
    try:
        with contextlib.redirect_stderr(sink):
            exp_id = experiment_id(client, name, uri, explicit=tracking_uri is not None)
            parent = client.create_run(
                exp_id,
                run_name=f"ablation-{result['mode']}-{out.name}",
                tags={"rolecall.ablation_dir": str(out.resolve()), "rolecall.kind": "ablation"},
            )
            pid = parent.info.run_id
            params = {
                "persona.name": result["persona"],
                "persona.sha256": result["persona_sha256"],
                "instrument.id": result["instrument"]["id"],
                "mode": result["mode"],
                "unit": result["unit"],
                "variants": ", ".join(v["label"] for v in result["sections"]),
                "subject.spec": result["model"],
                "judges": ",".join(result["judges"]),
                "epochs": str(result["epochs"]),
                "items_per_dimension": str(result["items_per_dimension"]),
            }
            now = int(time.time() * 1000)
            client.log_batch(
                pid,
                metrics=[Metric(k, v, now, 0) for k, v in ablation_metrics(result).items()],
                params=[Param(_key(k), v[:500]) for k, v in params.items()],
            )
            for f in ("ablation.json", "ablation.md", "ablation.html"):
                client.log_artifact(pid, str(out / f))
            for run, _, _ in runs:
                persona = next(run.path.parent.glob("persona.*"), None)
                if persona is not None:
                    client.log_artifact(pid, str(persona), artifact_path=f"personas/{run.path.parent.name}")
        children = [
            log_run(run, manifest, summary, tracking_uri=tracking_uri, parent_run_id=pid)
            for run, manifest, summary in runs
        ]
        with contextlib.redirect_stderr(sink):
            client.set_terminated(pid)
    except MlflowException as exc:
        raise RolecallError(f"MLflow tracking at {uri} failed: {exc.message.splitlines()[0]}") from None
    except OSError as exc:
        raise RolecallError(f"MLflow tracking at {uri} failed: {exc}") from None
    return str(pid), children
