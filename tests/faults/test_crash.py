"""Crash safety: kill `rolecall run` with SIGKILL at random moments, resume, check nothing is lost.

20 trials against a loopback server with a little latency per call. After each kill the run is
resumed to completion; then every transcript and score line parses, no turn or verdict is
duplicated, every conversation is complete and every answer × dimension has exactly one verdict.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

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


@pytest.mark.timeout(600)
def test_sigkill_trials_lose_and_duplicate_nothing(mini_persona, mini_instrument, tmp_path):
    rng = random.Random(1234)
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    env.pop("OPENAI_API_KEY", None)
    stats = Counter()
    with FaultServer(latency_s=0.1, verdict=VERDICT) as server:
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
                "--no-cache",
                "--out",
                str(out),
            ]
            proc = _start(args, env)
            time.sleep(rng.uniform(0.8, 2.4))  # python start-up takes ~0.8 s; kill during the work
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
            resume = subprocess.run(
                [sys.executable, "-m", "rolecall", "run", "--resume", str(run_dir), "--no-cache"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert resume.returncode == 0, resume.stderr[-2000:]
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
    assert stats["killed with work outstanding"] >= TRIALS // 2, stats
    print(dict(stats))
