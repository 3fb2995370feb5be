"""Blind label tasks for the real-answer validation set, and the merge of the labels made.

    .venv/bin/python bench/label_tasks.py tasks --out bench/out/labels/batch1.jsonl [--skip-labelled]
          [--limit N] [--offset K]
    .venv/bin/python bench/label_tasks.py merge bench/out/labels/*.labels.jsonl

`tasks` writes one task per answer × dimension of bench/data/real_answers.jsonl: the question,
the text a judge reads, the dimension's description and anchors, the scale's poles. No judge
score, persona or model name (bench/data/LABELLING.md). `merge` checks every label against its
task and writes bench/data/real_labels.jsonl, one line per answer × dimension × rater.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from rolecall.instrument import load_instrument

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = ROOT / "bench" / "data" / "real_answers.jsonl"
LABELS = ROOT / "bench" / "data" / "real_labels.jsonl"
REASONS = {"refusal", "non_answer", "echo", "code_only", "off_topic", "insufficient_evidence"}
INSTRUMENTS = {
    "leadership-principles-short": str(ROOT / "bench" / "data" / "leadership-principles-short.yaml")
}


def key(row: dict[str, Any]) -> str:
    """A label's stable address: independent of the order rows were collected in."""
    return "|".join(str(row[k]) for k in ("persona", "model", "instrument", "item", "epoch", "subject"))


def token(k: str, dim: str) -> str:
    """An opaque task id: says nothing about persona, model or split."""
    return "T" + hashlib.sha256(f"{k}|{dim}".encode()).hexdigest()[:12]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tasks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    cache: dict[str, Any] = {}
    for row in rows:
        iid = row["instrument"]
        if iid not in cache:
            cache[iid] = load_instrument(INSTRUMENTS.get(iid, iid))[0]
        inst = cache[iid]
        for dim_id in row["dimensions"]:
            dim = inst.dimension(dim_id)
            out.append(
                {
                    "task": token(key(row), dim_id),
                    "question": row["question"],
                    "answer": row["text"],
                    "dimension": dim_id,
                    "dimension_name": dim.name,
                    "description": dim.description,
                    "scale": f"{inst.scale.min} = {inst.scale.low_label}, {inst.scale.max} = {inst.scale.high_label}",
                    "anchors": {str(k): v for k, v in sorted(dim.anchors.items())},
                }
            )
    return out


def cmd_tasks(args: argparse.Namespace) -> int:
    rows = read_jsonl(ANSWERS)
    done = (
        {token(lab["key"], lab["dimension"]) for lab in read_jsonl(LABELS)} if args.skip_labelled else set()
    )
    todo = [t for t in tasks(rows) if t["task"] not in done][args.offset :]
    if args.limit:
        todo = todo[: args.limit]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in todo), encoding="utf-8")
    print(f"{len(todo)} tasks -> {args.out}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    rows = {key(r): r for r in read_jsonl(ANSWERS)}
    where = {token(k, d): (k, d) for k, r in rows.items() for d in r["dimensions"]}
    merged: dict[tuple[str, str, str], dict[str, Any]] = {
        (lab["key"], lab["dimension"], lab["rater"]): lab for lab in read_jsonl(LABELS)
    }
    bad = 0
    for path in args.files:
        for n, lab in enumerate(read_jsonl(path), 1):
            k, dim = where.get(str(lab.get("task", "")), ("", ""))
            label, reason = lab.get("label"), lab.get("reason")
            ok = (
                k in rows
                and dim in rows[k]["dimensions"]
                and ((label is None and reason in REASONS) or (isinstance(label, int) and 1 <= label <= 5))
                and isinstance(lab.get("rater"), str)
            )
            if not ok:
                print(f"{path}:{n}: bad label {lab!r}", file=sys.stderr)
                bad += 1
                continue
            merged[(k, dim, lab["rater"])] = {
                "id": rows[k]["id"],
                "key": k,
                "dimension": dim,
                "label": label,
                "reason": reason if label is None else None,
                "rater": lab["rater"],
                "split": rows[k]["split"],
            }
    for lab in merged.values():  # ids follow the current answer file
        if lab["key"] in rows:
            lab["id"], lab["split"] = rows[lab["key"]]["id"], rows[lab["key"]]["split"]
    out = sorted(merged.values(), key=lambda x: (x["id"], x["dimension"], x["rater"]))
    LABELS.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in out), encoding="utf-8")
    print(f"{len(out)} labels in {LABELS.relative_to(ROOT)} ({bad} rejected)")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tasks")
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--skip-labelled", action="store_true")
    t.add_argument("--limit", type=int, default=0)
    t.add_argument("--offset", type=int, default=0)
    m = sub.add_parser("merge")
    m.add_argument("files", nargs="+", type=Path)
    args = ap.parse_args()
    return cmd_tasks(args) if args.cmd == "tasks" else cmd_merge(args)


if __name__ == "__main__":
    raise SystemExit(main())
