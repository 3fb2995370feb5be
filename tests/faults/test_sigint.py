"""Ctrl-C: `rolecall run` interrupted with calls in flight stops promptly and resumes cleanly.

The subject and judge are a loopback server that takes 0.3 s per call; once the run is under
way, new calls hang for 30 s, so when SIGINT arrives some calls are waiting on it. The process
must exit 130 within a few seconds (cancelling those calls), print one line naming
`rolecall run --resume RUN_DIR` and no traceback, keep every conversation that had arrived
(each transcript line parses), and `--resume` must then finish with no duplicates.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.faults.server import FaultServer

VERDICT = '{"evidence": "quick prototype", "indicators_seen": [], "reasoning": "r", "score": 4}'


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def _ready(stage, run_dir, server) -> bool:
    if server.in_flight == 0:
        return False
    if stage == "interview":
        return len(_lines(run_dir / "transcript.jsonl")) >= 4
    # verdicts start while the last conversations are asked (rolecall.overlap): wait for the
    # whole transcript, so that the interrupt lands in the judging alone
    return len(_lines(run_dir / "transcript.jsonl")) == 4 * 8 and len(_lines(run_dir / "scores.jsonl")) >= 2


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("stage", ["interview", "judging"])
def test_sigint_mid_run_exits_130_and_resumes(stage, mini_persona, mini_instrument, tmp_path):
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    env.pop("OPENAI_API_KEY", None)
    out = tmp_path / "runs"
    with FaultServer(latency_s=0.3, verdict=VERDICT) as server:
        spec = f"openai:m@{server.base_url}"
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "rolecall", "run", str(mini_persona), "-i", str(mini_instrument)),
                *("--model", spec, "--judge", spec, "--epochs", "4", "--concurrency", "2"),
                *("--out", str(out)),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # wait until some conversations are on disk and more calls are in flight
        deadline = time.monotonic() + 60
        run_dir = None
        while time.monotonic() < deadline:
            runs = [p for p in out.glob("*") if not p.name.startswith(".")] if out.exists() else []
            if runs and _ready(stage, runs[0], server):
                run_dir = runs[0]
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        assert run_dir is not None, "the run never got going"
        # calls from now on hang for 30 s: stopping promptly means cancelling them, not waiting
        server.latency_s = 30.0
        time.sleep(0.5)  # calls started before this (0.3 s each) are done; new ones hang
        assert server.in_flight > 0
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        assert proc.returncode == 130, stderr
        assert took < 15, f"took {took:.1f} s to stop: in-flight calls were waited for"
        print(f"{stage}: stopped {took:.2f} s after SIGINT, {server.in_flight} call(s) still hanging")
        assert "Traceback" not in stderr and "Traceback" not in stdout
        said = [line for line in stderr.splitlines() if "interrupted" in line]
        assert len(said) == 1, stderr
        assert f"rolecall run --resume {run_dir}" in said[0]
        # what had arrived is kept, and every line parses
        before = [json.loads(x) for x in _lines(run_dir / "transcript.jsonl")]
        assert len(before) >= 4
        scored = _lines(run_dir / "scores.jsonl")
        _ = [json.loads(x) for x in scored]  # every verdict line parses too
        if stage == "interview":
            assert len(before) < 4 * 8, "the interview finished before the interrupt"
        else:
            assert len(before) == 4 * 8 and len(scored) < 4 * 4

        server.latency_s = 0.0
        resume = subprocess.run(
            [sys.executable, "-m", "rolecall", "run", "--resume", str(run_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert resume.returncode == 0, resume.stderr[-2000:]
    turns = [json.loads(x) for x in _lines(run_dir / "transcript.jsonl")]
    keys = [(t["item"], t["epoch"], t["turn"]) for t in turns]
    assert len(keys) == len(set(keys)), "duplicated turn"
    assert len(turns) == 4 * 8  # 3 items x 4 epochs; q2 has a follow-up
    assert turns[: len(before)] == before  # nothing that had arrived was rewritten
    scores = [json.loads(x) for x in _lines(run_dir / "scores.jsonl")]
    skeys = [(s["item"], s["epoch"], s["dimension"], s["judge"]) for s in scores]
    assert len(skeys) == len(set(skeys)) == 4 * 4
    assert json.loads((run_dir / "summary.json").read_text())["dimensions"]["scope"]["n"] == 8


#: the CLI's start-up, with one of its modules made slow to load: Ctrl-C lands while loading
SLOW_START = """
import sys, time
from importlib.abc import MetaPathFinder

class Slow(MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "rolecall.cli.run_cmd":
            time.sleep(3)
        return None

sys.meta_path.insert(0, Slow())
from rolecall.cli.main import main
main()
"""


def test_sigint_while_starting_up_is_quiet(mini_persona, mini_instrument, tmp_path):
    """Ctrl-C while Python is still loading rolecall's modules: exit 130, one word, no traceback."""
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    proc = subprocess.Popen(
        [
            *(sys.executable, "-c", SLOW_START, "run", str(mini_persona), "-i", str(mini_instrument)),
            *("--model", "scripted:none.yaml", "--out", str(tmp_path / "runs")),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # inside the slowed import (start-up proper takes ~0.2 s)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "interrupted"
    assert not (tmp_path / "runs").exists()


STUCK = """
import time
from pathlib import Path
from types import SimpleNamespace
from rolecall.cli import session

def work(progress):
    print("working", flush=True)
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        time.sleep(60)  # an orderly stop that hangs (e.g. a call that cannot be cancelled)

session.finish_session(
    SimpleNamespace(path=Path("RUN"), verify=lambda: None), None, work,
    resume_command="rolecall run --resume RUN", tracking_uri=None, no_track=True,
)
"""


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_hanging_stop_still_exits_after_the_grace_period():
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "working"
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert time.monotonic() - sent < 15
    assert "Traceback" not in stderr
    said = [line for line in stderr.splitlines() if "interrupted" in line]
    assert said == [
        "interrupted: everything received so far is saved. Resume with: rolecall run --resume RUN"
    ]
