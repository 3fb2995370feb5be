"""MLflow tracking: a real `mlflow server` on 127.0.0.1 with SQLite; metrics equal summary.json."""

import socket
import subprocess
import sys
import time

import httpx
import pytest

from rolecall.tracking import log_run, summary_metrics

mlflow = pytest.importorskip("mlflow")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(run_scripted, out=None):
    outcome = run_scripted(epochs=2, **({} if out is None else {"out": out}))
    return outcome.run, outcome.run.read_manifest(), outcome.summary


@pytest.mark.slow
def test_default_sqlite_store_metrics_equal_summary(run_scripted, tmp_path):
    run, manifest, summary = _run(run_scripted)
    rid = log_run(run, manifest, summary)
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'data' / 'mlflow.db'}")
    got = client.get_run(rid)
    expected = summary_metrics(summary)
    assert expected["scope.mean"] == summary["dimensions"]["scope"]["mean"]
    assert got.data.metrics == pytest.approx(expected)
    assert got.data.params["persona.sha256"] == manifest.persona.sha256
    assert got.data.tags["hypothesis.verdict"] == summary["hypothesis"]["verdict"]
    arts = {a.path for a in client.list_artifacts(rid)}
    assert {"summary.json", "report.html", "transcript.jsonl"} <= arts
    exp = client.get_experiment(got.info.experiment_id)
    assert exp.name == "rolecall/Research Engineer"


@pytest.mark.slow
def test_logs_to_a_real_mlflow_server(run_scripted, tmp_path):
    port = _port()
    store = tmp_path / "server"
    store.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{store / 'mlflow.db'}",
            "--artifacts-destination",
            str(store / "art"),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(f"{uri}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow server did not start")
        run, manifest, summary = _run(run_scripted)
        rid = log_run(run, manifest, summary, tracking_uri=uri)
        got = mlflow.MlflowClient(tracking_uri=uri).get_run(rid)
        assert got.data.metrics == pytest.approx(summary_metrics(summary))
        assert got.data.params["instrument.id"] == "mini"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_compare_is_logged_and_linked(run_scripted, tmp_path):
    from rolecall.comparison import compare_runs
    from rolecall.tracking import log_compare

    a, _, _ = _run(run_scripted, tmp_path / "a")
    b, _, _ = _run(run_scripted, tmp_path / "b")
    result = compare_runs([a.path, b.path])
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "compare.json").write_text("{}")
    rid = log_compare(out, result)
    got = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'data' / 'mlflow.db'}").get_run(rid)
    assert got.data.tags["rolecall.run_dir.0"] == str(a.path)
    assert got.data.metrics["run1.scope.diff"] == 0.0


def test_rescoring_a_run_adds_a_judge_and_agreement(run_scripted, write, tmp_path):
    from rolecall.score_run import execute_score, reopen_for_scoring

    run, _, _ = _run(run_scripted)
    second = write(
        "j2.yaml",
        """
        rules:
          - when: "Dimension: Scope"
            reply: '{"evidence": "simple baseline", "indicators_seen": [], "reasoning": "r", "score": 4}'
        default: '{"evidence": "crashes", "indicators_seen": [], "reasoning": "r", "score": 3}'
        """,
    )
    before = len(run.scores.read_text().splitlines())
    run2, inst, manifest = reopen_for_scoring(run.path, [f"scripted:{second}"])
    out = execute_score(run2, inst, manifest)
    lines = run.scores.read_text().splitlines()
    assert len(lines) == 2 * before  # the first judge's verdicts were not re-asked
    scope = out.summary["dimensions"]["scope"]
    assert len(scope["judges"]) == 2
    assert scope["judge_alpha"] is not None  # Krippendorff's alpha between the two judges
    assert len(manifest.judges) == 2
