"""Experiment tracking (MLflow)."""

from rolecall.tracking.mlflow_log import (
    default_tracking_uri,
    log_ablation,
    log_compare,
    log_run,
    manifest_params,
    mlflow_ui_hint,
    resolve_tracking_uri,
    summary_metrics,
    tracking_enabled,
)

__all__ = [
    "default_tracking_uri",
    "log_ablation",
    "log_compare",
    "log_run",
    "manifest_params",
    "mlflow_ui_hint",
    "resolve_tracking_uri",
    "summary_metrics",
    "tracking_enabled",
]
