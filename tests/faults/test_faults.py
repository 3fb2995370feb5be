"""Every fault from a real (loopback) server is retried with backoff, or recorded and resumable."""

import json

import pytest

from rolecall.calls import RetryPolicy
from rolecall.calls import caller as caller_mod
from rolecall.models import openai_compat
from rolecall.pipeline import RunConfig, execute_run, reopen_run, start_run
from tests.faults.server import FAULTS, FaultServer

VERDICT = '{"evidence": "quick prototype", "indicators_seen": [], "reasoning": "r", "score": 4}'


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(caller_mod, "RetryPolicy", lambda: RetryPolicy(attempts=3, base_s=0.01, cap_s=0.05))
    orig = openai_compat.OpenAIModel.__init__

    def short_timeout(self, spec, model, base_url, *, timeout_s=1.0):
        orig(self, spec, model, base_url, timeout_s=timeout_s)

    monkeypatch.setattr(openai_compat.OpenAIModel, "__init__", short_timeout)


def _cfg(server, persona, instrument, tmp_path, **kw):
    spec = f"openai:m@{server.base_url}"
    return RunConfig(
        persona=persona,
        instrument=str(instrument),
        model=spec,
        judges=[spec],
        out=tmp_path / "runs",
        use_cache=False,
        **kw,
    )


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS)
def test_single_fault_is_retried_and_run_completes(fault, mini_persona, mini_instrument, tmp_path):
    with FaultServer(verdict=VERDICT) as server:
        server.faults.append(fault)
        run, p, inst, manifest = start_run(
            _cfg(server, mini_persona, mini_instrument, tmp_path, concurrency=1)
        )
        out = execute_run(run, p, inst, manifest, use_cache=False)
    assert server.served_faults == [fault]
    assert out.failures == 0, run.failures.read_text()
    if fault == "prose":
        # a judge that answered prose once was repaired or retried: nothing is unscored silently
        assert (
            out.summary["unscored"]["total"] + out.summary["verdicts"]["scored"]
            == out.summary["verdicts"]["total"]
        )
    else:
        assert out.summary["unscored"]["total"] == 0
    assert out.summary["dimensions"]["scope"]["n"] == 2


def test_persistent_faults_are_recorded_then_resume_retries_only_those(
    mini_persona, mini_instrument, tmp_path
):
    with FaultServer(verdict=VERDICT) as server:
        server.always = ("known edge-case crashes", "503")  # item q2 fails on every attempt
        run, p, inst, manifest = start_run(
            _cfg(server, mini_persona, mini_instrument, tmp_path, concurrency=1)
        )
        out = execute_run(run, p, inst, manifest, use_cache=False)
        assert out.failures == 1
        failures = [json.loads(x) for x in run.failures.read_text().splitlines()]
        assert failures[0]["stage"] == "interview" and "HTTP 503" in failures[0]["reason"]
        assert out.summary["failures"]["interview"] == 1
        assert failures[0]["item"] == "q2"
        server.always = None
        before = server.requests
        run2, p2, inst2, m2 = reopen_run(run.path)
        out2 = execute_run(run2, p2, inst2, m2, use_cache=False)
        # the failed item's conversation (prompt + follow-up) and its judge call; nothing else re-asked
        item = inst.item(failures[0]["item"])
        assert server.requests - before == (1 + len(item.follow_ups)) + len(item.dimensions)
    assert out2.summary["failures"]["interview"] == 0


@pytest.mark.slow
def test_concurrency_limit_is_respected(mini_persona, mini_instrument, tmp_path):
    with FaultServer(latency_s=0.15, verdict=VERDICT) as server:
        run, p, inst, manifest = start_run(
            _cfg(server, mini_persona, mini_instrument, tmp_path, concurrency=2, epochs=4)
        )
        execute_run(run, p, inst, manifest, use_cache=False)
    assert server.requests >= 20
    assert server.peak_in_flight <= 2 * 2  # subject and judge each limited to 2 in flight
    assert server.peak_in_flight >= 2
