"""Shared CLI step: log a finished run to MLflow unless tracking is off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rolecall.cli.console import err_console

if TYPE_CHECKING:
    from rolecall.rundir import Manifest, RunDir


def track(
    run: RunDir,
    manifest: Manifest,
    summary: dict[str, Any],
    *,
    tracking_uri: str | None,
    no_track: bool,
    parent_run_id: str | None = None,
) -> str | None:
    from rolecall.tracking import log_run, mlflow_ui_hint, resolve_tracking_uri, tracking_enabled

    if not tracking_enabled(no_track):
        return None
    rid = log_run(run, manifest, summary, tracking_uri=tracking_uri, parent_run_id=parent_run_id)
    uri = resolve_tracking_uri(tracking_uri)
    err_console.print(f"mlflow run {rid} ({mlflow_ui_hint(uri)})", markup=False, highlight=False)
    return rid
