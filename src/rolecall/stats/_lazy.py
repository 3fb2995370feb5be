"""``scipy.stats`` loaded on first use: importing it costs ~0.7 s, which every CLI command paid."""

from __future__ import annotations

from types import ModuleType
from typing import Any


class _LazyModule:
    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


stats: Any = _LazyModule("scipy.stats")
