"""The real embedded model end to end, on a two-item instrument (slow: a few model calls)."""

import json

import pytest
from tests.conftest import needs_local_model

from rolecall.hashing import sha256_file
from rolecall.models.embedded import EMBEDDED, ensure_embedded
from rolecall.pipeline import RunConfig, execute_run, start_run
from rolecall.rundir import ScoreRecord, TurnRecord, read_records

pytestmark = [pytest.mark.local_model, pytest.mark.slow, needs_local_model]


@pytest.fixture
def shared_cache(monkeypatch):
    # keep the 491 MB assembled model in the user's cache across tests, not in tmp
    import os
    from pathlib import Path

    monkeypatch.setenv(
        "ROLECALL_CACHE_DIR",
        os.environ.get("ROLECALL_TEST_MODEL_CACHE", str(Path.home() / ".cache/rolecall")),
    )


def test_embedded_model_assembles_and_verifies(shared_cache):
    path = ensure_embedded()
    spec = EMBEDDED["0.5b"]
    assert path.stat().st_size == spec.size
    assert sha256_file(path) == spec.sha256


def test_run_on_embedded_model(write, mini_persona, shared_cache, tmp_path):
    inst = write(
        "two.yaml",
        """
        id: mini
        name: Two items
        scale: {min: 1, max: 5, low_label: production-first, high_label: research-first}
        dimensions:
          - id: scope
            name: Scope
            description: How much scope the engineer takes on before testing the idea.
            anchors: {1: builds the full production system first, 3: balanced, 5: builds a minimal proof first}
          - id: risk
            name: Risk
            description: Appetite for shipping with known risk.
            anchors: {1: never ships with known issues, 3: weighs the risk, 5: ships and learns}
        phases: [{id: p, name: P}]
        items:
          - {id: q1, phase: p, dimensions: [scope], prompt: "In two sentences: how would you start building a recommendation system?"}
          - {id: q2, phase: p, dimensions: [risk], prompt: "In two sentences: would you ship a model that crashes on rare edge cases?"}
        """,
    )
    cfg = RunConfig(
        persona=mini_persona,
        instrument=str(inst),
        model="local",
        judges=["local", "local+logprob", "semantic"],
        out=tmp_path / "runs",
        max_tokens=80,
    )
    run, persona, instrument, manifest = start_run(cfg)
    out = execute_run(run, persona, instrument, manifest)
    answers = [t for t in read_records(run.transcript, TurnRecord) if t.role == "assistant"]
    assert len(answers) == 2 and all(a.text.strip() and a.tokens_out > 0 for a in answers)
    scores = list(read_records(run.scores, ScoreRecord))
    assert len(scores) == 6  # 2 answers x 3 judges
    # the grammar-constrained verdict always parses: a score on the scale, or "no evidence" with
    # a reason; a probability-weighted score says so
    summary = json.loads(run.summary.read_text())
    assert summary["unscored"]["total"] == 0
    for s in scores:
        assert (s.score is not None and 1 <= s.score <= 5) or (s.abstained and s.abstain_reason), s
        if s.judge == "local+logprob" and s.score is not None:
            assert s.mode == "logprob"
    assert {s.mode for s in scores if s.judge == "semantic"} <= {"semantic"}
    assert manifest.subject_model.identity.startswith("gguf:sha256:")
    assert out.failures == 0


def test_verdict_schema_compiles_to_a_llama_grammar():
    """The verdict schema (score may be null, with a no-evidence reason) is a valid llama.cpp
    grammar: the local judge can always say "no evidence" and can never say anything else."""
    llama_cpp = pytest.importorskip("llama_cpp")
    from rolecall.judge.verdict import verdict_schema

    grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(verdict_schema(1, 5)), verbose=False)
    assert grammar is not None
