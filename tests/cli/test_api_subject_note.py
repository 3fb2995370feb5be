"""With an API subject and no --judge, one line says the offline scorer judges (and how to pick
an LLM judge); with --judge given, no such line."""

import subprocess
import sys

import pytest

from tests.conftest import needs_semantic
from tests.faults.server import FaultServer

pytestmark = [pytest.mark.slow, needs_semantic]  # loads the real embedding model


@pytest.mark.parametrize("explicit_judge", [False, True])
def test_offline_judge_note_for_api_subjects(mini_persona, mini_instrument, tmp_path, write, explicit_judge):
    judge_rules = write(
        "j.yaml", 'default: \'{"evidence": "x", "reasoning": "r", "score": 3, "no_evidence": ""}\'\n'
    )
    with FaultServer() as server:
        spec = f"openai:m@{server.base_url}"
        args = [
            sys.executable,
            "-m",
            "rolecall",
            "run",
            str(mini_persona),
            "-i",
            str(mini_instrument),
            "--model",
            spec,
            "--out",
            str(tmp_path / "runs"),
            "--no-track",
            "--no-cache",
        ]
        if explicit_judge:
            args += ["--judge", f"scripted:{judge_rules}"]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    notes = [x for x in proc.stderr.splitlines() if x.startswith("note: judging with the offline")]
    if explicit_judge:
        assert notes == []
    else:
        assert len(notes) == 1 and f"--judge {spec}" in notes[0]
