"""rolecall: interview agent personas with structured instruments and judge the answers.

From Python (the same runs as the CLI, with the same defaults)::

    import rolecall
    run = rolecall.run("persona.md", epochs=2)           # -> rolecall.Run
    run.dimensions_df(); run.check()
    rolecall.compare(reference_run, run)                  # -> rolecall.Comparison

``arun`` and ``ascore`` are the twins for code inside an event loop (``await`` them in Jupyter).
The names are imported on first use, so ``import rolecall`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from rolecall.api import (
        Ablation,
        Comparison,
        Grid,
        Run,
        ablate,
        arun,
        ascore,
        compare,
        grid,
        load,
        run,
        score,
    )

__all__ = [
    "Ablation",
    "Comparison",
    "Grid",
    "Run",
    "__version__",
    "ablate",
    "arun",
    "ascore",
    "compare",
    "grid",
    "load",
    "run",
    "score",
]

_API = set(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from rolecall import api

        return getattr(api, name)
    raise AttributeError(f"module 'rolecall' has no attribute {name!r}")
