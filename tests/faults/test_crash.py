"""Crash safety: kill `rolecall run` with SIGKILL at random moments, resume, check nothing is lost.

20 trials against a loopback server with a little latency per call. After each kill the run is
resumed to completion; then every transcript and score line parses, no turn or verdict is
duplicated, every conversation is complete and every answer × dimension has exactly one verdict.

Half the trials use the response cache (the others `--no-cache`). The server tags every answer
with its request number, so no two answers are alike; in the cached trials every transcript
answer must then be exactly the cached response for its call (same key: model, parameters,
seed and the conversation so far). A kill between a cache write and the transcript append, or
a resume that re-asked instead of using the cache, would show up as a mismatch.
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from rolecall.calls.cache import cache_key
from rolecall.models import GenParams, Message
from rolecall.paths import cache_dir
from rolecall.persona import load_persona
from tests.faults.server import FaultServer

VERDICT = '{"evidence": "quick prototype", "indicators_seen": [], "reasoning": "r", "score": 4}'
TRIALS = 20


def _start(args, env):
    return subprocess.Popen(
        [sys.executable, "-m", "rolecall", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_run(out, proc, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and any(not p.name.startswith(".") for p in out.iterdir()):
            return
        time.sleep(0.01)


def _resume(run_dir, env, no_cache: list[str]) -> None:
    """`rolecall run --resume RUN_DIR` in a fresh process; it must finish the run."""
    resume = subprocess.run(
        [sys.executable, "-m", "rolecall", "run", "--resume", str(run_dir), *no_cache],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resume.returncode == 0, resume.stderr[-2000:]


def _assert_cache_agrees(run_dir, turns, persona_path) -> int:
    """Every answer in the transcript is the cached response for its call; return how many."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    model = manifest["subject_model"]
    params = GenParams.model_validate(manifest["params"])
    system = load_persona(persona_path).system_prompt(style=manifest["persona"].get("style", "role"))
    db = sqlite3.connect(cache_dir() / "responses.sqlite")
    checked = 0
    try:
        convos: dict[tuple, list] = {}
        for t in turns:
            convos.setdefault((t["item"], t["epoch"], t["subject"]), []).append(t)
        for (_item, epoch, _subject), convo in convos.items():
            messages = [Message(role="system", content=system)]
            for t in sorted(convo, key=lambda t: t["turn"]):
                if t["role"] == "assistant":
                    p = params.model_copy(update={"seed": params.seed + epoch})
                    key = cache_key(model["spec"], model["identity"], messages, p)
                    row = db.execute("SELECT completion FROM responses WHERE key = ?", (key,)).fetchone()
                    assert row is not None, f"answer not in the cache: {t}"
                    assert json.loads(row[0])["text"] == t["text"], (t, row[0])
                    checked += 1
                messages.append(Message(role=t["role"], content=t["text"]))
    finally:
        db.close()
    return checked


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigkill_trials_lose_and_duplicate_nothing(mini_persona, mini_instrument, tmp_path):
    rng = random.Random(1234)
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    env.pop("OPENAI_API_KEY", None)
    stats = Counter()
    with FaultServer(latency_s=0.1, verdict=VERDICT, nonce=True) as server:
        spec = f"openai:m@{server.base_url}"
        for trial in range(TRIALS):
            out = tmp_path / f"t{trial}"
            args = [
                "run",
                str(mini_persona),
                "-i",
                str(mini_instrument),
                "--model",
                spec,
                "--judge",
                spec,
                "--epochs",
                "3",
                "--concurrency",
                "2",
                "--seed",
                str(trial),
                "--out",
                str(out),
            ]
            cached = trial % 2 == 0
            no_cache = [] if cached else ["--no-cache"]
            args += no_cache
            proc = _start(args, env)
            if rng.random() < 0.1:
                time.sleep(rng.uniform(0.1, 1.0))  # during start-up
            else:
                # start-up time varies with the machine's load: wait for the run to exist, then
                # kill at a random moment of the work (the whole run takes about 2 s)
                _wait_for_run(out, proc)
                time.sleep(rng.uniform(0.0, 1.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            runs = [p for p in out.glob("*") if not p.name.startswith(".")] if out.exists() else []
            if not runs:
                stats["killed before the run directory existed"] += 1
                continue
            run_dir = runs[0]
            before = (
                [
                    json.loads(x)
                    for x in (run_dir / "transcript.jsonl").read_bytes().decode().splitlines()
                    if x.strip() and x.endswith("}")
                ]
                if (run_dir / "transcript.jsonl").exists()
                else []
            )
            stats["killed mid-run"] += 1
            stats["answers on disk at the kill"] += sum(t["role"] == "assistant" for t in before)
            scored = (
                (run_dir / "scores.jsonl").read_text().count("\n")
                if (run_dir / "scores.jsonl").exists()
                else 0
            )
            if len(before) < 24 or scored < 12:
                stats["killed with work outstanding"] += 1
            _resume(run_dir, env, no_cache)
            turns = [json.loads(x) for x in (run_dir / "transcript.jsonl").read_text().splitlines()]
            keys = [(t["item"], t["epoch"], t["turn"]) for t in turns]
            assert len(keys) == len(set(keys)), "duplicated turn"
            # 3 items x 3 epochs; q2 has a follow-up: (2 + 4 + 2) turns per epoch
            assert len(turns) == 3 * 8, "lost or incomplete conversation"
            # what was on disk at the kill survived unchanged
            assert all(t in turns for t in before)
            scores = [json.loads(x) for x in (run_dir / "scores.jsonl").read_text().splitlines()]
            skeys = [(s["item"], s["epoch"], s["dimension"], s["judge"]) for s in scores]
            assert len(skeys) == len(set(skeys)) == 3 * 4, "lost or duplicated verdict"
            summary = json.loads((run_dir / "summary.json").read_text())
            assert summary["dimensions"]["scope"]["n"] == 6
            if cached:
                stats["answers checked against the cache"] += _assert_cache_agrees(
                    run_dir, turns, mini_persona
                )
                stats["cached trials, cache and transcript agree"] += 1
    assert stats["killed with work outstanding"] >= TRIALS // 2, stats
    print(dict(stats))
