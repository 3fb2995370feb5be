"""`rolecall grid`: expansion, input hashes, skipping unchanged cells, failing and resumed cells,
grid.json's schema, the reports and `rolecall check GRID_DIR` (local executor, scripted models)."""

from __future__ import annotations

import json
import socket
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rolecall.errors import RolecallError
from rolecall.grids import GridOptions, expand, load_grid, read_index, run_grid
from rolecall.rundir import RunDir
from rolecall.rundir.grid import GridIndex
from tests.cli.test_cli import assert_one_line_error, rolecall
from tests.conftest import MINI_INSTRUMENT, MINI_PERSONA, SCRIPTED_JUDGE, SCRIPTED_SUBJECT
from tests.test_schema import assert_matches

#: a second subject: answers the recommender question without a baseline (the judge scores it lower)
OTHER_SUBJECT = SCRIPTED_SUBJECT.replace(
    'reply: ["I would start with a quick prototype and a simple baseline.", '
    '"A simple matrix factorization baseline first."]',
    'reply: "A full production pipeline with canary rollouts first."',
)
assert OTHER_SUBJECT != SCRIPTED_SUBJECT
#: the scripted judge, scoring that answer at the production-first pole
GRID_JUDGE = SCRIPTED_JUDGE.replace(
    "rules:\n",
    "rules:\n"
    '  - when: "production pipeline with canary"\n'
    """    reply: '{"evidence": "A full production pipeline", "indicators_seen": [], "reasoning": "production", "score": 1}'\n""",
    1,
)
assert GRID_JUDGE != SCRIPTED_JUDGE


def make_grid(root: Path, *, models: list[str] | None = None, personas: int = 2, extra: str = "") -> Path:
    """A grid folder: mini.yaml, personas/p1.md.., two scripted subjects, a scripted judge, grid.yaml."""
    (root / "personas").mkdir(parents=True, exist_ok=True)
    (root / "mini.yaml").write_text(MINI_INSTRUMENT)
    for k in range(1, personas + 1):
        text = MINI_PERSONA if k == 1 else MINI_PERSONA.replace("- Curious", f"- Curious, variant {k}")
        (root / "personas" / f"p{k}.md").write_text(text)
    (root / "subject.yaml").write_text(SCRIPTED_SUBJECT)
    (root / "other.yaml").write_text(OTHER_SUBJECT)
    (root / "judge.yaml").write_text(GRID_JUDGE)
    models = models or ["scripted:subject.yaml", "scripted:other.yaml"]
    grid = root / "grid.yaml"
    grid.write_text(
        "personas: [personas/*.md]\n"
        f"models: {json.dumps(models)}\n"
        "instruments: [mini.yaml]\n"
        'judges: ["scripted:judge.yaml"]\n'
        "epochs: 2\n" + textwrap.dedent(extra)
    )
    return grid


def _summary(grid_dir: Path, cell: dict) -> dict:
    return RunDir(grid_dir / cell["run_dir"]).read_summary()


# ---------------------------------------------------------------- expansion and hashes


def test_expand_crosses_personas_models_instruments(tmp_path):
    grid = make_grid(tmp_path)
    cells = expand(load_grid(grid))
    assert [c.id for c in cells] == [
        "p1__scripted-subject-yaml__mini",
        "p1__scripted-other-yaml__mini",
        "p2__scripted-subject-yaml__mini",
        "p2__scripted-other-yaml__mini",
    ]
    c = cells[0]
    assert c.persona_path == (tmp_path / "personas" / "p1.md").resolve()
    assert c.model == "scripted:subject.yaml"  # as written: the column label
    assert c.model_spec == f"scripted:{(tmp_path / 'subject.yaml').resolve()}"  # relative to the grid file
    assert c.instrument == "mini" and c.instrument_ref == str((tmp_path / "mini.yaml").resolve())
    assert c.judges == (f"scripted:{(tmp_path / 'judge.yaml').resolve()}",)
    assert c.has_hypothesis
    assert set(c.inputs) == {"persona", "instrument", "model", "judges", "settings"}
    # one persona's hash differs, the rest of its inputs do not
    assert cells[0].inputs["persona"] != cells[2].inputs["persona"]
    assert cells[0].inputs["model"] == cells[2].inputs["model"] != cells[1].inputs["model"]
    assert len({c.inputs_sha256 for c in cells}) == 4


def test_input_hashes_follow_file_contents(tmp_path):
    grid = make_grid(tmp_path)
    before = {c.id: c.inputs for c in expand(load_grid(grid))}
    (tmp_path / "other.yaml").write_text(OTHER_SUBJECT + "\n# edited\n")  # the rules file, not the spec
    after = {c.id: c.inputs for c in expand(load_grid(grid))}
    changed = {cid for cid in before if before[cid] != after[cid]}
    assert changed == {"p1__scripted-other-yaml__mini", "p2__scripted-other-yaml__mini"}
    assert all(before[c]["model"] != after[c]["model"] for c in changed)


def test_style_axis_and_default_instrument(tmp_path):
    grid = make_grid(tmp_path, personas=1, extra="persona_styles: [first-person, role]\n")
    text = grid.read_text().replace("instruments: [mini.yaml]\n", "")
    grid.write_text(text)
    # no instruments: each persona's hypothesis instrument (a file: relative to the grid file)
    (tmp_path / "personas" / "p1.md").write_text(
        MINI_PERSONA.replace("instrument: mini", "instrument: mini.yaml")
    )
    cells = expand(load_grid(grid))
    assert len(cells) == 4  # 1 persona × 2 models × 2 styles
    assert {c.instrument_ref for c in cells} == {str((tmp_path / "mini.yaml").resolve())}
    assert {c.column for c in cells} == {
        "scripted:subject.yaml · first-person",
        "scripted:subject.yaml · role",
        "scripted:other.yaml · first-person",
        "scripted:other.yaml · role",
    }
    assert cells[0].id.endswith("__first-person") and cells[1].id.endswith("__role")


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("personas: [p.md]\nmodels: [local]\nepochz: 2\n", 3, "epochz: unknown field"),
        (
            "personas: [p.md]\nmodels: [local]\nepochs: 0\n",
            3,
            "epochs: Input should be greater than or equal to 1",
        ),
        ("personas: [p.md]\nmodels: []\n", 2, "models: List should have at least 1 item"),
        ("personas: [p.md]\nmodels: [local, local]\n", 2, "'local' is listed twice"),
        ("personas: [p.md]\nmodels: [local]\npersona_styles: [shouty]\n", 3, "persona_styles.0"),
        ("personas: [p.md]\nmodels: [local]\nresources: {num_gpus: -1}\n", 3, "resources.num_gpus"),
        ("- just\n- a list\n", 1, "must be a YAML mapping"),
        ("personas: [p.md\n", 2, "invalid YAML"),
    ],
)
def test_bad_grid_file_names_file_and_line(tmp_path, body, line, fragment):
    grid = tmp_path / "g.yaml"
    grid.write_text(body)
    with pytest.raises(RolecallError) as err:
        load_grid(grid)
    assert err.value.path == str(grid) and err.value.line == line, str(err.value)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("edit", "line", "fragment"),
    [
        (
            ("personas: [personas/*.md]", "personas: [personas/*.md, nobody/*.md]"),
            1,
            "'nobody/*.md' matches no file",
        ),
        (
            ("personas: [personas/*.md]", "personas:\n  - personas/p1.md\n  - gone.md"),
            3,
            "'gone.md': no such file",
        ),
        (("instruments: [mini.yaml]", "instruments: [missing.yaml]"), 3, "'missing.yaml': no such file"),
        (('"scripted:other.yaml"', '"nosuch:model"'), 2, "unknown model provider 'nosuch'"),
    ],
)
def test_bad_grid_entries_name_their_line(tmp_path, edit, line, fragment):
    grid = make_grid(tmp_path)
    grid.write_text(grid.read_text().replace(*edit))
    with pytest.raises(RolecallError) as err:
        expand(load_grid(grid))
    assert err.value.path == str(grid) and err.value.line == line, str(err.value)
    assert fragment in str(err.value)


def test_schemas_are_published():
    from rolecall.cli.schema_cmd import SCHEMAS
    from rolecall.grids import grid_json_schema

    spec = json.loads(grid_json_schema())
    assert {"personas", "models", "instruments", "judges", "epochs", "baseline", "items"} <= set(
        spec["properties"]
    )
    assert spec["additionalProperties"] is False
    assert json.loads(SCHEMAS["grid-file"]()) == spec
    index = json.loads(SCHEMAS["grid"]())
    assert {"cells", "results", "grid_sha256"} <= set(index["properties"])
    assert set(index["$defs"]["GridCell"]["properties"]["status"]["enum"]) == {"done", "failed", "pending"}


# ---------------------------------------------------------------- running: local executor


@pytest.mark.slow
def test_grid_runs_every_cell_and_skips_unchanged_ones(tmp_path):
    grid = make_grid(tmp_path)
    out = tmp_path / "out"
    first = run_grid(grid, out, GridOptions(max_parallel=3))
    assert first.count("done") == 4 and len(first.ran) == 4 and not first.skipped
    index = json.loads((out / "grid.json").read_text())
    GridIndex.model_validate(index)
    assert_matches("grid", index)  # the file matches its published schema
    assert index["schema_version"] == 1 and index["executor"] == "local"
    for c in index["cells"]:
        assert c["status"] == "done" and c["attempts"] == 1 and c["error"] is None
        assert c["run_dir"].startswith(f"cells/{c['id']}/")
        assert c["wall_s"] > 0 and c["calls"] > 0 and c["cost_usd"] == 0.0
        assert c["verdict"] == _summary(out, c)["hypothesis"]["verdict"]
        manifest = RunDir(out / c["run_dir"]).read_manifest()  # an ordinary run directory
        assert manifest.persona.sha256 == c["inputs"]["persona"]
    run_dirs = {c["id"]: c["run_dir"] for c in index["cells"]}

    again = run_grid(grid, out)  # nothing changed: nothing runs
    assert again.ran == [] and len(again.skipped) == 4

    p2 = tmp_path / "personas" / "p2.md"
    p2.write_text(p2.read_text() + "\n## Constraints\nShips nothing untested.\n")
    third = run_grid(grid, out)
    assert sorted(third.ran) == ["p2__scripted-other-yaml__mini", "p2__scripted-subject-yaml__mini"]
    now = {c["id"]: c["run_dir"] for c in third.index["cells"]}
    for cid, rd in now.items():
        assert (rd == run_dirs[cid]) == cid.startswith("p1__")  # p2's cells got new run directories
    assert (out / run_dirs["p2__scripted-other-yaml__mini"]).is_dir()  # the earlier run is kept

    # --resume GRID_DIR reads the grid file grid.json names
    assert run_grid(None, out).ran == []


class _Chat(BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible chat endpoint."""

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            {
                "choices": [{"message": {"role": "assistant", "content": "A simple baseline first."}}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 4},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_failed_cell_never_stops_the_others_and_resume_retries_it(tmp_path, monkeypatch):
    import rolecall.calls.caller as caller_mod
    from rolecall.calls import RetryPolicy

    monkeypatch.setattr(caller_mod, "RetryPolicy", lambda: RetryPolicy(attempts=2, base_s=0.01, cap_s=0.02))
    port = _free_port()  # nothing listens here yet
    unreachable = f"openai:m@http://127.0.0.1:{port}/v1"
    grid = make_grid(tmp_path, personas=1, models=["scripted:subject.yaml", unreachable])
    out = tmp_path / "out"
    first = run_grid(grid, out)
    by = {c["model"]: c for c in first.index["cells"]}
    assert by["scripted:subject.yaml"]["status"] == "done"
    bad = by[unreachable]
    assert bad["status"] == "failed" and "calls failed after retries" in bad["error"]
    assert bad["run_dir"] and bad["failed_calls"] > 0
    md = (out / "grid.md").read_text()
    assert "failed" in md and "calls failed after retries" in md
    assert "scripted:subject.yaml" in md  # the done cell is in the matrix

    # a grid file that cannot even start a cell: the error is the cell's, the grid goes on
    server = ThreadingHTTPServer(("127.0.0.1", port), _Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        second = run_grid(None, out)  # --resume GRID_DIR
    finally:
        server.shutdown()
        server.server_close()
    assert second.ran == [bad["id"]]  # only the failed cell
    cell = {c["id"]: c for c in second.index["cells"]}[bad["id"]]
    assert cell["status"] == "done" and cell["error"] is None and cell["attempts"] == 2
    assert cell["run_dir"] == bad["run_dir"]  # continued, not started afresh
    transcript = (out / cell["run_dir"] / "transcript.jsonl").read_text().splitlines()
    answers = [json.loads(t) for t in transcript if json.loads(t)["role"] == "assistant"]
    assert answers and all(a["text"] == "A simple baseline first." for a in answers)


def test_cell_that_cannot_start_is_reported(tmp_path):
    grid = make_grid(tmp_path, personas=1)
    (tmp_path / "personas" / "p1.md").write_text(MINI_PERSONA.replace("scope:", "nosuchdim:"))
    out = tmp_path / "out"
    result = run_grid(grid, out)
    assert result.count("failed") == 2
    for c in result.index["cells"]:
        assert c["run_dir"] is None and "unknown dimension 'nosuchdim'" in c["error"]
        assert "p1.md:" in c["error"]  # file:line, as `rolecall run` says it


@pytest.mark.slow
def test_report_matrix_verdicts_and_comparisons(tmp_path):
    grid = make_grid(tmp_path)
    out = tmp_path / "out"
    index = run_grid(grid, out).index
    results = index["results"]["instruments"]["mini"]
    assert results["personas"] == ["p1", "p2"]
    assert results["columns"] == ["scripted:subject.yaml", "scripted:other.yaml"]
    cells = {(c["persona"], c["column"]): c for c in index["cells"]}
    for (persona, column), c in cells.items():
        s = _summary(out, c)
        for dim in ("scope", "risk"):
            m = results["matrix"][dim][persona][column]
            assert m == {k: s["dimensions"][dim][k] for k in ("mean", "ci_low", "ci_high", "n")}
        assert results["verdicts"][persona][column] == s["hypothesis"]["verdict"]
    pair = results["comparisons"]["p1"][0]
    assert (pair["a"], pair["b"]) == ("scripted:subject.yaml", "scripted:other.yaml")
    scope = pair["dimensions"]["scope"]
    a = results["matrix"]["scope"]["p1"]["scripted:subject.yaml"]["mean"]
    b = results["matrix"]["scope"]["p1"]["scripted:other.yaml"]["mean"]
    assert scope["diff"] == pytest.approx(b - a, abs=1e-3)  # the other subject scores lower on scope
    assert scope["diff"] < 0 and scope["n_pairs"] == 2 and scope["p_holm"] >= scope["p_value"]

    md = (out / "grid.md").read_text()
    assert "# Grid — grid" in md and "4 cells: 4 done, 0 failed, 0 pending" in md
    assert "| Persona | scripted:subject.yaml | scripted:other.yaml |" in md
    row = f"| p1 | {a:.2f} [{results['matrix']['scope']['p1']['scripted:subject.yaml']['ci_low']:.2f}"
    assert row in md
    assert "### Hypothesis verdicts" in md and "p (Holm)" in md and "Cliff's δ" in md
    assert "scripted:other.yaml vs scripted:subject.yaml" in md
    html = (out / "grid.html").read_text()
    assert html.count('aria-label="Per-item heatmap"') == 2  # one per dimension
    assert "<h3>Hypothesis verdicts</h3>" in html and "p (Holm)" in html
    for c in index["cells"]:
        assert f'href="{c["run_dir"]}/report.html"' in html


@pytest.mark.slow
def test_check_gates_every_cell(tmp_path):
    grid = make_grid(tmp_path, models=["scripted:subject.yaml"])
    out = tmp_path / "out"
    run_grid(grid, out)
    assert {c["verdict"] for c in read_index(out)["cells"]} == {"partially validated"}
    proc = rolecall("check", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "grid: 2/2 hypotheses pass" in proc.stdout
    strict = rolecall("check", str(out), "--strict")
    assert strict.returncode == 1 and "grid: 0/2 hypotheses pass (strict)" in strict.stdout
    # one more model, whose answers miss the hypothesis: the gate fails
    grid.write_text(
        grid.read_text().replace('"scripted:subject.yaml"', '"scripted:subject.yaml", "scripted:other.yaml"')
    )
    run_grid(grid, out)
    proc = rolecall("check", str(out))
    assert proc.returncode == 1 and "grid: 2/4 hypotheses pass" in proc.stdout
    assert "p1__scripted-other-yaml__mini: inconclusive (fails)" in proc.stdout
    # a persona without a hypothesis is not gated; a grid with none at all is an error
    for p in (tmp_path / "personas").glob("*.md"):
        p.write_text("# Plain\n## Role\nBuilds prototypes.\n" + p.name)
    run_grid(grid, out)
    assert_one_line_error(rolecall("check", str(out)), "no cell of the grid has a hypothesis verdict")


@pytest.mark.slow
def test_cli_grid(tmp_path):
    grid = make_grid(tmp_path, personas=1)
    proc = rolecall("grid", str(grid), "--out", str(tmp_path / "runs"), "--max-parallel", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 cells: 2 done, 0 failed, 0 pending (2 run now, 0 skipped)" in proc.stdout
    grid_dir = tmp_path / "runs" / "grid"
    assert (grid_dir / "grid.json").is_file() and (grid_dir / "grid.yaml").read_text() == grid.read_text()
    again = rolecall("grid", "--resume", str(grid_dir))
    assert again.returncode == 0 and "(0 run now, 2 skipped)" in again.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("personas: [x.md]\nmodels: [local]\nepochs: many\n")
    assert_one_line_error(rolecall("grid", str(bad)), f"{bad}:3: epochs: Input should be a valid integer")
    assert_one_line_error(rolecall("grid", "--resume", str(tmp_path)), "not a grid directory")
    schema = rolecall("grid", "--schema")
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "GridSpec"
    assert json.loads(rolecall("schema", "grid").stdout)["title"] == "GridIndex"


@pytest.mark.slow
def test_ray_executor_without_ray_is_one_line_error(tmp_path):
    import subprocess
    import sys

    grid = make_grid(tmp_path, personas=1)
    code = (
        "import sys; sys.modules['ray'] = None; from rolecall.cli.main import main; "
        f"sys.argv = ['rolecall', 'grid', {str(grid)!r}, '--executor', 'ray', '--out', {str(tmp_path / 'o')!r}]; "
        "main()"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc, "the ray executor needs Ray: pip install -e '.[ray]'")
    assert not (tmp_path / "o").exists()  # refused before anything was written


@pytest.mark.slow
def test_mlflow_parent_run_with_one_child_per_cell(tmp_path):
    mlflow = pytest.importorskip("mlflow")
    from rolecall.grids.study import save_index
    from rolecall.tracking import resolve_tracking_uri
    from rolecall.tracking.grid_log import log_grid

    grid = make_grid(tmp_path)
    out = tmp_path / "out"
    first = run_grid(grid, out)
    parent = log_grid(out, first.index, first.ran)
    save_index(out, first.index)
    client = mlflow.MlflowClient(tracking_uri=resolve_tracking_uri(None))
    exp = client.get_experiment_by_name("rolecall/grids/grid")
    children = client.search_runs([exp.experiment_id], f"tags.mlflow.parentRunId = '{parent}'")
    assert len(children) == 4
    by_cell = {r.data.tags["rolecall.grid_cell"]: r for r in children}
    for c in first.index["cells"]:
        run = by_cell[c["id"]]
        assert run.info.run_id == c["mlflow_run_id"]
        summary = _summary(out, c)
        assert run.data.metrics["scope.mean"] == pytest.approx(summary["dimensions"]["scope"]["mean"])
    assert client.get_run(parent).data.metrics["cells_done"] == 4

    # one persona changes: its two cells get new children under the same parent, the old ones are marked
    (tmp_path / "personas" / "p2.md").write_text(MINI_PERSONA + "\n## Constraints\nNone.\n")
    second = run_grid(grid, out)
    assert read_index(out)["tracking"]["parent_run_id"] == parent
    assert log_grid(out, second.index, second.ran) == parent
    children = client.search_runs([exp.experiment_id], f"tags.mlflow.parentRunId = '{parent}'")
    assert len(children) == 6
    superseded = {
        r.data.tags["rolecall.grid_cell"] for r in children if r.data.tags.get("rolecall.superseded")
    }
    assert superseded == {"p2__scripted-subject-yaml__mini", "p2__scripted-other-yaml__mini"}


def test_damaged_grid_json_is_refused_in_one_line(tmp_path):
    index = tmp_path / "grid.json"
    index.write_text("{not json")
    with pytest.raises(RolecallError, match=r"grid\.json cannot be read"):
        read_index(tmp_path)
    index.write_text('{"schema_version": 99}')
    with pytest.raises(RolecallError, match="written by a newer rolecall"):
        read_index(tmp_path)
    index.write_text('{"schema_version": 1, "cells": 3}')
    with pytest.raises(RolecallError, match=r"grid.json is not valid \("):
        read_index(tmp_path)


def test_one_grid_command_per_grid_directory(tmp_path):
    from rolecall.grids.study import _locked

    busy = pytest.raises(RolecallError, match="another `rolecall grid` is running")
    with _locked(tmp_path), busy, _locked(tmp_path):
        pass
    with _locked(tmp_path):  # released
        pass


def test_run_directory_streams_to_the_driver_in_whole_lines(tmp_path):
    from rolecall.grids.sync import DirSync, apply_chunks, read_dir, safe_rel

    worker, driver = tmp_path / "w", tmp_path / "d"
    run = worker / "cells" / "c1" / "run-1"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text('{"a": 1}')
    (run / "transcript.jsonl").write_text('{"n": 1}\n{"n": 2')  # a line still being written
    sync = DirSync(worker, "cells/c1/run-1")
    apply_chunks(driver, sync.delta())
    assert read_dir(driver) == {"manifest.json": b'{"a": 1}', "transcript.jsonl": b'{"n": 1}\n'}
    assert sync.delta() == []  # nothing new
    with (run / "transcript.jsonl").open("a") as f:
        f.write('}\n{"n": 3}\n')
    (run / "summary.json").write_text("{}")
    chunks = sync.delta()
    assert ("transcript.jsonl", "append", 9, b'{"n": 2}\n{"n": 3}\n') in chunks
    apply_chunks(driver, chunks)
    assert read_dir(driver) == read_dir(run)
    # a worker that continues the run from the driver's copy sends only what is new
    again = DirSync(tmp_path / "w2", "cells/c1/run-1")
    (tmp_path / "w2" / "cells" / "c1").mkdir(parents=True)
    (tmp_path / "w2" / "cells" / "c1" / "run-1").mkdir()
    for name, data in read_dir(driver).items():
        (again.path / name).write_bytes(data)
    again.mark_sent()
    assert again.delta() == []
    for bad in ("../x", "/etc", "cells/../x", "runs/x", "cells"):
        with pytest.raises(RolecallError):
            safe_rel(bad)
    for name in ("../x", ".hidden", "a/b"):
        with pytest.raises(RolecallError):
            apply_chunks(driver, [(name, "replace", 0, b"")])
