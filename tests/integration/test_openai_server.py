"""The `openai` provider for real: llama_cpp.server started on 127.0.0.1 by the test."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.conftest import needs_local_model, needs_server

from rolecall.models.embedded import ensure_embedded
from rolecall.pipeline import RunConfig, execute_run, start_run
from rolecall.rundir import TurnRecord, read_records

pytestmark = [pytest.mark.local_model, pytest.mark.server, pytest.mark.slow, needs_local_model, needs_server]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    cache = Path(os.environ.get("ROLECALL_TEST_MODEL_CACHE", str(Path.home() / ".cache/rolecall")))
    os.environ["ROLECALL_CACHE_DIR"] = str(cache)
    gguf = ensure_embedded(cache=cache)
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "qwen",
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start in 120 s")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def test_openai_provider_against_llama_server(llama_server, write, mini_persona, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    inst = write(
        "one.yaml",
        """
        id: mini
        name: One item
        scale: {min: 1, max: 5, low_label: production-first, high_label: research-first}
        dimensions:
          - id: scope
            name: Scope
            description: How much scope the engineer takes on before testing the idea.
            anchors: {1: full production system first, 3: balanced, 5: minimal proof first}
          - {id: risk, name: Risk, description: Risk appetite., anchors: {1: never, 3: weighs, 5: ships}}
        phases: [{id: p, name: P}]
        items:
          - {id: q1, phase: p, dimensions: [scope], prompt: "In one sentence: how would you start a recommender?"}
        """,
    )
    spec = f"openai:qwen@{llama_server}"
    cfg = RunConfig(
        persona=mini_persona,
        instrument=str(inst),
        model=spec,
        judges=[spec],
        out=tmp_path / "runs",
        max_tokens=60,
        use_cache=False,
    )
    run, persona, instrument, manifest = start_run(cfg)
    out = execute_run(run, persona, instrument, manifest, use_cache=False)
    answers = [t for t in read_records(run.transcript, TurnRecord) if t.role == "assistant"]
    assert len(answers) == 1 and answers[0].text.strip()
    assert answers[0].tokens_out > 0 and answers[0].latency_s > 0
    summary = json.loads(run.summary.read_text())
    # the judge got a real HTTP answer: either a parsed score or an unscored verdict, never a failure
    assert summary["failures"]["judge"] == 0 and summary["failures"]["interview"] == 0
    scope = summary["dimensions"]["scope"]
    assert scope["n"] + scope["unscored"] + scope["abstained"]["total"] == 1
    assert out.failures == 0


def test_llm_judge_path_against_llama_server(llama_server, monkeypatch):
    """The LLM judge over real HTTP: question-aware prompt, "no evidence" allowed, probability
    weighting from the log-probabilities the server returns, refusals screened without a call."""
    import asyncio

    from rolecall.instrument import load_instrument
    from rolecall.judge import make_judge
    from rolecall.judge.answers import Answer

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    inst, _ = load_instrument("research-orientation")
    item = next(i for i in inst.items if i.dimensions == ["scope_boundaries"])
    dim = inst.dimension("scope_boundaries")

    def answer(text: str) -> Answer:
        return Answer.lone(item.id, item.prompt, text)

    judge = make_judge(f"openai:qwen@{llama_server}+logprob", None, concurrency=1, seed=0)

    async def both():
        try:
            refusal = await judge.score(inst, dim, item, answer("I'm sorry, but I can't assist with that."))
            calls_after_refusal = judge.caller.stats.calls
            real = await judge.score(
                inst,
                dim,
                item,
                answer(
                    "I'd build one notebook with a popularity baseline on a sample of the data, and "
                    "skip the API, the UI and the A/B test until that shows any signal."
                ),
            )
            return refusal, calls_after_refusal, real
        finally:
            await judge.aclose()

    refusal, calls_after_refusal, real = asyncio.run(both())
    assert refusal.abstained and refusal.abstain_reason == "refusal" and calls_after_refusal == 0
    # the server answered: a score (probability-weighted when it returned logprobs), an
    # abstention with a reason, or an unparseable verdict kept as unscored; never a failure
    assert real.score is not None or real.abstained or real.error
    if real.score is not None:
        assert 1 <= real.score <= 5
        assert real.mode in ("logprob", "json")


def test_unreachable_server_is_recorded_as_failure(write, mini_persona, mini_instrument, tmp_path):
    port = _free_port()  # nothing listens here
    spec = f"openai:qwen@http://127.0.0.1:{port}/v1"
    from rolecall.calls import RetryPolicy
    from rolecall.calls import caller as caller_mod

    cfg = RunConfig(
        persona=mini_persona,
        instrument=str(mini_instrument),
        model=spec,
        judges=[spec],
        out=tmp_path / "runs",
        use_cache=False,
    )
    run, persona, instrument, manifest = start_run(cfg)
    orig = caller_mod.RetryPolicy
    caller_mod.RetryPolicy = lambda: RetryPolicy(attempts=2, base_s=0.01)  # type: ignore[assignment]
    try:
        out = execute_run(run, persona, instrument, manifest, use_cache=False)
    finally:
        caller_mod.RetryPolicy = orig  # type: ignore[assignment]
    assert out.failures == 3
    assert out.summary["failures"]["interview"] == 3
    assert "cannot reach" in run.failures.read_text()
