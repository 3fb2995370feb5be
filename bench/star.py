"""How well does the deterministic STAR analysis find the parts of real answers?

Ground truth comes from structure, not from the analyser: the seed-004 leadership-principle
answers in ``examples/transcripts/leadership-principles.jsonl`` are written one STAR part per
paragraph — first paragraph the situation, second the task, the last the reflection, the one
before it the result, and everything between the actions. Answers with fewer than five
paragraphs (notes) and the hypothetical "how would you handle" answer are left out.

Measured:
* sentence labels against their paragraph's part (accuracy, confusion);
* part presence on the full answers (recall);
* ablations: the same answers with the result (+ reflection) paragraphs removed, or with the
  action paragraphs removed — is the part then reported missing, and would the interviewer's
  probe ask for it?

    .venv/bin/python bench/star.py            # prints a Markdown report; --json for raw figures
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from rolecall.star import LABELS, PARTS, analyse, missing_element

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "transcripts" / "leadership-principles.jsonl"
HYPOTHETICAL = {"lp09-bias_for_action"}


def paragraph_labels(n: int) -> list[str]:
    return ["situation", "task", *(["action"] * (n - 4)), "result", "reflection"]


def load() -> list[tuple[str, list[str]]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for r in rows:
        paras = [p.strip() for p in r["answer"].split("\n") if p.strip()]
        if len(paras) >= 5 and r["item"] not in HYPOTHETICAL:
            out.append((r["item"], paras))
    return out


def measure() -> dict[str, object]:
    answers = load()
    confusion: Counter[tuple[str, str]] = Counter()
    presence: Counter[str] = Counter()
    cued_total = 0
    sentences_total = 0
    for _item, paras in answers:
        truth = paragraph_labels(len(paras))
        text = "\n".join(paras)
        analysis = analyse(text)
        offsets = []
        pos = 0
        for p in paras:
            start = text.index(p, pos)
            offsets.append((start, start + len(p)))
            pos = start + len(p)
        for s in analysis.sentences:
            para = next(i for i, (a, b) in enumerate(offsets) if a <= s.start < b)
            confusion[(truth[para], s.label)] += 1
            sentences_total += 1
            cued_total += s.cued
        for label in LABELS:
            presence[label] += analysis.present(label)
    correct = sum(v for (t, p), v in confusion.items() if t == p)

    def ablate(drop: set[str]) -> dict[str, object]:
        missing: Counter[str] = Counter()
        probes: Counter[str] = Counter()
        for _item, paras in answers:
            truth = paragraph_labels(len(paras))
            kept = [p for p, t in zip(paras, truth, strict=True) if t not in drop]
            analysis = analyse("\n".join(kept))
            missing.update(analysis.missing)
            probes[missing_element(analysis) or "none"] += 1
        return {"reported_missing": dict(missing), "probe_asked": dict(probes)}

    return {
        "answers": len(answers),
        "sentences": sentences_total,
        "cued_sentences": cued_total,
        "sentence_accuracy": round(correct / sentences_total, 3),
        "confusion": {f"{t}->{p}": v for (t, p), v in sorted(confusion.items())},
        "presence_recall": {label: f"{presence[label]}/{len(answers)}" for label in LABELS},
        "without_result": ablate({"result", "reflection"}),
        "without_action": ablate({"action"}),
    }


def markdown(m: dict[str, object]) -> str:
    conf: dict[str, int] = m["confusion"]  # type: ignore[assignment]
    labels = [*LABELS, "other"]
    head = "| truth \\ label | " + " | ".join(labels) + " |"
    rows = [head, "|" + "---|" * (len(labels) + 1)]
    for t in LABELS:
        rows.append(f"| {t} | " + " | ".join(str(conf.get(f"{t}->{p}", 0)) for p in labels) + " |")
    wr: dict[str, dict[str, int]] = m["without_result"]  # type: ignore[assignment]
    wa: dict[str, dict[str, int]] = m["without_action"]  # type: ignore[assignment]
    n = m["answers"]
    return "\n".join(
        [
            f"Answers: {n} full STAR answers, {m['sentences']} sentences "
            f"({m['cued_sentences']} carry a cue; the rest inherit the label before them).",
            "",
            f"Sentence label accuracy against the paragraph's part: **{m['sentence_accuracy']:.0%}**.",
            "",
            *rows,
            "",
            "Parts found in the full answers: "
            + ", ".join(f"{k} {v}" for k, v in m["presence_recall"].items())  # type: ignore[union-attr]
            + ".",
            "",
            f"Result and reflection paragraphs removed: result reported missing in "
            f"{wr['reported_missing'].get('result', 0)}/{n}; the probe asked for "
            + ", ".join(f"{k} {v}" for k, v in sorted(wr["probe_asked"].items()))
            + ".",
            f"Action paragraphs removed: action reported missing in "
            f"{wa['reported_missing'].get('action', 0)}/{n}; the probe asked for "
            + ", ".join(f"{k} {v}" for k, v in sorted(wa["probe_asked"].items()))
            + ".",
            "",
            f"Parts: {', '.join(PARTS)} (+ reflection).",
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = ap.parse_args()
    m = measure()
    print(json.dumps(m, indent=2) if args.json else markdown(m))


if __name__ == "__main__":
    main()
