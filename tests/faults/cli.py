"""Run the `rolecall` entry point in-process (fast enough for property tests) or as a subprocess."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def rolecall_inproc(*args: str) -> Result:
    """Call ``rolecall.cli.main.main`` as the console script does; capture its exit code and output.

    Any exception other than the ``SystemExit`` that ``main`` ends with propagates: in a
    subprocess it would have been a traceback.
    """
    from rolecall.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["rolecall", *args]
    code: object = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    return Result(
        code if isinstance(code, int) else (0 if code is None else 1), out.getvalue(), err.getvalue()
    )


def rolecall_subprocess(*args: str, timeout: float = 120) -> Result:
    env = {**os.environ, "ROLECALL_NO_TRACK": "1"}
    env.pop("OPENAI_API_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "rolecall", *args], capture_output=True, text=True, env=env, timeout=timeout
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def one_line_error(res: Result, *fragments: str) -> str:
    """Assert exit 2 with exactly one non-empty stderr line, no traceback; return that line."""
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    assert "Traceback" not in res.stderr + res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
