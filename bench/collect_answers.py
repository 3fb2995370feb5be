"""Collect a real-answer validation set: answers the embedded local models actually give.

Runs the real CLI (``rolecall run``) for a fixed list of persona x instrument jobs, one model
process at a time, then reads every run directory's transcript with the project's own answer
assembly (``answers_from_turns``) and writes ``bench/data/real_answers.jsonl``: one line per
item x epoch x subject conversation, with the text a judge would see. No judge score is copied
into the file, so annotators can label it blind.

    .venv/bin/python bench/collect_answers.py              # run missing jobs, then write the set
    .venv/bin/python bench/collect_answers.py --collect-only
    .venv/bin/python bench/collect_answers.py --only ml-engineer --only research-scientist

Each job runs in its own folder under bench/out/realset/<job>/ (git-ignored). A job whose run
directory already holds every conversation is skipped; an interrupted one is resumed with
``rolecall run --resume``. Job order fixes the ``id`` order, so append new jobs at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rolecall.instrument import Instrument, load_instrument
from rolecall.judge.answers import Answer, answers_from_turns
from rolecall.rundir import RunDir, TurnRecord, read_records

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PERSONAS = DATA / "personas"
OUT = ROOT / "bench" / "out" / "realset"
TARGET = DATA / "real_answers.jsonl"
ROLECALL = ROOT / ".venv" / "bin" / "rolecall"
TEST_SHARE = 4  # of 10: about 40% of persona x item pairs are held out as "test"


@dataclass(frozen=True)
class Job:
    name: str  # folder under bench/out/realset, unique
    persona: Path
    instrument: str  # built-in id or YAML path
    epochs: int
    model: str = "local"
    baseline: bool = False

    @property
    def slug(self) -> str:
        return self.persona.stem


RO = "research-orientation"
LP_SHORT = str(DATA / "leadership-principles-short.yaml")
EX = ROOT / "examples" / "personas"

JOBS: list[Job] = [
    Job("ml-engineer", EX / "ml-engineer.md", RO, 2, baseline=True),
    Job("compliance-bot", PERSONAS / "compliance-bot.md", RO, 2),
    Job("shoe-store-support", PERSONAS / "shoe-store-support.md", RO, 2),
    Job("research-scientist", PERSONAS / "research-scientist.md", RO, 1),
    Job("payments-backend-lead", PERSONAS / "payments-backend-lead.md", RO, 1),
    Job("helpful-assistant", PERSONAS / "helpful-assistant.md", RO, 1),
    Job("code-only-assistant", PERSONAS / "code-only-assistant.md", RO, 1),
    Job("behavioural-candidate", PERSONAS / "behavioural-candidate.md", LP_SHORT, 1),
    Job("platform-sre", EX / "platform-sre.md", RO, 1),
    Job("pragmatic-tech-lead", PERSONAS / "pragmatic-tech-lead.md", RO, 1),
    Job("research-scientist-1.5b", PERSONAS / "research-scientist.md", RO, 1, model="local:1.5b"),
]


def job_dir(job: Job) -> Path:
    return OUT / job.name


def run_dir(job: Job) -> RunDir | None:
    """The job's run directory (the newest, should there be several), or None."""
    found = sorted(p for p in job_dir(job).glob("*/manifest.json"))
    return RunDir(found[-1].parent) if found else None


def expected(job: Job, inst: Instrument) -> int:
    return len(inst.items) * job.epochs * (2 if job.baseline else 1)


def main_answers(run: RunDir) -> list[Answer]:
    if not run.transcript.exists():
        return []
    return [a for a in answers_from_turns(read_records(run.transcript, TurnRecord)) if not a.pressured]


def model_available(spec: str) -> bool:
    """Whether an embedded model's part packages are installed (no download, no assembly)."""
    from importlib import metadata

    from rolecall.models.embedded import DEFAULT_KEY, EMBEDDED

    key = spec.partition(":")[2] or DEFAULT_KEY
    if key not in EMBEDDED:
        return True
    m = EMBEDDED[key]
    try:
        for n in range(1, m.parts + 1):
            metadata.distribution(m.dist_template.format(n=n))
    except metadata.PackageNotFoundError:
        return False
    return True


def run_job(job: Job, n: int, total: int) -> None:
    inst, _ = load_instrument(job.instrument)
    rd = run_dir(job)
    want = expected(job, inst)
    have = len(main_answers(rd)) if rd else 0
    tag = f"[{n}/{total}] {job.name} ({job.model}, {inst.id}, {job.epochs} epoch(s){', +baseline' if job.baseline else ''})"
    if rd and have >= want:
        print(f"{tag}: complete ({have} answers), skipped", flush=True)
        return
    if not model_available(job.model):
        print(f"{tag}: model {job.model!r} is not installed, skipped", flush=True)
        return
    if rd:
        cmd = [str(ROLECALL), "run", "--resume", str(rd.path), "--no-track"]
        print(f"{tag}: resuming ({have}/{want} answers)", flush=True)
    else:
        cmd = [str(ROLECALL), "run", str(job.persona), "--instrument", job.instrument, "--epochs", str(job.epochs),
               "--model", job.model, "--no-track", "--out", str(job_dir(job))]  # fmt: skip
        if job.baseline:
            cmd.append("--baseline")
        print(f"{tag}: running", flush=True)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, check=False)
    rd = run_dir(job)
    have = len(main_answers(rd)) if rd else 0
    print(f"{tag}: exit {proc.returncode}, {have}/{want} answers, {time.monotonic() - t0:.0f}s", flush=True)


def split_of(persona: str, item: str) -> str:
    h = int(hashlib.sha256(f"{persona}|{item}".encode()).hexdigest(), 16)
    return "test" if h % 10 < TEST_SHARE else "dev"


def collect() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for job in JOBS:
        rd = run_dir(job)
        if rd is None:
            continue
        inst, _ = load_instrument(job.instrument)
        order = {it.id: k for k, it in enumerate(inst.items)}
        answers = sorted(
            main_answers(rd),
            key=lambda a: (a.subject != "persona", order.get(a.rubric_item, len(order)), a.epoch),
        )
        for a in answers:
            persona = job.slug if a.subject == "persona" else "none"
            rows.append(
                {
                    "persona": persona,
                    "model": job.model,
                    "instrument": inst.id,
                    "item": a.item,
                    "epoch": a.epoch,
                    "subject": a.subject,
                    "question": a.question,
                    "text": a.text,
                    "answer_only": a.answer_only,
                    "dimensions": list(inst.item(a.rubric_item).dimensions),
                    "split": split_of(persona, a.item),
                }
            )
    for k, row in enumerate(rows, 1):
        rows[k - 1] = {"id": f"R{k:04d}", **row}
    return rows


REFUSAL = re.compile(
    r"\b(I'?m sorry|I am sorry|I can(?:'|no)t|I cannot|I'm unable|I am unable|unable to (?:comment|discuss|provide)"
    r"|not able to (?:comment|discuss)|as an AI)\b",
    re.IGNORECASE,
)
SECOND_PERSON = re.compile(r"\byou(?:'ll| should| can| could| need| might| may| will| must)\b", re.IGNORECASE)


def summarise(rows: list[dict[str, object]]) -> None:
    def table(title: str, counter: Counter[tuple[str, ...]]) -> None:
        print(f"\n{title}")
        for key, n in sorted(counter.items()):
            print(f"  {' / '.join(key):<60} {n:>4}")

    print(f"\n{len(rows)} answers written to {TARGET.relative_to(ROOT)}")
    table(
        "by persona / model / instrument",
        Counter((str(r["persona"]), str(r["model"]), str(r["instrument"])) for r in rows),
    )
    table("by split", Counter((str(r["split"]),) for r in rows))
    texts = [str(r["answer_only"]) for r in rows]
    flags = {
        "refusal-like (I'm sorry / I can't / as an AI)": sum(bool(REFUSAL.search(t)) for t in texts),
        "code block (```)": sum("```" in t for t in texts),
        "second-person advice (you should / you can ...)": sum(bool(SECOND_PERSON.search(t)) for t in texts),
        "first person (I / I'd / I'll)": sum(bool(re.search(r"\bI(?:'d|'ll|'m)?\b", t)) for t in texts),
        "empty": sum(not t.strip() for t in texts),
        "long (> 1500 chars)": sum(len(t) > 1500 for t in texts),
    }
    print("\nrough text flags (answer_only)")
    for k, n in flags.items():
        print(f"  {k:<60} {n:>4}")
    per_persona: Counter[tuple[str, ...]] = Counter(
        (str(r["persona"]),) for r in rows if REFUSAL.search(str(r["answer_only"]))
    )
    table("refusal-like by persona", per_persona)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collect-only", action="store_true", help="Do not run jobs; rebuild the JSONL only.")
    ap.add_argument("--only", action="append", default=[], help="Run only the named job(s).")
    args = ap.parse_args()
    t0 = time.monotonic()
    if not args.collect_only:
        if not ROLECALL.exists():
            print(f"{ROLECALL} not found: run `make venv` first", file=sys.stderr)
            return 1
        jobs = [j for j in JOBS if not args.only or j.name in args.only]
        for n, job in enumerate(jobs, 1):
            run_job(job, n, len(jobs))
    rows = collect()
    TARGET.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    summarise(rows)
    print(f"\ntotal wall time {time.monotonic() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
