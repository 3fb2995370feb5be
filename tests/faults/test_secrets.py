"""API keys never reach manifests, transcripts, logs, MLflow or reports; files are user-only."""

import os
import stat

import pytest

from rolecall.pipeline import RunConfig, execute_run, start_run
from rolecall.tracking import log_run
from tests.faults.server import FaultServer

SENTINEL = "sk-SENTINEL-0123456789abcdef"
VERDICT = '{"evidence": "quick prototype", "indicators_seen": [], "reasoning": "r", "score": 4}'


@pytest.mark.slow
def test_sentinel_key_appears_nowhere(monkeypatch, mini_persona, mini_instrument, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL)
    with FaultServer(verdict=VERDICT) as server:
        spec = f"openai:m@{server.base_url}"
        cfg = RunConfig(
            persona=mini_persona,
            instrument=str(mini_instrument),
            model=spec,
            judges=[spec],
            out=tmp_path / "runs",
            use_cache=True,
        )
        run, p, inst, manifest = start_run(cfg)
        out = execute_run(run, p, inst, manifest)
    log_run(run, manifest, out.summary)
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert any(f.name == "mlflow.db" for f in files) and any(f.name == "responses.sqlite" for f in files)
    for f in files:
        assert SENTINEL.encode() not in f.read_bytes(), f
    # run directory and its files are private to the user
    assert stat.S_IMODE(run.path.stat().st_mode) == 0o700
    for f in run.path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f


def test_private_modes_do_not_depend_on_the_umask(run_scripted, tmp_path):
    """Even with umask 000, the cache, data and run directories are 0700 and their files 0600."""
    from rolecall.paths import cache_dir, data_dir

    old = os.umask(0)
    try:
        run = run_scripted(use_cache=True).run
        caches, data = cache_dir(), data_dir()
    finally:
        os.umask(old)
    for d in (caches, data, run.path):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    db = caches / "responses.sqlite"
    assert db.exists()
    for f in [*caches.iterdir(), *run.path.iterdir()]:
        if f.is_file():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
