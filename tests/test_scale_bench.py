"""bench/scale.py writes its synthetic runs line by line from templates: each line must be
exactly what ``append_records`` writes for the record it stands for (issue 19)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from rolecall.aggregate import summarize
from rolecall.instrument import run_instrument
from rolecall.persona import load_persona
from rolecall.rundir import RunDir, ScoreRecord, TurnRecord

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _scale() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # scale.py imports its sibling common.py
    try:
        spec = importlib.util.spec_from_file_location("bench_scale", BENCH / "scale.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def test_synthetic_lines_are_what_append_records_writes(tmp_path):
    scale = _scale()
    built = scale.build_run(tmp_path / "run", 240, baseline=True)
    assert built["scores"] == 240 and built["epochs"] == 2
    for name, model in (("transcript.jsonl", TurnRecord), ("scores.jsonl", ScoreRecord)):
        lines = (tmp_path / "run" / name).read_text(encoding="utf-8").splitlines()
        assert lines and all(model.model_validate_json(line).model_dump_json() == line for line in lines)
    run = RunDir(tmp_path / "run")
    manifest = run.read_manifest()
    instrument, _ = run_instrument(manifest.instrument)
    persona = load_persona(Path(manifest.persona.path))
    summary = summarize(run, instrument, hypothesis=persona.hypothesis, persona_name=persona.name)
    assert summary["verdicts"]["total"] == 120 and "phrases" in summary and "baseline" in summary


def test_growth_per_answer_and_the_estimate_on_paper():
    scale = _scale()
    rows = [
        {"size": 1000, "scores": 1000, "wall_s": 1.0, "peak_rss_mb": 70.0, "bytes": 2_000_000},
        {"size": 100_000, "scores": 100_000, "wall_s": 4.0, "peak_rss_mb": 80.0, "bytes": 200_000_000},
    ]
    scale.growth(rows)
    assert rows[1]["us_per_answer"] == 40.0
    assert rows[1]["marginal_us_per_answer"] == round(3.0 / 99_000 * 1e6, 1)
    paper = scale.on_paper(rows)
    assert paper is not None and paper["answers"] == 10_000_000 and paper["run_files_gb"] == 20.0
    assert paper["wall_s"] > 4.0
