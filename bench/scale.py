"""Aggregation and reports at scale: `rolecall report` on synthetic run directories.

    .venv/bin/python bench/scale.py [--quick] [--sizes 1000 10000 100000] [--baseline]

Each synthetic run directory is written with rolecall's own record classes and layout
(``Manifest``, ``TurnRecord``, ``ScoreRecord``, ``append_records``, ``RunDir``), shaped like a
real run of examples/personas/ml-engineer.md on the built-in research-orientation instrument
with an LLM judge: per epoch 20 conversations (2 with a follow-up), 25 scored answer × dimension
verdicts (2 % unscored, evidence quoted from the answer). A size of N scored answers is N ÷ 25
epochs (1k: 40 epochs, 100k: 4,000). ``--baseline`` adds the no-persona baseline (so N is split
between persona and baseline and the distinctive-phrase analysis runs too).

Each size runs ``rolecall report RUN_DIR`` (summary.json, report.md, report.html) in its own
process: wall time, CPU seconds and peak RSS of that process; plus, in a second process, the
time of ``rolecall.pipeline.finish`` alone (no interpreter start or imports). Targets at 100k:
< 60 s and < 1 GiB. Writes bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, PERSONA, RESULTS, ROOT, as_dict, machine, measure, rolecall_bin, write_result

VOCABULARY = (
    "prototype baseline experiment metric ablation hypothesis measure iterate ship deadline "
    "customer risk rollback monitor evaluate dataset slice variance confidence interval data "
    "production reliability latency budget scope roadmap research paper novel approach simple "
    "robust test review log trace dashboard stakeholder trade quality debt refactor deploy "
    "feature flag canary regression benchmark sample label model train tune sweep validate "
    "quick careful fast thorough small large first then only before after because measured"
)
WORDS = VOCABULARY.split()
JUDGE = "openai:judge@http://127.0.0.1:9/v1"


def _answer(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(45, 80))]
    words[0] = "I"
    return " ".join(words) + "."


def build_run(path: Path, n_scores: int, *, baseline: bool, seed: int = 0) -> dict[str, Any]:
    """Write a run directory with ``n_scores`` score records; return what was written."""
    from rolecall.instrument import load_instrument
    from rolecall.persona import load_persona
    from rolecall.pipeline import JUDGE_PARAMS, package_versions
    from rolecall.rundir import Manifest, RunDir, ScoreRecord, TurnRecord, append_records, write_json_atomic

    inst, digest = load_instrument("research-orientation")
    persona = load_persona(PERSONA)
    subjects = ["persona", "baseline"] if baseline else ["persona"]
    per_epoch = sum(len(it.dimensions) for it in inst.items) * len(subjects)
    epochs = max(1, n_scores // per_epoch)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    run = RunDir(path)
    manifest = Manifest(
        rolecall_version="bench",
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        persona={"name": persona.name, "path": str(PERSONA), "sha256": persona.content_hash},
        instrument={"ref": "research-orientation", "id": inst.id, "version": inst.version, "sha256": digest},
        subject_model={"spec": "openai:bench@http://127.0.0.1:9/v1", "identity": "bench"},
        judges=[{"spec": JUDGE, "identity": "bench-judge"}],
        params={"temperature": 0.7, "top_p": 0.95, "max_tokens": 320, "seed": seed},
        judge_params=JUDGE_PARAMS.model_dump(mode="json"),
        epochs=epochs,
        seed=seed,
        concurrency=32,
        baseline=baseline,
        packages=package_versions(),
        platform={"python": sys.version.split()[0]},
    )
    write_json_atomic(run.manifest, manifest)
    rng = random.Random(seed)
    lean = {d.id: rng.uniform(2.0, 4.5) for d in inst.dimensions}
    turns: list[TurnRecord] = []
    scores: list[ScoreRecord] = []
    n_turns = 0
    for epoch in range(epochs):
        for subject in subjects:
            for item in inst.items:
                prompts = [item.prompt, *item.follow_ups]
                said = []
                for k, text in enumerate(prompts):
                    answer = _answer(rng)
                    said.append(answer)
                    common = {"item": item.id, "epoch": epoch, "turns": 2 * len(prompts), "subject": subject}
                    turns.append(
                        TurnRecord.model_validate(
                            {
                                **common,
                                "turn": 2 * k,
                                "role": "user",
                                "text": text,
                                "kind": "prompt" if k == 0 else "follow_up",
                            }
                        )
                    )
                    turns.append(
                        TurnRecord.model_validate(
                            {
                                **common,
                                "turn": 2 * k + 1,
                                "role": "assistant",
                                "text": answer,
                                "model": "openai:bench@http://127.0.0.1:9/v1",
                                "tokens_in": 900,
                                "tokens_out": 70,
                                "latency_s": round(rng.uniform(0.2, 0.4), 4),
                            }
                        )
                    )
                for dim in item.dimensions:
                    base = {
                        "item": item.id,
                        "epoch": epoch,
                        "dimension": dim,
                        "judge": JUDGE,
                        "subject": subject,
                    }
                    if rng.random() < 0.02:
                        scores.append(
                            ScoreRecord.model_validate(
                                {**base, "score": None, "error": "unparseable verdict", "raw": "no JSON"}
                            )
                        )
                        continue
                    words = said[0].split()
                    start = rng.randrange(0, max(1, len(words) - 6))
                    score = min(
                        5, max(1, round(rng.gauss(lean[dim] + (0.5 if subject == "persona" else 0), 1)))
                    )
                    scores.append(
                        ScoreRecord.model_validate(
                            {
                                **base,
                                "score": float(score),
                                "evidence": " ".join(words[start : start + 6]),
                                "quote_verified": True,
                                "indicators_seen": ["runs a quick prototype"],
                                "reasoning": "The answer prefers a measured prototype.",
                            }
                        )
                    )
            if len(turns) > 20_000:
                append_records(run.transcript, turns)
                n_turns += len(turns)
                turns = []
        if len(scores) > 20_000:
            append_records(run.scores, scores)
            scores = []
    append_records(run.transcript, turns)
    append_records(run.scores, scores)
    n_turns += len(turns)
    n = sum(1 for _ in run.scores.open())
    write_json_atomic(
        path / "timing.json",
        {
            "models": {
                "subject": {
                    "calls": n_turns // 2,
                    "cached": 0,
                    "retries": 0,
                    "failures": 0,
                    "tokens_in": 900 * n_turns // 2,
                    "tokens_out": 70 * n_turns // 2,
                    "latency_s_total": 0.3 * n_turns / 2,
                }
            },
            "wall_s": 1.0,
        },
    )
    return {
        "epochs": epochs,
        "scores": n,
        "transcript_lines": n_turns,
        "bytes": sum(f.stat().st_size for f in path.iterdir()),
    }


FINISH_ONLY = """
import json, sys, time
from rolecall.instrument import load_instrument
from rolecall.persona import load_persona
from rolecall.pipeline import finish
from rolecall.rundir import RunDir
run = RunDir(__import__("pathlib").Path(sys.argv[1]))
manifest = run.read_manifest()
instrument, _ = load_instrument(manifest.instrument.ref)
persona = load_persona(manifest.persona.path)
t = time.perf_counter()
finish(run, persona, instrument, manifest)
print(json.dumps({"finish_s": round(time.perf_counter() - t, 3)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1k and 10k only")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--baseline", action="store_true", help="persona + no-persona baseline")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args()
    sizes = [1000, 10_000] if args.quick else args.sizes
    env = {**__import__("os").environ, "ROLECALL_NO_TRACK": "1", "NO_COLOR": "1", "TERM": "dumb"}
    rows = []
    for n in sizes:
        path = OUT / "scale" / f"run-{n}{'-baseline' if args.baseline else ''}"
        t = time.perf_counter()
        built = build_run(path, n, baseline=args.baseline)
        build_s = time.perf_counter() - t
        m = measure(
            [rolecall_bin(), "report", str(path)],
            env=env,
            cwd=ROOT,
            timeout_s=args.timeout,
            log=path.parent / f"report-{n}.log",
        )
        fin = subprocess.run(
            [sys.executable, "-c", FINISH_ONLY, str(path)],
            capture_output=True,
            text=True,
            timeout=args.timeout,
            env=env,
        )
        finish_s = (
            json.loads(fin.stdout.strip().splitlines()[-1])["finish_s"] if fin.returncode == 0 else None
        )
        row = {
            "size": n,
            **built,
            "build_s": round(build_s, 2),
            **as_dict(m),
            "finish_s": finish_s,
            "report_html_kb": round((path / "report.html").stat().st_size / 1024, 1)
            if (path / "report.html").exists()
            else None,
        }
        print(
            f"{n:>7} scores: rolecall report {m.wall_s} s (finish() {finish_s} s), cpu {m.cpu_s} s, "
            f"peak rss {m.peak_rss_mb} MB, rc {m.returncode}",
            flush=True,
        )
        rows.append(row)
    write_result(
        "scale" + ("-baseline" if args.baseline else ""),
        {
            "machine": machine(),
            "quick": args.quick,
            "baseline": args.baseline,
            "targets": {"wall_s": 60, "peak_rss_mb": 1024},
            "rows": rows,
        },
        args.results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
