"""The Python API (issue 21): every public function, on scripted and loopback models, agrees with
the CLI on the same inputs."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import pytest

import rolecall
from rolecall.errors import RolecallError
from rolecall.testing import PersonaAssertionError, assert_persona
from tests.faults.cli import rolecall_inproc
from tests.faults.server import FaultServer

#: what depends on the moment or the machine, not on the inputs
VOLATILE = {"timing", "calls"}


def _stable(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k not in VOLATILE}


def _cli_run_dir(out: Path, *args: str) -> Path:
    res = rolecall_inproc(*args, "--out", str(out), "--no-track")
    assert res.returncode == 0, res.stderr
    (run,) = out.iterdir()
    return run


@pytest.fixture
def scripted(mini_persona, mini_instrument, scripted_subject, scripted_judge):
    return {
        "persona": mini_persona,
        "instrument": str(mini_instrument),
        "model": f"scripted:{scripted_subject}",
        "judge": f"scripted:{scripted_judge}",
    }


def test_run_equals_the_cli_run(scripted, tmp_path):
    r = rolecall.run(
        scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
        epochs=2, out=tmp_path / "api", track=False,
    )  # fmt: skip
    assert isinstance(r, rolecall.Run) and r.failures == 0
    cli = _cli_run_dir(
        tmp_path / "cli", "run", str(scripted["persona"]), "--instrument", scripted["instrument"],
        "--model", scripted["model"], "--judge", scripted["judge"], "--epochs", "2",
    )  # fmt: skip
    assert _stable(r.summary_data) == _stable(json.loads((cli / "summary.json").read_text()))
    assert r.summary.dimensions["scope"].mean == r.summary_data["dimensions"]["scope"]["mean"]
    assert r.report_path.is_file()
    assert r.hypothesis is not None and r.check() is True


def test_dataframes_have_the_export_shape(scripted, tmp_path):
    r = rolecall.run(
        scripted["persona"], scripted["instrument"], model=scripted["model"], judges=[scripted["judge"]],
        out=tmp_path / "api", track=False,
    )  # fmt: skip
    res = rolecall_inproc("export", str(r.path), "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert res.returncode == 0, res.stderr
    with open(tmp_path / "x.csv", encoding="utf-8", newline="") as f:
        exported = list(csv.DictReader(f))
    scores = r.scores_df()
    assert list(scores.columns) == list(exported[0])
    assert len(scores) == len(exported)
    assert sorted(scores["dimension"]) == sorted(row["dimension"] for row in exported)
    turns = r.transcript_df()
    assert {"item", "epoch", "role", "text"} <= set(turns.columns) and len(turns) > 0
    dims = r.dimensions_df()
    assert list(dims["dimension"]) == ["scope", "risk"]
    assert dims.loc[dims["dimension"] == "scope", "verdict"].item() in {"met", "inconclusive", "below"}
    page = r._repr_html_()
    assert "Scope" in page and "hypothesis" in page and "<table>" in page


def test_load_and_compare_equal_the_cli(scripted, tmp_path, write):
    a = rolecall.run(
        scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
        out=tmp_path / "a", track=False,
    )  # fmt: skip
    other = write(
        "other-subject.yaml", 'rules: []\ndefault: "We must scale to production and run A/B tests first."\n'
    )
    b = rolecall.run(
        scripted["persona"], scripted["instrument"], model=f"scripted:{other}", judges=scripted["judge"],
        out=tmp_path / "b", track=False,
    )  # fmt: skip
    loaded = rolecall.load(a.path)
    assert loaded == a and loaded.summary_data == a.summary_data
    comparison = rolecall.compare(loaded, b.path, out=tmp_path / "cmp-api")
    res = rolecall_inproc(
        "compare", str(a.path), str(b.path), "--out", str(tmp_path / "cmp-cli"), "--no-track"
    )
    assert res.returncode == 0, res.stderr
    cli = json.loads((tmp_path / "cmp-cli" / "compare.json").read_text())
    api = json.loads((tmp_path / "cmp-api" / "compare.json").read_text())
    assert api == cli
    assert comparison.result["comparisons"] == cli["comparisons"]
    df = comparison.dimensions_df()
    assert set(df["dimension"]) == {"scope", "risk"}
    assert "Holm p" in comparison._repr_html_()


def test_load_refuses_a_damaged_run_in_one_line(tmp_path):
    with pytest.raises(RolecallError, match=r"no manifest\.json"):
        rolecall.load(tmp_path)


def test_score_equals_the_cli_score(mini_instrument, scripted_judge, tmp_path):
    transcript = tmp_path / "answers.jsonl"
    transcript.write_text(
        '{"item": "q1", "question": "How would you scope a recommender prototype?", '
        '"answer": "I would start with a simple baseline."}\n'
        '{"item": "q2", "question": "Would you ship code with known edge-case crashes?", '
        '"answer": "Crashes on edge cases are data."}\n',
        encoding="utf-8",
    )
    judge = f"scripted:{scripted_judge}"
    r = rolecall.score(transcript, str(mini_instrument), judges=judge, out=tmp_path / "api", track=False)
    cli = _cli_run_dir(
        tmp_path / "cli", "score", str(transcript), "--instrument", str(mini_instrument), "--judge", judge
    )
    assert _stable(r.summary_data) == _stable(json.loads((cli / "summary.json").read_text()))


def test_async_twins_inside_an_event_loop(scripted, mini_instrument, scripted_judge, tmp_path):
    transcript = tmp_path / "answers.jsonl"
    transcript.write_text(
        '{"item": "q1", "question": "How would you scope a recommender prototype?", "answer": "I would start with a simple baseline and test it."}\n',
        encoding="utf-8",
    )

    async def notebook_cell() -> tuple[rolecall.Run, rolecall.Run]:
        in_loop = rolecall.run(  # a notebook cell: runs in a worker thread with its own loop
            scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
            out=tmp_path / "in-loop", track=False,
        )  # fmt: skip
        assert in_loop.summary_data["dimensions"]["scope"]["n"] >= 1
        r = await rolecall.arun(
            scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
            out=tmp_path / "arun", track=False,
        )  # fmt: skip
        s = await rolecall.ascore(
            transcript, str(mini_instrument), judges=f"scripted:{scripted_judge}", out=tmp_path / "ascore",
            track=False,
        )  # fmt: skip
        return r, s

    r, s = asyncio.run(notebook_cell())
    sync = rolecall.run(
        scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
        out=tmp_path / "sync", track=False,
    )  # fmt: skip
    assert _stable(r.summary_data) == _stable(sync.summary_data)
    assert s.summary_data["dimensions"]["scope"]["n"] >= 1


def test_run_on_a_loopback_openai_server(mini_persona, mini_instrument, scripted_judge, tmp_path):
    with FaultServer(answer="I would start with a simple baseline.") as server:
        spec = f"openai:test-model@{server.base_url}"
        r = rolecall.run(
            mini_persona, str(mini_instrument), model=spec, judges=f"scripted:{scripted_judge}",
            out=tmp_path / "api", track=False, use_cache=False,
        )  # fmt: skip
        cli = _cli_run_dir(
            tmp_path / "cli", "run", str(mini_persona), "--instrument", str(mini_instrument),
            "--model", spec, "--judge", f"scripted:{scripted_judge}", "--no-cache",
        )  # fmt: skip
    assert server.requests >= 2 * 4  # both runs asked every question (and the follow-up)
    assert _stable(r.summary_data) == _stable(json.loads((cli / "summary.json").read_text()))


def test_parsed_objects_are_accepted(scripted, tmp_path):
    from rolecall.instrument import load_instrument
    from rolecall.persona import load_persona

    persona = load_persona(scripted["persona"])
    instrument, _ = load_instrument(scripted["instrument"])
    r = rolecall.run(
        persona,
        instrument,
        model=scripted["model"],
        judges=scripted["judge"],
        out=tmp_path / "obj",
        track=False,
    )
    by_path = rolecall.run(
        scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
        out=tmp_path / "path", track=False,
    )  # fmt: skip
    assert _stable(r.summary_data) == _stable(by_path.summary_data)
    manifest = json.loads((r.path / "manifest.json").read_text())
    assert Path(manifest["instrument"]["ref"]).is_file()  # written once to the cache, so it resumes


def test_assert_persona_passes_and_fails(scripted, write, tmp_path):
    r = assert_persona(
        scripted["persona"], scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
        out=tmp_path / "pass",
    )  # fmt: skip
    assert r.check()
    wrong = write(
        "wrong.md",
        scripted["persona"].read_text(encoding="utf-8").replace('scope: ">=4"', 'scope: "<=2"'),
    )
    with pytest.raises(PersonaAssertionError) as info:
        assert_persona(
            wrong, scripted["instrument"], model=scripted["model"], judges=scripted["judge"],
            out=tmp_path / "fail", strict=True,
        )  # fmt: skip
    message = str(info.value)
    assert "persona hypothesis not met (strict)" in message
    assert "Scope" in message and "<=2" in message and "exceeded" in message  # the table, per dimension


def test_the_pytest_plugin_registers_the_persona_marker(pytestconfig):
    markers = pytestconfig.getini("markers")
    assert any(m.startswith("persona:") for m in markers)


def test_ablate_equals_the_cli(write, tmp_path):
    from tests.test_ablate import INSTRUMENT, JUDGE, PERSONA, SUBJECT

    persona, instrument = write("persona.md", PERSONA), write("abl.yaml", INSTRUMENT)
    subject, judge = f"scripted:{write('subject.yaml', SUBJECT)}", f"scripted:{write('judge.yaml', JUDGE)}"
    study = rolecall.ablate(
        persona, str(instrument), sections=["Personality", "Constraints"], model=subject, judges=judge,
        out=tmp_path / "api",
    )  # fmt: skip
    res = rolecall_inproc(
        "ablate", str(persona), "-i", str(instrument), "-m", subject, "-j", judge,
        "--sections", "Personality,Constraints", "--out", str(tmp_path / "cli"), "--yes", "--no-track",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    cli = json.loads((tmp_path / "cli" / "ablation.json").read_text())
    assert [(s["section"], s["dimensions"], s["finding"]) for s in study.result["sections"]] == [
        (s["section"], s["dimensions"], s["finding"]) for s in cli["sections"]
    ]
    assert study.result["overall"] == cli["overall"]
    effects = study.effects_df()
    scope = effects[(effects["section"] == "Personality") & (effects["dimension"] == "scope")]
    assert scope["effect"].item() == -3.0 and bool(scope["significant"].item())
    assert study.full.summary_data["dimensions"]["scope"]["n"] > 0
    assert "Personality" in study._repr_html_()


def test_grid_equals_the_cli(tmp_path, monkeypatch):
    from tests.test_grid import make_grid

    grid_file = make_grid(tmp_path, personas=1)
    monkeypatch.chdir(tmp_path)  # the grid names its model files relative to where it runs
    g = rolecall.grid(grid_file, out=tmp_path / "api", max_parallel=2)
    res = rolecall_inproc("grid", str(grid_file), "--out", str(tmp_path / "cli"), "--no-track")
    assert res.returncode == 0, res.stderr
    cli = json.loads((tmp_path / "cli" / "grid" / "grid.json").read_text())
    assert [(c["id"], c["status"]) for c in g.index["cells"]] == [
        (c["id"], c["status"]) for c in cli["cells"]
    ]
    runs = g.runs()
    assert len(runs) == 2 and len(g.cells_df()) == 2
    for c in cli["cells"]:
        theirs = json.loads((tmp_path / "cli" / "grid" / c["run_dir"] / "summary.json").read_text())
        assert _stable(runs[c["id"]].summary_data) == _stable(theirs)
