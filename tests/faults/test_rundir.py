"""Run directories: stale staging folders are cleaned up, names from input files cannot escape."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rolecall.rundir import RunDir, new_run_dir, write_json_atomic
from rolecall.rundir.layout import STALE_STAGING_S, clean_stale_staging, slug

HOSTILE = ["../../etc/x", "/abs", "a/b", "..", ".", "con", "nul\x00byte", "\x00", "", "~root", "-rf"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _staging(out, name: str, *, age_s: float = 0.0, files=("manifest.json",)):
    d = out / name
    d.mkdir(parents=True)
    for f in files:
        (d / f).write_text("{}")
    if age_s:
        t = time.time() - age_s
        os.utime(d, (t, t))
    return d


def test_kill_during_staging_leaves_a_folder_the_next_run_removes(tmp_path):
    out = tmp_path / "runs"
    child = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from rolecall.rundir import new_run_dir

        def prepare(run):
            (run.path / "manifest.json").write_text("{{}}")
            print("staged", flush=True)
            time.sleep(60)

        new_run_dir(Path({str(out)!r}), "persona", "mini", prepare=prepare)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "staged"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = list(out.iterdir())
    assert len(left) == 1 and left[0].name.startswith(".persona-mini-"), left
    assert f".{proc.pid}." in left[0].name

    run = new_run_dir(out, "persona", "mini", prepare=lambda r: write_json_atomic(r.manifest, {}))
    assert [p.name for p in out.iterdir()] == [run.path.name]  # the dead run's staging is gone


def test_clean_stale_staging_removes_only_what_is_stale_and_ours(tmp_path):
    out = tmp_path / "runs"
    dead = _staging(out, f".p-mini-20260101-000000.{_dead_pid()}.abc_1234")
    live_young = _staging(out, f".p-mini-20260101-000000.{os.getppid()}.abc_1235")
    live_old = _staging(out, f".p-mini-20260101-000000.{os.getppid()}.abc_1236", age_s=STALE_STAGING_S + 60)
    legacy_young = _staging(out, ".p-mini-20260101-000000.abcd1234")
    legacy_old = _staging(out, ".p-mini-20260101-000000.abcd1235", age_s=STALE_STAGING_S + 60)
    run = _staging(out, "p-mini-20260101-000000", age_s=10_000)  # a real run: never touched
    other = _staging(out, ".git", age_s=10_000)  # not a staging name
    odd = _staging(out, f".p-mini-20260101-000000.{_dead_pid()}.abc_1237")
    (odd / "sub").mkdir()  # holds a folder: not something we made, left alone
    target = _staging(tmp_path, "elsewhere")
    (out / f".p-mini-20260101-000000.{_dead_pid()}.abc_1238").symlink_to(target)
    own = _staging(out, f".p-mini-20260101-000000.{os.getpid()}.abc_1239", age_s=STALE_STAGING_S + 60)

    removed = clean_stale_staging(out)
    assert sorted(p.name for p in removed) == sorted(p.name for p in (dead, live_old, legacy_old))
    for kept in (live_young, legacy_young, run, other, odd, own):
        assert kept.exists(), kept
    assert (target / "manifest.json").exists()  # a symlink is never followed


@pytest.mark.parametrize("name", HOSTILE)
def test_names_from_input_cannot_escape_the_output_folder(name, tmp_path):
    s = slug(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s), s
    out = tmp_path / "runs"
    run = new_run_dir(out, name, name, prepare=lambda r: write_json_atomic(r.manifest, {}))
    assert run.path.parent == out
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", run.path.name), run.path.name
    assert [p.name for p in out.iterdir()] == [run.path.name]
    assert not (tmp_path / "etc").exists()


def test_hostile_persona_title_and_transcript_name_stay_inside(
    write, mini_instrument, tmp_path, run_scripted
):
    """End to end: the persona's H1 and a transcript's file name become run-directory names."""
    from rolecall.score_run import ScoreConfig, execute_score, start_score

    persona = write("evil.md", "# ../../../etc/passwd\x00/x\n## Role\nx\n")
    out = tmp_path / "runs"
    run = run_scripted(persona=persona).run
    assert run.path.parent == out and run.path.name.startswith("etc-passwd-x-mini-")
    transcript = write(
        "....jsonl", '{"item": "../../x", "respondent": "/abs", "question": "q", "answer": "a"}\n'
    )
    judge = write(
        "j.yaml", 'default: \'{"evidence": "a", "indicators_seen": [], "reasoning": "r", "score": 3}\'\n'
    )
    cfg = ScoreConfig(
        source=transcript, instrument=str(mini_instrument), judges=[f"scripted:{judge}"], out=out
    )
    srun, inst, manifest = start_score(cfg)
    execute_score(srun, inst, manifest, use_cache=False)
    assert srun.path.parent == out and srun.path.name.startswith("run-mini-")
    made = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    assert all(not str(p).startswith(("etc", "x", "abs")) for p in made), made
    assert sorted(p.name for p in out.iterdir()) == sorted([run.path.name, srun.path.name])
    assert isinstance(RunDir(srun.path).read_manifest().transcript_source, dict)
