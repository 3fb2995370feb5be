"""How often is the principle an answer was written for among rolecall's top 3?

Data: ``examples/transcripts/leadership-principles.jsonl`` — the answers of seed 004's
"16 Leadership Principles" section, one per principle it names (the item id ends with the
principle: ``lp07-insist_on_highest_standards``). Full STAR answers (≥ 100 words) and the
candidate's one-line notes are reported apart. Chance for a top-3 hit is 3/16 = 19%.

    .venv/bin/python bench/principles.py [--judges semantic] [--out bench/out]

Scores the transcript with ``rolecall score --instrument leadership-principles`` (a real run
directory, default judge unless --judges says otherwise), then reads ``summary.json``'s ranking.
Prints a Markdown table and writes ``bench/out/principles.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "transcripts" / "leadership-principles.jsonl"
FULL_WORDS = 100


def score(judges: list[str], out: Path) -> Path:
    args = [sys.executable, "-m", "rolecall", "score", str(DATA), "-i", "leadership-principles"]
    args += [a for j in judges for a in ("--judge", j)]
    args += ["--out", str(out), "--no-track"]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith("run directory:"):
            return ROOT / line.split(":", 1)[1].strip()
    raise SystemExit("no run directory in rolecall's output")


def measure(run: Path) -> dict[str, object]:
    words = {
        r["item"]: len(r["answer"].split())
        for r in (json.loads(x) for x in DATA.read_text(encoding="utf-8").splitlines() if x.strip())
    }
    summary = json.loads((run / "summary.json").read_text())
    rows = []
    for a in summary["ranking"]["answers"]:
        expected = a["item"].split("-", 1)[1]
        order = [r["dimension"] for r in a["ranked"]]
        rank = order.index(expected) + 1 if expected in order else None
        rows.append(
            {
                "item": a["item"],
                "expected": expected,
                "rank": rank,
                "top3": order[:3],
                "full": words[a["item"]] >= FULL_WORDS,
                "quote": next((r["quote"] for r in a["ranked"] if r["dimension"] == expected), ""),
            }
        )

    def rate(subset: list[dict[str, object]], k: int) -> str:
        hits = sum(1 for r in subset if r["rank"] is not None and r["rank"] <= k)  # type: ignore[operator]
        return f"{hits}/{len(subset)}"

    full = [r for r in rows if r["full"]]
    notes = [r for r in rows if not r["full"]]
    return {
        "run": str(run.relative_to(ROOT)) if run.is_relative_to(ROOT) else str(run),
        "judges": summary["judges"],
        "top1_full": rate(full, 1),
        "top3_full": rate(full, 3),
        "top3_notes": rate(notes, 3),
        "top3_all": rate(rows, 3),
        "rows": rows,
    }


def markdown(m: dict[str, object]) -> str:
    rows: list[dict[str, object]] = m["rows"]  # type: ignore[assignment]
    lines = [
        f"Judges: {', '.join(m['judges'])}. Named principle in the top 3: full answers "  # type: ignore[arg-type]
        f"**{m['top3_full']}** (top 1: {m['top1_full']}), one-line notes {m['top3_notes']}, "
        f"all {m['top3_all']} (chance 3/16 = 19%).",
        "",
        "| Answer | Named principle | Its rank (of 16) | rolecall's top 3 |",
        "|---|---|---|---|",
    ]
    for r in rows:
        kind = "" if r["full"] else " (note)"
        lines.append(
            f"| `{r['item']}`{kind} | {r['expected']} | {r['rank'] or '—'} | {', '.join(r['top3'])} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--judges", nargs="+", default=["semantic"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    t0 = time.perf_counter()
    run = score(args.judges, args.out)
    m = measure(run)
    m["wall_s"] = round(time.perf_counter() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "principles.json").write_text(json.dumps(m, indent=2))
    print(markdown(m))
    print(f"\n(wall {m['wall_s']} s, run directory {m['run']})")


if __name__ == "__main__":
    main()
