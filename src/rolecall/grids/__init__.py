"""Grids: personas × models × instruments × persona styles, each cell an ordinary run directory.

``rolecall grid GRID.yaml`` expands the grid file (``spec``), fingerprints each cell's inputs
(``cells``), skips the cells grid.json has done with the same inputs, and runs the rest on an
executor: ``local`` (concurrently in this process) or ``ray`` (Ray actors; no shared file system
needed). grid.json (``rolecall.rundir.grid``) indexes the cells; grid.md / grid.html show the
persona × model matrices, the hypothesis verdicts and the pairwise model comparisons.
"""

from rolecall.grids.cells import Cell, expand
from rolecall.grids.spec import GridSpec, LoadedGrid, grid_json_schema, load_grid
from rolecall.grids.study import GridOptions, GridOutcome, default_grid_dir, read_index, run_grid

__all__ = [
    "Cell",
    "GridOptions",
    "GridOutcome",
    "GridSpec",
    "LoadedGrid",
    "default_grid_dir",
    "expand",
    "grid_json_schema",
    "load_grid",
    "read_index",
    "run_grid",
]
