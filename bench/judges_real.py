"""Measure judges on the real-answer validation set (bench/data/real_answers.jsonl + real_labels.jsonl).

    .venv/bin/python bench/judges_real.py --judges semantic [--split test|dev|all]
    .venv/bin/python bench/judges_real.py --judges local local+logprob --split test --limit 80
    .venv/bin/python bench/judges_real.py --sweep            # dev split: the semantic gates' thresholds
    .venv/bin/python bench/judges_real.py --judges semantic local --write-validity

Per judge and split: Spearman rho, quadratic-weighted kappa and agreement within ±1 on the
answer × dimension pairs that the label scores and the judge scored; abstention recall (share of
"no evidence" labels the judge abstained on) and false abstentions (share of scored labels it
abstained on); the same per dimension; and rater–rater agreement where two raters labelled the
same pair. The reference label is rater A's where both labelled. ``--limit N`` takes a seeded,
dimension-stratified sample (for slow LLM judges). ``--write-validity`` copies the test-split
figures into src/rolecall/judge/validity.json, which every report prints. Raw results:
bench/out/judges_real.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rolecall.calls import open_cache
from rolecall.instrument import Instrument, load_instrument
from rolecall.judge import make_judge
from rolecall.judge.answers import Answer
from rolecall.stats.agreement import abstention_agreement, quadratic_kappa, spearman, within

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
ANSWERS = DATA / "real_answers.jsonl"
LABELS = DATA / "real_labels.jsonl"
VALIDITY = ROOT / "src" / "rolecall" / "judge" / "validity.json"
INSTRUMENTS = {"leadership-principles-short": str(DATA / "leadership-principles-short.yaml")}
#: the short leadership instrument reuses the built-in's dimensions: its figures stand for it
VALIDITY_AS = {"leadership-principles-short": "leadership-principles"}
#: the fewest scored held-out pairs whose figures are written into validity.json
MIN_VALIDITY_PAIRS = 20
_FOLLOW = re.compile(r"^Follow-up question: (.*)$", re.MULTILINE)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def reference_labels(labels: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(key, dimension) -> the reference label (rater A first, then any other in name order)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for lab in sorted(labels, key=lambda x: (x["rater"] != "A", x["rater"])):
        out.setdefault((lab["key"], lab["dimension"]), lab)
    return out


def answer_of(row: dict[str, Any]) -> Answer:
    return Answer(
        item=row["item"],
        epoch=row["epoch"],
        subject=row["subject"],
        question=row["question"],
        text=row["text"],
        answer_only=row["answer_only"],
        instrument_item=row["item"],
        prompts=(row["question"], *_FOLLOW.findall(row["text"])),
    )


def pairs_for(split: str, limit: int, seed: int = 0) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    rows = {
        "|".join(str(r[k]) for k in ("persona", "model", "instrument", "item", "epoch", "subject")): r
        for r in read_jsonl(ANSWERS)
    }
    refs = reference_labels(read_jsonl(LABELS))
    pairs = [(rows[k], dim, lab) for (k, dim), lab in sorted(refs.items()) if k in rows]
    if split != "all":
        pairs = [p for p in pairs if p[0]["split"] == split]
    if limit and len(pairs) > limit:
        rng = random.Random(seed)
        by_dim: dict[str, list[Any]] = defaultdict(list)
        for p in pairs:
            by_dim[p[1]].append(p)
        for v in by_dim.values():
            rng.shuffle(v)
        picked: list[Any] = []
        while len(picked) < limit:  # round-robin over dimensions: stratified
            for v in by_dim.values():
                if v and len(picked) < limit:
                    picked.append(v.pop())
        pairs = sorted(picked, key=lambda p: (p[0]["id"], p[1]))
    return pairs


async def judge_pairs(spec: str, pairs: list[Any]) -> tuple[list[dict[str, Any]], float]:
    cache = open_cache(True)
    judge = make_judge(spec, cache, concurrency=1, seed=0)
    instruments: dict[str, Instrument] = {}
    out = []
    start = time.perf_counter()
    try:
        for n, (row, dim_id, lab) in enumerate(pairs, 1):
            iid = row["instrument"]
            if iid not in instruments:
                instruments[iid] = load_instrument(INSTRUMENTS.get(iid, iid))[0]
            inst = instruments[iid]
            item = inst.item(row["item"])
            rec = await judge.score(inst, inst.dimension(dim_id), item, answer_of(row))
            out.append(
                {
                    "id": row["id"],
                    "instrument": iid,
                    "dimension": dim_id,
                    "label": lab["label"],
                    "label_reason": lab.get("reason"),
                    "score": rec.score,
                    "abstained": rec.abstained,
                    "reason": rec.abstain_reason,
                    "unscored": rec.unscored,
                    "evidence": rec.evidence,
                    "reasoning": rec.reasoning,
                }
            )
            if n % 25 == 0:
                print(f"  {spec}: {n}/{len(pairs)}", flush=True)
    finally:
        await judge.aclose()
        if cache is not None:
            cache.close()
    return out, time.perf_counter() - start


def metrics(results: list[dict[str, Any]]) -> dict[str, Any]:
    both = [r for r in results if r["label"] is not None and r["score"] is not None]
    lab = [float(r["label"]) for r in both]
    got = [float(r["score"]) for r in both]
    ab = abstention_agreement([r["label"] is None for r in results], [r["abstained"] for r in results])
    return {
        "n": len(results),
        "n_scored_pairs": len(both),
        "spearman": spearman(lab, got),
        "kappa_quadratic": quadratic_kappa(lab, got, 1, 5),
        "within_1": within(lab, got),
        "abstain_recall": ab["recall"],
        "false_abstain": ab["false_abstain"],
        "n_no_evidence_labels": int(ab["n_no_evidence"] or 0),
        "unscored": sum(r["unscored"] for r in results),
    }


def breakdown(results: list[dict[str, Any]]) -> dict[str, Any]:
    by_dim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_dim[r["dimension"]].append(r)
        by_inst[r["instrument"]].append(r)
    return {
        "overall": metrics(results),
        "instruments": {i: metrics(v) for i, v in sorted(by_inst.items())},
        "dimensions": {d: metrics(v) for d, v in sorted(by_dim.items())},
    }


def rater_agreement() -> dict[str, Any]:
    by: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for lab in read_jsonl(LABELS):
        by[(lab["key"], lab["dimension"])][lab["rater"]] = lab
    shared = [v for v in by.values() if len(v) >= 2]
    if not shared:
        return {"n": 0}
    a = [sorted(v.values(), key=lambda x: x["rater"])[:2] for v in shared]
    scored = [(x["label"], y["label"]) for x, y in a if x["label"] is not None and y["label"] is not None]
    none_a = [x["label"] is None for x, _ in a]
    none_b = [y["label"] is None for _, y in a]
    return {
        "n": len(a),
        "n_scored_pairs": len(scored),
        "spearman": spearman([s[0] for s in scored], [s[1] for s in scored]),
        "kappa_quadratic": quadratic_kappa([s[0] for s in scored], [s[1] for s in scored], 1, 5),
        "within_1": within([s[0] for s in scored], [s[1] for s in scored]),
        "no_evidence_agreement": sum(x == y for x, y in zip(none_a, none_b, strict=True)) / len(a),
    }


def sweep() -> None:
    """Dev split: abstention and agreement of the semantic scorer over its two gate thresholds."""
    from rolecall.scoring import semantic

    semantic.RELEVANCE_MIN, semantic.POLARITY_MIN = -1.0, -1.0
    results, _ = asyncio.run(judge_pairs("semantic", pairs_for("dev", 0)))
    rel = re.compile(r"relevance (-?[\d.]+)")
    pol = re.compile(r"strongest \|position\| (-?[\d.]+)")
    print(
        "| relevance min | polarity min | abstain recall | false abstain | Spearman ρ | κ (quadratic) | scored pairs |"
    )
    print("|---|---|---|---|---|---|---|")
    for rmin in (0.0, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        for pmin in (0.0, 0.01, 0.015, 0.02):
            sim = []
            for r in results:
                r2 = dict(r)
                if not r["abstained"] and r["score"] is not None:
                    m1, m2 = rel.search(r["reasoning"]), pol.search(r["reasoning"])
                    if (m1 and float(m1.group(1)) < rmin) or (m2 and float(m2.group(1)) < pmin):
                        r2.update(score=None, abstained=True)
                sim.append(r2)
            m = metrics(sim)
            print(
                f"| {rmin} | {pmin} | {_p(m['abstain_recall'])} | {_p(m['false_abstain'])} | {_f(m['spearman'])} | "
                f"{_f(m['kappa_quadratic'])} | {m['n_scored_pairs']} |"
            )


def calibration_study(report: dict[str, Any], spec: str) -> None:
    """Fit both calibrations on the dev split's labels, measure them on the held-out split."""
    import numpy as np

    from rolecall.calibration import MIN_LABELS, isotonic_fit
    from rolecall.calibration import learned as lrn

    rows = {r["id"]: r for r in read_jsonl(ANSWERS)}
    featurizers: dict[str, lrn.Featurizer] = {}

    def scored(results: list[dict[str, Any]], dim: str) -> list[dict[str, Any]]:
        return [
            r for r in results if r["dimension"] == dim and r["score"] is not None and r["label"] is not None
        ]

    def features(r: dict[str, Any]) -> Any:
        iid = r["instrument"]
        if iid not in featurizers:
            featurizers[iid] = lrn.Featurizer(load_instrument(INSTRUMENTS.get(iid, iid))[0])
        return featurizers[iid].vector(answer_of(rows[r["id"]]), r["dimension"], r["score"])

    dev, test = report["judges"][spec]["dev"]["results"], report["judges"][spec]["test"]["results"]
    print(
        f"\nCalibration of `{spec}`: fitted on dev, measured on the held-out test split (scored pairs only)"
    )
    print(
        "| dimension | dev pairs | test pairs | ρ raw / isotonic / learned | κ raw / isotonic / learned | within ±1 raw / isotonic / learned |"
    )
    print("|---|---|---|---|---|---|")
    pooled: dict[str, list[tuple[float, float]]] = {"raw": [], "isotonic": [], "learned": []}
    for dim in sorted({r["dimension"] for r in test}):
        train, held = scored(dev, dim), scored(test, dim)
        if len(train) < MIN_LABELS or len(held) < 3:
            print(f"| {dim} | {len(train)} | {len(held)} | (too few labels to fit) | | |")
            continue
        labels = [float(r["label"]) for r in train]
        kx, ky = isotonic_fit([r["score"] for r in train], labels)
        model = lrn.fit_dimension([features(r) for r in train], labels)
        preds = {
            "raw": [(r["score"], r["label"]) for r in held],
            "isotonic": [(float(np.interp(r["score"], kx, ky)), r["label"]) for r in held],
            "learned": [(float(np.clip(model.predict(features(r)), 1, 5)), r["label"]) for r in held],
        }
        m = {k: _pair_metrics(v) for k, v in preds.items()}
        for k, v in preds.items():
            pooled[k] += v
        print(
            f"| {dim} | {len(train)} | {len(held)} | "
            + " | ".join(" / ".join(_p(m[k][i]) if i == 2 else _f(m[k][i]) for k in pooled) for i in range(3))
            + " |"
        )
    if pooled["raw"]:
        m = {k: _pair_metrics(v) for k, v in pooled.items()}
        print(
            f"| **all** | | {len(pooled['raw'])} | "
            + " | ".join(" / ".join(_p(m[k][i]) if i == 2 else _f(m[k][i]) for k in pooled) for i in range(3))
            + " |"
        )


def _pair_metrics(pairs: list[tuple[float, float]]) -> tuple[float | None, float | None, float | None]:
    x = [p[0] for p in pairs]
    y = [float(p[1]) for p in pairs]
    return spearman(y, x), quadratic_kappa(y, x, 1, 5), within(y, x)


def clean_relevance() -> None:
    """How many of the 60 clean written answers (bench/data/judge_labels.jsonl) each off-topic
    floor would abstain on: their relevance to their own item's question, gates off."""
    from rolecall.scoring import semantic

    semantic.RELEVANCE_MIN, semantic.POLARITY_MIN = -1.0, -1.0
    inst = load_instrument("research-orientation")[0]
    judge = make_judge("semantic", None, concurrency=1, seed=0)
    rel = re.compile(r"relevance (-?[\d.]+)")
    values = []
    for row in read_jsonl(DATA / "judge_labels.jsonl"):
        item = inst.item(row["item"])
        rec = asyncio.run(
            judge.score(
                inst,
                inst.dimension(row["dimension"]),
                item,
                Answer.lone(row["id"], item.prompt, row["answer"]),
            )
        )
        if m := rel.search(rec.reasoning):
            values.append(float(m.group(1)))
    for floor in (0.15, 0.2, 0.25, 0.3, 0.35, 0.45):
        print(
            f"relevance floor {floor}: {sum(v < floor for v in values)} of {len(values)} clean answers abstained as off topic"
        )


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _p(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def row(name: str, m: dict[str, Any], rate: str = "") -> str:
    return (
        f"| {name} | {m['n']} | {_f(m['spearman'])} | {_f(m['kappa_quadratic'])} | {_p(m['within_1'])} | "
        f"{_p(m['abstain_recall'])} ({m['n_no_evidence_labels']}) | {_p(m['false_abstain'])} | {m['unscored']} | {rate} |"
    )


def write_validity(report: dict[str, Any]) -> None:
    data = json.loads(VALIDITY.read_text(encoding="utf-8"))
    for spec, res in report["judges"].items():
        test = res.get("test")
        if not test:
            continue
        for iid, m in test["instruments"].items():
            if m["spearman"] is None or m["n_scored_pairs"] < MIN_VALIDITY_PAIRS:
                continue  # too few to stand for the instrument: reports keep their warning
            target = VALIDITY_AS.get(iid, iid)
            data["instruments"].setdefault(target, {})[spec] = {
                "n": m["n"],
                "labels": "bench/data/real_labels.jsonl, held-out split (real embedded-model answers)",
                "spearman": round(m["spearman"], 2),
                "kappa_quadratic": None if m["kappa_quadratic"] is None else round(m["kappa_quadratic"], 2),
                "within_1": None if m["within_1"] is None else round(m["within_1"], 2),
                "abstain_recall": None if m["abstain_recall"] is None else round(m["abstain_recall"], 2),
                "false_abstain": None if m["false_abstain"] is None else round(m["false_abstain"], 2),
            }
    data["written_by"] = (
        "bench/judges_real.py --write-validity (real answers, held-out split); bench/judges.py (clean set)"
    )
    VALIDITY.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {VALIDITY.relative_to(ROOT)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--judges", nargs="+", default=["semantic"])
    ap.add_argument("--split", choices=["test", "dev", "all", "both"], default="both")
    ap.add_argument("--limit", type=int, default=0, help="pairs per split (seeded, stratified by dimension)")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument(
        "--clean-relevance", action="store_true", help="off-topic floors on the clean written set"
    )
    ap.add_argument("--write-validity", action="store_true")
    ap.add_argument(
        "--calibration-study",
        action="store_true",
        help="isotonic and learned calibration fitted on dev, measured on test",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "judges_real.json")
    args = ap.parse_args()
    if args.sweep:
        sweep()
        return
    if args.clean_relevance:
        clean_relevance()
        return
    report: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    report.setdefault("judges", {})
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    for spec in args.judges:
        for split in splits:
            results, secs = asyncio.run(judge_pairs(spec, pairs_for(split, args.limit)))
            report["judges"].setdefault(spec, {})[split] = {
                **breakdown(results),
                "seconds": round(secs, 1),
                "verdicts_per_s": round(len(results) / secs, 2) if secs else None,
                "limit": args.limit,
                "results": results,
            }
    report["raters"] = rater_agreement()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(
        "| judge (split) | pairs | Spearman ρ | κ (quadratic) | within ±1 | abstained on 'no evidence' (n) | "
        "abstained on evidenced | unscored | verdicts/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for spec, by_split in report["judges"].items():
        for split, res in by_split.items():
            print(row(f"`{spec}` ({split})", res["overall"], str(res.get("verdicts_per_s") or "")))
    r = report["raters"]
    if r.get("n"):
        print(
            f"\nrater A vs rater B on {r['n']} shared pairs: Spearman {_f(r['spearman'])}, κ {_f(r['kappa_quadratic'])}, "
            f"within ±1 {_p(r['within_1'])}, same no-evidence call {_p(r['no_evidence_agreement'])}"
        )
    for spec, by_split in report["judges"].items():
        for split, res in by_split.items():
            print(f"\n`{spec}` ({split}) per dimension:")
            print(
                "| dimension | pairs | Spearman ρ | κ | within ±1 | abstained on 'no evidence' (n) | abstained on evidenced | unscored | |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for d, m in res["dimensions"].items():
                print(row(d, m))
    if args.calibration_study:
        for spec in args.judges:
            if {"dev", "test"} <= set(report["judges"].get(spec, {})):
                calibration_study(report, spec)
    if args.write_validity:
        write_validity(report)


if __name__ == "__main__":
    main()
