"""Crash safety of sessions: SIGKILL `rolecall run` mid-session, resume, and check that the session
continues at the next turn — no turn lost, none duplicated, none asked twice.

Each trial runs two 10-turn sessions side by side against a loopback server with a little latency
per call (the judge is a scripted rules file, so every request the server sees is a subject
turn). After the kill the run is resumed to completion. Then: every turn that was on disk at the
kill is still there unchanged; no (epoch, turn) appears twice; both sessions are complete; and,
with --no-cache, the resume sent exactly one request per turn that was not yet on disk — so no
earlier turn was asked again. With the cache, every answer must be the cached response for its
call (the whole history up to that turn), as in test_crash.py.
"""

import json
import os
import random
import signal
import time
from collections import Counter

import pytest

from tests.faults.server import FaultServer
from tests.faults.test_crash import _assert_cache_agrees, _resume, _start, _wait_for_run

TRIALS = 8
TURNS = 10

SESSION = """\
id: crash-session
name: Crash session
scale: {min: 1, max: 5, low_label: production-first, high_label: research-first}
dimensions:
  - id: scope
    name: Scope
    description: How much scope the answer takes on.
    anchors: {1: full production scope, 3: balanced, 5: minimal proof}
phases: [{id: p1, name: Phase one}]
items:
  - id: q1
    phase: p1
    dimensions: [scope]
    prompt: How would you scope a recommender prototype?
    variants: [What would the first recommender prototype include?]
session:
  turns: 10
  probes:
    - {turn: 2, item: q1}
    - {turn: 6, item: q1, variant: 1}
    - {turn: 9, item: q1}
  interlocutor:
    script: [Hello., How are you?, Any plans?, Coffee?, Tea?, Rain today?, Lunch?]
"""

JUDGE = """\
rules:
  - when: "whole conversation"
    reply: '{"evidence": "quick prototype", "evidence_turns": [2], "reasoning": "r", "score": 4, "no_evidence": "", "persona_break_turn": null, "persona_break": ""}'
default: '{"evidence": "quick prototype", "indicators_seen": [], "reasoning": "r", "score": 4}'
"""


def _on_disk(path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_bytes().decode().splitlines()
    return [json.loads(x) for x in lines if x.strip() and x.endswith("}")]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigkill_mid_session_resumes_at_the_next_turn(mini_persona, write, tmp_path):
    rng = random.Random(17)
    inst = write("crash-session.yaml", SESSION)
    judge = write("crash-judge.yaml", JUDGE)
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    env.pop("OPENAI_API_KEY", None)
    stats: Counter[str] = Counter()
    with FaultServer(latency_s=0.08, nonce=True) as server:
        spec = f"openai:m@{server.base_url}"
        for trial in range(TRIALS):
            out = tmp_path / f"t{trial}"
            cached = trial % 2 == 0
            no_cache = [] if cached else ["--no-cache"]
            args = [
                "run",
                str(mini_persona),
                "-i",
                str(inst),
                "--model",
                spec,
                "--judge",
                f"scripted:{judge}",
            ]
            args += [
                "--epochs",
                "2",
                "--concurrency",
                "2",
                "--seed",
                str(trial),
                "--out",
                str(out),
                *no_cache,
            ]
            proc = _start(args, env)
            _wait_for_run(out, proc)
            deadline = time.monotonic() + 60  # then for the first turn on disk: start-up varies with load
            while time.monotonic() < deadline and proc.poll() is None:
                if any((p / "transcript.jsonl").exists() for p in out.glob("*")):
                    break
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.8))  # the sessions take about 1 s
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            runs = [p for p in out.glob("*") if not p.name.startswith(".")] if out.exists() else []
            if not runs:
                stats["killed before the run directory existed"] += 1
                continue
            run_dir = runs[0]
            before = _on_disk(run_dir / "transcript.jsonl")
            answered = sum(t["role"] == "assistant" for t in before)
            if 0 < answered < 2 * TURNS:
                stats["killed mid-session"] += 1
            time.sleep(0.3)  # let the server count a request the killed process had sent
            requests_before = server.requests
            _resume(run_dir, env, no_cache)
            asked = server.requests - requests_before
            turns = _on_disk(run_dir / "transcript.jsonl")
            keys = [(t["epoch"], t["turn"]) for t in turns]
            assert len(keys) == len(set(keys)), "duplicated turn"
            assert len(turns) == 2 * 2 * TURNS, "lost or incomplete session"
            assert all(t in turns for t in before), "a turn on disk at the kill changed"
            if cached:
                assert asked <= 2 * TURNS - answered
                stats["answers checked against the cache"] += _assert_cache_agrees(
                    run_dir, turns, mini_persona
                )
            else:
                assert asked == 2 * TURNS - answered, (asked, answered)  # no earlier turn asked again
                stats["uncached resumes asking only the turns left"] += 1
            summary = json.loads((run_dir / "summary.json").read_text())
            assert summary["drift"]["scope"]["n_points"] == 2 * 3
            assert [s["turns_answered"] for s in summary["session"]["sessions"]] == [TURNS, TURNS]
    assert stats["killed mid-session"] >= TRIALS // 2, stats
    print(dict(stats))
