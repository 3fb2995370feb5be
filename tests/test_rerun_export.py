"""`rolecall rerun` agreement and `rolecall export` tables, on the scripted model."""

import csv
import json

import pytest

from rolecall.pricing import cost
from tests.cli.test_cli import rolecall


@pytest.fixture
def run_dir(run_scripted):
    return run_scripted(epochs=2).run.path


def test_rerun_agrees_on_deterministic_model(run_dir):
    proc = rolecall("rerun", str(run_dir), "--no-track")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scores agree within their intervals" in proc.stdout
    new = [p for p in run_dir.parent.iterdir() if p != run_dir]
    assert len(new) == 1
    result = json.loads((new[0] / "rerun.json").read_text())
    assert result["agrees"] is True
    assert all(d["identical"] for d in result["dimensions"].values())
    # the rerun really called the model again: nothing came from the cache
    turns = [json.loads(x) for x in (new[0] / "transcript.jsonl").read_text().splitlines()]
    assert not any(t["cached"] for t in turns)


def test_rerun_reports_disagreement(run_dir, scripted_judge):
    # change what the judge says; the rerun must notice
    scripted_judge.write_text(
        'rules: []\ndefault: \'{"evidence": "x", "indicators_seen": [], "reasoning": "r", "score": 1}\'\n'
    )
    proc = rolecall("rerun", str(run_dir), "--no-track")
    assert proc.returncode == 1
    assert "do NOT all agree" in proc.stdout


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export(run_dir, tmp_path, fmt):
    out = tmp_path / f"scores.{fmt}"
    proc = rolecall("export", str(run_dir), "--format", fmt, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(out.open()))
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        rows = pq.read_table(out).to_pylist()
    assert len(rows) == 8
    assert {r["dimension"] for r in rows} == {"scope", "risk"}
    assert all(r["answer"] for r in rows)


def test_cost_table(monkeypatch, write):
    models = {
        "subject": {"tokens_in": 1_000_000, "tokens_out": 500_000},
        "judge:openai:gpt-4o-mini@http://x/v1": {"tokens_in": 2_000_000, "tokens_out": 0},
        "judge:openai:mystery": {"tokens_in": 10, "tokens_out": 10},
    }
    c = cost(models, "anthropic:claude-sonnet-4-5")
    assert c["by_model"]["subject"] == pytest.approx(3.0 + 7.5)
    assert c["by_model"]["judge:openai:gpt-4o-mini@http://x/v1"] == pytest.approx(0.30)
    assert c["unpriced"] == ["judge:openai:mystery"]
    prices = write("prices.yaml", "openai:mystery: {input: 1000000, output: 0}\n")
    monkeypatch.setenv("ROLECALL_PRICES", str(prices))
    assert cost(models, "local")["by_model"]["judge:openai:mystery"] == pytest.approx(10.0)
    assert cost(models, "local")["by_model"]["subject"] == 0.0
