"""Files beside the run directory: labels torn by a crash, a damaged response cache, a
calibration path that is not a file. One line, exit 2, nothing lost."""

import json
import os
import subprocess
import sys

import pytest

from rolecall.errors import RolecallError
from rolecall.labels import read_labels


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "rolecall", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_torn_last_label_is_skipped_but_a_bad_middle_line_is_refused(tmp_path):
    good = json.dumps({"item": "q1", "epoch": 0, "dimension": "scope", "score": 4, "rater": "a"})
    path = tmp_path / "labels.jsonl"
    path.write_text(good + "\n" + good.replace("q1", "q2") + "\n" + '{"item": "q3", "dim')
    assert [lab.item for lab in read_labels(path)] == ["q1", "q2"]
    path.write_text(good + "\n" + '{"item": "q3", "dim' + "\n" + good + "\n")
    with pytest.raises(RolecallError) as err:
        read_labels(path)
    assert err.value.line == 2


def test_label_text_with_a_line_separator_reads_back(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text(
        json.dumps(
            {"item": "q1", "epoch": 0, "dimension": "d", "score": 3, "rater": "a\u2028b"}, ensure_ascii=False
        )
        + "\n"
    )
    assert read_labels(path)[0].rater == "a\u2028b"


def test_damaged_response_cache_is_one_line(
    run_scripted, tmp_path, mini_persona, scripted_subject, mini_instrument
):
    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    (cache / "responses.sqlite").write_bytes(b"this is not a database" * 100)
    proc = _cli(
        "run", str(mini_persona), "--instrument", str(mini_instrument), "--model", f"scripted:{scripted_subject}",
        "--out", str(tmp_path / "runs"), env={"ROLECALL_CACHE_DIR": str(cache)},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "response cache is damaged" in proc.stderr and "Traceback" not in proc.stderr
    # the error is one line; the run directory made before it is kept, to resume with --no-cache
    assert proc.stderr.strip().splitlines()[-1].startswith("error:")
    assert "response cache" not in "".join(proc.stderr.strip().splitlines()[:-1])


def test_calibration_path_that_is_a_directory_is_one_line(run_scripted, tmp_path):
    out = run_scripted()
    proc = _cli("report", str(out.run.path), "--calibration", str(tmp_path))
    assert proc.returncode == 2 and "calibration" in proc.stderr and "Traceback" not in proc.stderr
