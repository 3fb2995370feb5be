"""The ray executor on a real local Ray instance (started on 127.0.0.1 by the executor): the same
figures as the local executor, and a worker killed mid-cell loses no answer the driver received."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from rolecall.grids import GridOptions, read_index, run_grid
from rolecall.rundir import RunDir
from tests.conftest import installed
from tests.faults.server import FaultServer
from tests.test_grid import make_grid

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not installed("ray"), reason="needs the ray extra: pip install -e '.[ray]'"),
]

#: the summary.json blocks that must not depend on where a cell ran (timing and call counts may)
FIGURES = ("dimensions", "overall", "items", "hypothesis", "verdicts", "unscored", "abstained")


def _ray_executor(**kw):
    from rolecall.grids.ray_exec import RayExecutor

    return RayExecutor(num_cpus=0.5, **kw)


def test_ray_and_local_executors_give_identical_figures(tmp_path):
    with FaultServer(answer="A simple baseline on a small slice first.") as server:
        loopback = f"openai:m@{server.base_url}"
        grid = make_grid(tmp_path, models=["scripted:subject.yaml", loopback])
        local = run_grid(grid, tmp_path / "local", GridOptions(use_cache=False))
        start = time.perf_counter()
        ray = run_grid(
            grid, tmp_path / "ray", GridOptions(use_cache=False), executor=_ray_executor(max_parallel=2)
        )
        ray_s = time.perf_counter() - start
    assert local.count("done") == ray.count("done") == 4
    assert ray.index["executor"] == "ray"
    local_cells = {c["id"]: c for c in local.index["cells"]}
    for c in ray.index["cells"]:
        assert c["worker"] and c["worker"] != local_cells[c["id"]]["worker"]  # ran in a Ray worker
        a = RunDir(tmp_path / "local" / local_cells[c["id"]]["run_dir"]).read_summary()
        b = RunDir(tmp_path / "ray" / c["run_dir"]).read_summary()
        for block in FIGURES:
            assert a.get(block) == b.get(block), (c["id"], block)
        # the run directory came back whole, naming the driver's files
        manifest = RunDir(tmp_path / "ray" / c["run_dir"]).read_manifest()
        assert manifest.persona.path == local_cells[c["id"]]["persona_path"]
        assert manifest.instrument.ref == str((tmp_path / "mini.yaml").resolve())
        files = {p.name for p in (tmp_path / "ray" / c["run_dir"]).iterdir()}
        assert {"manifest.json", "transcript.jsonl", "scores.jsonl", "summary.json", "report.html"} <= files
    assert ray.index["results"] == local.index["results"]
    print(f"ray executor, 4 cells incl. Ray start and stop: {ray_s:.1f} s")


def test_killed_worker_loses_no_answers(tmp_path):
    with FaultServer(latency_s=0.3, answer="A simple baseline on a small slice first.") as server:
        grid = make_grid(
            tmp_path, personas=1, models=[f"openai:m@{server.base_url}"], extra="concurrency: 1\n"
        )
        grid.write_text(grid.read_text().replace("epochs: 2", "epochs: 4"))
        out = tmp_path / "out"
        result: dict = {}

        def go() -> None:
            try:
                result["outcome"] = run_grid(
                    grid,
                    out,
                    GridOptions(use_cache=False),
                    executor=_ray_executor(max_parallel=1, poll_s=0.2),
                )
            except BaseException as exc:  # surfaced below
                result["error"] = exc

        thread = threading.Thread(target=go)
        thread.start()
        transcript: Path | None = None
        pid = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and thread.is_alive():
            index = read_index(out) if (out / "grid.json").is_file() else None
            cell = index["cells"][0] if index else None
            if cell and cell["run_dir"] and cell["worker"]:
                transcript = out / cell["run_dir"] / "transcript.jsonl"
                answers = [ln for ln in _lines(transcript) if json.loads(ln)["role"] == "assistant"]
                if len(answers) >= 4:
                    pid = int(cell["worker"].rsplit(":", 1)[1])
                    before = _lines(transcript)
                    os.kill(pid, signal.SIGKILL)
                    break
            time.sleep(0.05)
        thread.join(timeout=180)
        requests = server.requests
    assert "error" not in result, result.get("error")
    assert pid is not None and transcript is not None, "the cell finished before it could be interrupted"
    cell = result["outcome"].index["cells"][0]
    assert cell["status"] == "done" and cell["attempts"] == 2, cell
    assert cell["worker"] and int(cell["worker"].rsplit(":", 1)[1]) != pid
    after = _lines(out / cell["run_dir"] / "transcript.jsonl")
    assert after[: len(before)] == before  # every answer received before the kill is kept as it was
    records = [json.loads(ln) for ln in after]
    keys = [(r["item"], r["epoch"], r["turn"], r["subject"]) for r in records]
    assert len(keys) == len(set(keys))  # and none was asked twice
    answers = [r for r in records if r["role"] == "assistant"]
    assert len(answers) == 16  # 4 epochs × (3 items + 1 follow-up)
    kept = sum(json.loads(ln)["role"] == "assistant" for ln in before)
    # the server was asked again only for what the killed worker had not yet sent
    assert requests < len(answers) + kept, (requests, kept)
    summary = RunDir(out / cell["run_dir"]).read_summary()
    assert summary["dimensions"]["scope"]["n"] > 0


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []
