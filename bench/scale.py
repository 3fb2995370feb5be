"""Aggregation and reports at scale: `rolecall report` on synthetic run directories.

    .venv/bin/python bench/scale.py [--quick] [--sizes 1000 10000 100000 1000000] [--baseline]

A synthetic run directory is shaped like a real run of examples/personas/ml-engineer.md on the
built-in research-orientation instrument (52 items, 36 with a follow-up: 88 answers and 60
item × dimension verdicts per epoch) with an LLM judge: answers of 45–80 words, 2 % of verdicts
unscored, every other one quoting six words of its answer (verified). A size of N scored answers
is N ÷ 60 epochs (1k: 16 epochs, 1M: 16,666 and about 2.5 GB of run files). ``--baseline`` adds
the no-persona baseline (N split between persona and baseline; the phrase analysis runs too).

The files are written fast but exactly as rolecall writes them: the manifest with rolecall's
own ``Manifest``, and every JSONL line from a template cut out of its record model's own
``model_dump_json`` (sentinel values in the varying fields), so each line is byte for byte what
``append_records`` writes for that record — tests/test_scale_bench.py checks every line of a
small run. Randomness is numpy's, seeded.

Each size runs ``rolecall report RUN_DIR`` (summary.json, report.md, report.html) in its own
process: wall time, CPU seconds and peak RSS of that process; plus, in a second process, the
time of ``rolecall.pipeline.finish`` alone (no interpreter start or imports). Growth per answer:
wall µs and peak-RSS KB per answer at each size, and the marginal cost between consecutive
sizes (Δwall ÷ Δanswers, ΔRSS ÷ Δanswers) — flat marginal costs mean linear growth; a "10M on
paper" estimate extends the largest step to ten million answers. Targets: 1M answers in < 60 s
and < 1 GiB. Writes bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

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
SUBJECT = "openai:bench@http://127.0.0.1:9/v1"
TARGET_SIZE = 1_000_000
TARGETS = {"wall_s": 60, "peak_rss_mb": 1024}
#: sentinels put in a record's varying fields to cut its JSON line into a template
_HOLES = {"epoch": 918273645, "text": "@@text@@", "latency_s": 0.135792468, "score": 4.246813579}
_HOLES_EVIDENCE = "@@evidence@@"


class Template:
    """A record's JSON line with holes: ``render(*values)`` fills them in order of appearance."""

    def __init__(self, record: Any, holes: dict[str, str]) -> None:
        text = record.model_dump_json()
        for name, sentinel in holes.items():
            assert text.count(sentinel) == 1, (name, text)
            text = text.replace(sentinel, f"\x00{name}\x00")
        self.parts = text.split("\x00")
        self.names = self.parts[1::2]

    def render(self, *values: str) -> str:
        out = [self.parts[0]]
        for k, v in enumerate(values):
            out += (v, self.parts[2 * k + 2])
        return "".join(out)


def _templates(inst: Any, subjects: list[str]) -> dict[tuple[Any, ...], Template]:
    """Per (subject, item, prompt k, role) and (subject, item, dimension, scored) line kind."""
    from rolecall.rundir import ScoreRecord, TurnRecord

    epoch = str(_HOLES["epoch"])
    out: dict[tuple[Any, ...], Template] = {}
    for subject in subjects:
        for item in inst.items:
            prompts = [item.prompt, *item.follow_ups]
            common = {
                "item": item.id,
                "epoch": _HOLES["epoch"],
                "turns": 2 * len(prompts),
                "subject": subject,
            }
            for k, text in enumerate(prompts):
                kind = "prompt" if k == 0 else "follow_up"
                user = TurnRecord(**common, turn=2 * k, role="user", text=text, kind=kind)
                out[(subject, item.id, k, "user")] = Template(user, {"epoch": epoch})
                said = TurnRecord(
                    **common, turn=2 * k + 1, role="assistant", text=str(_HOLES["text"]), model=SUBJECT,
                    tokens_in=900, tokens_out=70, latency_s=float(_HOLES["latency_s"]),
                )  # fmt: skip
                holes = {
                    "epoch": epoch,
                    "text": json.dumps(_HOLES["text"]),
                    "latency": str(_HOLES["latency_s"]),
                }
                out[(subject, item.id, k, "assistant")] = Template(said, holes)
            for dim in item.dimensions:
                base = {
                    "item": item.id,
                    "epoch": _HOLES["epoch"],
                    "dimension": dim,
                    "judge": JUDGE,
                    "subject": subject,
                }
                failed = ScoreRecord(**base, score=None, error="unparseable verdict", raw="no JSON")
                out[(subject, item.id, dim, False)] = Template(failed, {"epoch": epoch})
                scored = ScoreRecord(
                    **base, score=float(_HOLES["score"]), evidence=_HOLES_EVIDENCE, quote_verified=True,
                    indicators_seen=["runs a quick prototype"], reasoning="The answer prefers a measured prototype.",
                )  # fmt: skip
                holes = {
                    "epoch": epoch,
                    "score": str(_HOLES["score"]),
                    "evidence": json.dumps(_HOLES_EVIDENCE),
                }
                out[(subject, item.id, dim, True)] = Template(scored, holes)
    return out


def _epoch_lines(
    inst: Any, subjects: list[str], epoch: int, rng: np.random.Generator, lean: dict[str, float], tpl: dict
) -> tuple[list[str], list[str]]:
    """One epoch's transcript and score lines (every subject, item, prompt and dimension)."""
    n_answers = sum(1 + len(it.follow_ups) for it in inst.items) * len(subjects)
    lengths = rng.integers(45, 81, size=n_answers)
    picks = np.asarray(WORDS, dtype=object)[rng.integers(0, len(WORDS), size=int(lengths.sum()))].tolist()
    latencies = np.round(rng.uniform(0.2, 0.4, size=n_answers), 4).tolist()
    e = str(epoch)
    turns: list[str] = []
    scores: list[str] = []
    a = pos = 0
    for subject in subjects:
        bump = 0.5 if subject == "persona" else 0.0
        for item in inst.items:
            first: list[str] = []
            for k in range(1 + len(item.follow_ups)):
                words = ["I", *picks[pos + 1 : pos + int(lengths[a])]]
                pos += int(lengths[a])
                words[-1] += "."
                first = first or words
                turns.append(tpl[(subject, item.id, k, "user")].render(e))
                said = tpl[(subject, item.id, k, "assistant")]
                turns.append(said.render(e, json.dumps(" ".join(words)), repr(latencies[a])))
                a += 1
            n = len(item.dimensions)
            failed, noise, where = rng.random(n) < 0.02, rng.normal(size=n), rng.random(n)
            for d, dim in enumerate(item.dimensions):
                if failed[d]:
                    scores.append(tpl[(subject, item.id, dim, False)].render(e))
                    continue
                score = float(min(5, max(1, round(lean[dim] + bump + float(noise[d])))))
                start = int(where[d] * max(1, len(first) - 6))
                quote = json.dumps(" ".join(first[start : start + 6]))
                scores.append(tpl[(subject, item.id, dim, True)].render(e, repr(score), quote))
    return turns, scores


def build_run(path: Path, n_scores: int, *, baseline: bool, seed: int = 0) -> dict[str, Any]:
    """Write a run directory with about ``n_scores`` score records; return what was written."""
    from rolecall.instrument import load_instrument
    from rolecall.persona import load_persona
    from rolecall.pipeline import JUDGE_PARAMS, package_versions
    from rolecall.rundir import Manifest, RunDir, write_json_atomic

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
        subject_model={"spec": SUBJECT, "identity": "bench"},
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
    rng = np.random.default_rng(seed)
    lean = {d.id: float(rng.uniform(2.0, 4.5)) for d in inst.dimensions}
    tpl = _templates(inst, subjects)
    n_turns = n = 0
    with run.transcript.open("w", encoding="utf-8") as ft, run.scores.open("w", encoding="utf-8") as fs:
        for epoch in range(epochs):
            turns, scores = _epoch_lines(inst, subjects, epoch, rng, lean, tpl)
            ft.write("\n".join(turns) + "\n")
            fs.write("\n".join(scores) + "\n")
            n_turns += len(turns)
            n += len(scores)
    calls = n_turns // 2
    models = {"calls": calls, "cached": 0, "retries": 0, "failures": 0, "tokens_in": 900 * calls}
    models |= {"tokens_out": 70 * calls, "latency_s_total": 0.3 * calls}
    write_json_atomic(path / "timing.json", {"models": {"subject": models}, "wall_s": 1.0})
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


def growth(rows: list[dict[str, Any]]) -> None:
    """Per answer at each size, and the marginal cost from the size before (in place)."""
    prev: dict[str, Any] | None = None
    for r in rows:
        r["us_per_answer"] = round(r["wall_s"] / r["scores"] * 1e6, 1)
        r["kb_per_answer"] = round(r["peak_rss_mb"] * 1024 / r["scores"], 2)
        if prev is not None and r["scores"] > prev["scores"]:
            step = r["scores"] - prev["scores"]
            r["marginal_us_per_answer"] = round((r["wall_s"] - prev["wall_s"]) / step * 1e6, 1)
            r["marginal_kb_per_answer"] = round((r["peak_rss_mb"] - prev["peak_rss_mb"]) * 1024 / step, 3)
        prev = r


def on_paper(rows: list[dict[str, Any]], n: int = 10_000_000) -> dict[str, Any] | None:
    """``n`` answers extrapolated linearly from the largest size (100k or more) and its marginal
    costs: what the last step cost per answer, times the answers still to go."""
    last = rows[-1] if rows else None
    if last is None or "marginal_us_per_answer" not in last or not 100_000 <= last["scores"] < n:
        return None  # below 100k answers the fixed costs drown the marginal one
    more = n - last["scores"]
    return {
        "answers": n,
        "wall_s": round(last["wall_s"] + more * last["marginal_us_per_answer"] / 1e6, 1),
        "peak_rss_mb": round(last["peak_rss_mb"] + more * max(0.0, last["marginal_kb_per_answer"]) / 1024, 1),
        "run_files_gb": round(last["bytes"] / last["scores"] * n / 1e9, 1),
        "basis": f"{last['size']:,} answers plus the marginal cost per answer from the size before",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1k and 10k only")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, TARGET_SIZE])
    ap.add_argument("--baseline", action="store_true", help="persona + no-persona baseline")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args()
    sizes = [1000, 10_000] if args.quick else sorted(args.sizes)
    env = {**__import__("os").environ, "ROLECALL_NO_TRACK": "1", "NO_COLOR": "1", "TERM": "dumb"}
    rows = []
    for n in sizes:
        path = OUT / "scale" / f"run-{n}{'-baseline' if args.baseline else ''}"
        t = time.perf_counter()
        built = build_run(path, n, baseline=args.baseline)
        build_s = time.perf_counter() - t
        log = path.parent / f"report-{n}.log"
        m = measure([rolecall_bin(), "report", str(path)], env=env, cwd=ROOT, timeout_s=args.timeout, log=log)
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
        html = path / "report.html"
        row = {
            "size": n,
            **built,
            "build_s": round(build_s, 2),
            **as_dict(m),
            "finish_s": finish_s,
            "report_html_kb": round(html.stat().st_size / 1024, 1) if html.exists() else None,
        }
        rows.append(row)
        growth(rows)
        marginal = f", marginal {row['marginal_us_per_answer']} µs" if "marginal_us_per_answer" in row else ""
        print(
            f"{n:>9,} answers ({built['bytes'] / 2**20:,.0f} MiB, built in {build_s:.1f} s): rolecall report "
            f"{m.wall_s} s (finish() {finish_s} s), cpu {m.cpu_s} s, peak rss {m.peak_rss_mb} MB, rc "
            f"{m.returncode}; {row['us_per_answer']} µs and {row['kb_per_answer']} KB per answer{marginal}",
            flush=True,
        )
    paper = on_paper(rows)
    if paper:
        print(
            f"10M on paper: ~{paper['wall_s']:.0f} s, ~{paper['peak_rss_mb']:.0f} MB peak RSS, "
            f"~{paper['run_files_gb']} GB of run files ({paper['basis']})"
        )
    write_result(
        "scale" + ("-baseline" if args.baseline else ""),
        {
            "machine": machine(),
            "quick": args.quick,
            "baseline": args.baseline,
            "targets": {"size": TARGET_SIZE, **TARGETS},
            "rows": rows,
            "on_paper": paper,
        },
        args.results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
