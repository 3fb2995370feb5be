"""Where rolecall keeps its cache and data (overridable by environment)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Cache root: ``ROLECALL_CACHE_DIR`` or ``$XDG_CACHE_HOME/rolecall`` or ``~/.cache/rolecall``."""
    env = os.environ.get("ROLECALL_CACHE_DIR")
    if env:
        root = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(base) / "rolecall"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def data_dir() -> Path:
    """Data root (MLflow store etc.): ``ROLECALL_DATA_DIR`` or ``~/.local/share/rolecall``."""
    env = os.environ.get("ROLECALL_DATA_DIR")
    if env:
        root = Path(env)
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        root = Path(base) / "rolecall"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root
