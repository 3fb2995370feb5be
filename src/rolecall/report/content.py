"""What a report says, computed once from the run's summary; the Markdown and HTML templates render it.

Every sentence here is derived from numbers and quotes in summary.json: when the data cannot
support a statement, the statement is not made.
"""

from __future__ import annotations

from typing import Any

from rolecall.analyses.ranking import TOP
from rolecall.describe import abstentions, is_transcript, source_title, transcript_calls
from rolecall.formatting import ci, num, plural
from rolecall.instrument import Instrument
from rolecall.judge.validity import judge_validity
from rolecall.report.drift_view import drift_view
from rolecall.report.star_view import star_view
from rolecall.rundir import Manifest

WIDE_INTERVAL = 1.5  # scale points: an interval wider than this is called inconsistent


def _lean(mean: float, scale: dict[str, Any]) -> str:
    mid = (scale["min"] + scale["max"]) / 2
    if abs(mean - mid) < 0.25:
        return "the middle of the scale"
    return str(scale["high_label"] if mean > mid else scale["low_label"])


def _side(d: dict[str, Any], scale: dict[str, Any]) -> str | None:
    """Which pole a dimension's whole interval lies toward, if it clearly does."""
    mid = (scale["min"] + scale["max"]) / 2
    if d.get("ci_low") is None:
        return None
    if d["ci_low"] > mid:
        return "high"
    if d["ci_high"] < mid:
        return "low"
    return None


def _findings(dims: dict[str, Any], scale: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    out: list[str] = []
    scored = [(k, d) for k, d in dims.items() if d["mean"] is not None]
    if scored:
        hi = max(scored, key=lambda kd: kd[1]["mean"])
        lo = min(scored, key=lambda kd: kd[1]["mean"])
        out.append(
            f"Strongest {scale['high_label']} signal: {hi[1]['name']} "
            f"({hi[1]['mean']:.2f}, 95% CI {ci(hi[1])}, n = {hi[1]['n']})."
        )
        if lo[0] != hi[0]:
            out.append(
                f"Weakest: {lo[1]['name']} ({lo[1]['mean']:.2f}, 95% CI {ci(lo[1])}, n = {lo[1]['n']})."
            )
    effects = (summary.get("baseline") or {}).get("effects") or {}
    sig = [(k, e) for k, e in effects.items() if e.get("p_holm") is not None and e["p_holm"] < 0.05]
    if sig:
        k, e = max(sig, key=lambda kv: abs(kv[1]["effect"] or 0))
        out.append(
            f"Largest persona effect versus the no-persona baseline: {dims[k]['name']} "
            f"{e['effect']:+.2f} (Holm p = {e['p_holm']:.3g})."
        )
    elif effects:
        out.append("No dimension differs from the no-persona baseline after Holm correction.")
    wide = [
        d["name"]
        for d in dims.values()
        if d.get("ci_low") is not None and d["ci_high"] - d["ci_low"] > WIDE_INTERVAL
    ]
    if wide:
        out.append("Wide intervals (inconsistent answers or too few items) on: " + ", ".join(wide) + ".")
    return out


def _sufficient(d: dict[str, Any]) -> bool:
    return bool(d.get("evidence_status", {}).get("sufficient", True))


def _signature(dims: dict[str, Any]) -> dict[str, Any] | None:
    """The verified quote from the dimension furthest from the middle: the persona's own words.

    Only dimensions with enough evidence qualify, and quotes are evidence by construction (judges
    never quote an abstained answer, and the screen keeps echoes out)."""
    ranked = sorted(
        (d for d in dims.values() if d["mean"] is not None and d["evidence"] and _sufficient(d)),
        key=lambda d: -abs(d["mean"] - 3),
    )
    for d in ranked:
        for ev in d["evidence"]:
            if ev.get("verified"):
                return {"quote": ev["quote"], "dimension": d["name"], "item": ev["item"]}
    return None


def _strengths_limits(
    dims: dict[str, Any], scale: dict[str, Any], summary: dict[str, Any]
) -> dict[str, list[str]]:
    strengths, limits, uses = [], [], []
    high = [d["name"] for d in dims.values() if _side(d, scale) == "high"]
    low = [d["name"] for d in dims.values() if _side(d, scale) == "low"]
    if high:
        strengths.append(
            f"Reliably {scale['high_label']} on "
            + ", ".join(high)
            + " (whole 95% interval above the midpoint)."
        )
        uses.append(
            f"Tasks that call for {scale['high_label']} behaviour in " + ", ".join(high).lower() + "."
        )
    if low:
        strengths.append(
            f"Reliably {scale['low_label']} on "
            + ", ".join(low)
            + " (whole 95% interval below the midpoint)."
        )
        uses.append(f"Tasks that call for {scale['low_label']} behaviour in " + ", ".join(low).lower() + ".")
    for d in dims.values():
        if d.get("icc") is not None and d["icc"] >= 0.75:
            strengths.append(f"Stable across repeated samples on {d['name']} (ICC {d['icc']:.2f}).")
        if d.get("icc") is not None and d["icc"] < 0.5:
            limits.append(f"Answers on {d['name']} change between samples (ICC {d['icc']:.2f}).")
        if d.get("ci_low") is not None and d["ci_high"] - d["ci_low"] > WIDE_INTERVAL:
            limits.append(f"{d['name']}: interval {ci(d)} is too wide to place the persona firmly.")
        if d["mean"] is None:
            limits.append(f"{d['name']}: no scored answers.")
        if not _sufficient(d):
            st = d["evidence_status"]
            limits.append(
                f"{d['name']}: insufficient evidence — {st['evidenced']} of "
                f"{plural(st['judged'], 'verdict')} found "
                f"evidence; no evidence in {abstentions(d.get('abstained'))}."
            )
    mixed = [d["name"] for d in dims.values() if d["mean"] is not None and _side(d, scale) is None]
    if mixed:
        limits.append("No clear lean on " + ", ".join(mixed) + " (interval spans the midpoint).")
    total = summary["verdicts"]["total"]
    unscored = summary["unscored"]["total"]
    if total and unscored / total > 0.1:
        limits.append(
            f"{unscored} of {plural(total, 'verdict')} {'was' if unscored == 1 else 'were'} unparseable; "
            "the scores rest on the rest."
        )
    abstained = summary.get("abstained", {})
    if total and abstained.get("total", 0) / total > 0.2:
        limits.append(
            f"The judges found no evidence in {abstentions(abstained)} of {plural(total, 'verdict')}; "
            "the scores rest on the answers that gave some."
        )
    for name, j in summary.get("judges", {}).items():
        if not j["validity"]["validated"]:
            limits.append(f"Judge {name} is not validated for this instrument: {j['validity']['warning']}.")
    if not uses:
        uses.append("None can be recommended from this run: no dimension shows a clear, consistent lean.")
    return {"strengths": strengths, "limitations": limits, "uses": uses}


def build_content(
    instrument: Instrument,
    manifest: Manifest,
    summary: dict[str, Any],
    *,
    narrative: dict[str, Any] | None = None,
    raters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the reports say: a function of the summary (with the instrument's phases for the
    order of items, the manifest, a written narrative and the human raters' agreement, if any).
    No run file is read here, so a summary-only copy of a run renders the same reports."""
    star = _first_epoch(summary.get("star", {}).get("answers", []))
    ranked = _first_epoch(summary.get("ranking", {}).get("answers", []))
    scale = summary["instrument"]["scale"]
    dims = summary["dimensions"]
    shown: dict[str, Any] = summary.get("answers") or {}
    dim_order = {d: n for n, d in enumerate(dims)}

    def item_block(item_id: str) -> dict[str, Any]:
        entry = shown.get(item_id) or {}
        evidence = entry.get("dimensions", {})
        counted = summary["items"].get(item_id, {})
        dim_rows = []
        for dim_id in sorted(counted, key=lambda d: dim_order.get(d, len(dim_order))):
            stats = counted[dim_id]
            cited = evidence.get(dim_id) or {}
            dim_rows.append(
                {
                    "name": dims[dim_id]["name"] if dim_id in dims else dim_id,
                    "mean": stats["mean"],
                    "n": stats["n"],
                    "unscored": stats["unscored"],
                    "abstained": abstentions(stats["abstained"]) if stats["abstained"] else "",
                    "evidence": cited.get("evidence", ""),
                    "verified": bool(cited.get("verified")),
                    "indicators": cited.get("indicators", []),
                }
            )
        return {
            "id": item_id,
            "question": entry.get("question", ""),
            "answer": entry.get("answer", ""),
            "dims": dim_rows,
            "matched": entry.get("rubric_item"),
            "match": entry.get("match"),
            "star": star_view(star[item_id]) if item_id in star else None,
            "ranked": ranked[item_id]["ranked"][:TOP] if item_id in ranked else None,
        }

    items = list(summary["items"])
    phases = []
    listed: set[str] = set()
    for phase in instrument.phases:
        ids = [i.id for i in instrument.items if i.phase == phase.id and i.id in summary["items"]]
        if ids:
            phases.append({"name": phase.name, "items": [item_block(i) for i in ids]})
            listed.update(ids)
    rest = [i for i in items if i not in listed]
    if rest:
        phases.append({"name": "Recorded answers", "items": [item_block(i) for i in rest]})

    key_quotes = {d["name"]: [e for e in d["evidence"] if e.get("verified")][:3] for d in dims.values()}
    phrases = summary.get("phrases")

    judges_measured = [
        {"spec": j.spec, "text": validity_text(judge_validity(j.spec, instrument.id))}
        for j in manifest.judges
    ]
    hyp = summary.get("hypothesis")
    order = {item.id: k for k, item in enumerate(instrument.items)}
    items_heat = sorted(items, key=lambda i: (order.get(i, len(order)), i))
    heat_values = {
        item: {d: v["mean"] for d, v in summary["items"].get(item, {}).items()} for item in items_heat
    }
    return {
        "title": f"{_capital(source_title(summary))} — {instrument.name}",
        "persona": summary.get("persona"),
        "source": summary.get("source"),
        "transcript": is_transcript(summary),
        "calls_text": _calls_text(summary),
        "instrument": summary["instrument"],
        "scale": scale,
        "manifest": manifest.model_dump(mode="json"),
        "overall": summary["overall"],
        "lean": _lean(summary["overall"]["mean"], scale) if summary["overall"]["mean"] is not None else None,
        "hypothesis": hyp,
        "findings": _findings(dims, scale, summary),
        "signature": _signature(dims),
        "phases": phases,
        "dimensions": dims,
        "key_quotes": key_quotes,
        "phrases": phrases,
        "assessment": _strengths_limits(dims, scale, summary),
        "summary": summary,
        "heat_items": items_heat,
        "heat_values": heat_values,
        "baseline": summary.get("baseline"),
        "judges_measured": judges_measured,
        "unvalidated": _unvalidated(summary),
        "agreement": summary.get("agreement"),
        "raters": raters if summary.get("agreement") else None,
        "narrative": narrative,
        "star": summary.get("star", {}).get("aggregate"),
        "ranking": _ranking_view(summary.get("ranking"), dims),
        "pressure": _pressure_view(summary.get("pressure"), dims),
        "drift": drift_view(summary),
        "levels": {k: d["level"] for k, d in dims.items() if d.get("level")},
        "generalizability": _generalizability_view(summary.get("generalizability"), dims),
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _calls_text(summary: dict[str, Any]) -> str:
    """The report's sentence on the calls a run made: for a transcript, the judges' (no subject
    model was called); for an interview, the subject's."""
    t = summary.get("timing") or {}
    if is_transcript(summary):
        head = _capital(transcript_calls(summary))
    else:
        calls = summary["calls"]
        head = (
            f"{plural(calls['subject_calls'], 'subject answer')} ({calls['cached']} from cache), "
            "tokens in/out "
            f"{calls['tokens_in']}/{calls['tokens_out']}, subject latency p50/p95 "
            f"{num(calls['latency_p50_s'], 3)}/{num(calls['latency_p95_s'], 3)} s"
        )
    unpriced = (t.get("cost") or {}).get("unpriced") or []
    return (
        f"{head}; wall time {num(t.get('wall_s'), 1)} s; cost ${num(t.get('cost_usd', 0), 4)}"
        + (f" (unpriced: {', '.join(unpriced)})" if unpriced else "")
        + "."
    )


def _generalizability_view(study: dict[str, Any] | None, dims: dict[str, Any]) -> dict[str, Any] | None:
    """Rows of the G-study table and the curves of projected G over items for the run's design."""
    if not study:
        return None
    rows, curves = [], []
    for dim_id, g in study.items():
        design = g["design"]
        largest = max(g["variance"].items(), key=lambda kv: kv[1], default=("—", 0.0))
        cheapest = g["d_study"]["cheapest"]
        rows.append(
            {
                "name": dims[dim_id]["name"],
                "design": f"{plural(design['item'], 'item')} × {plural(design['epoch'], 'epoch')} × "
                f"{plural(design['judge'], 'judge')}",
                "g": g["g"],
                "cut": f"{g['cut']:g} ({g['cut_source']})",
                "largest": f"{largest[0]} ({largest[1]:.2f})",
                "items_for_g80": g["items_for_g80"],
                "cheapest": (
                    f"{plural(cheapest['items'], 'item')} × {plural(cheapest['epochs'], 'epoch')} × "
                    f"{plural(cheapest['judges'], 'judge')}"
                    if cheapest
                    else "none within the grid"
                ),
                "left_out": g["items_left_out"],
            }
        )
        points = [
            (r["items"], r["g"])
            for r in g["d_study"]["grid"]
            if r["epochs"] == design["epoch"] and r["judges"] == design["judge"]
        ]
        curves.append({"name": dims[dim_id]["name"], "points": points, "run_items": design["item"]})
    return {"rows": rows, "curves": curves}


def _unvalidated(summary: dict[str, Any]) -> str:
    """One sentence when a judge of this run has no measured agreement on this instrument."""
    names = [n for n, j in summary.get("judges", {}).items() if not j["validity"]["validated"]]
    if not names:
        return ""
    return (
        f"these estimates rest on {', '.join(names)}, whose agreement with human ratings has not been "
        f"measured on {summary['instrument']['id']}; read them as a judge's view, not a validated measure."
    )


def validity_text(v: dict[str, Any]) -> str:
    """One sentence on what is known of a judge's agreement with people on this instrument."""
    if not v["validated"]:
        return f"WARNING: {v['warning']}."
    parts = [f"Spearman ρ {v['spearman']:.2f}"]
    if v.get("kappa_quadratic") is not None:
        parts.append(f"quadratic-weighted κ {v['kappa_quadratic']:.2f}")
    if v.get("within_1") is not None:
        parts.append(f"within ±1 point {100 * v['within_1']:.0f}%")
    if v.get("abstain_recall") is not None:
        parts.append(
            f"abstained on {100 * v['abstain_recall']:.0f}% of answers labelled 'no evidence'"
            f" and on {100 * v.get('false_abstain', 0):.0f}% of evidenced ones"
        )
    return (
        f"measured against {v['n']} labelled answers ({v['labels']}): "
        + ", ".join(parts)
        + f" ({v['source']})."
    )


def _first_epoch(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """item -> the persona's epoch-0 entry (the answer the report shows; ranking lists only the persona)."""
    return {e["item"]: e for e in entries if e.get("epoch") == 0 and e.get("subject", "persona") == "persona"}


def _ranking_view(ranking: dict[str, Any] | None, dims: dict[str, Any]) -> list[dict[str, Any]] | None:
    if not ranking:
        return None
    n = len(ranking["answers"])
    return [
        {"name": dims[d]["name"] if d in dims else d, "top": count, "share": count / n if n else None}
        for d, count in sorted(ranking["top_counts"].items(), key=lambda kv: -kv[1])
    ]


def _pressure_view(pressure: dict[str, Any] | None, dims: dict[str, Any]) -> dict[str, Any] | None:
    if not pressure:
        return None
    rows = [{"name": dims[d]["name"] if d in dims else d, **p} for d, p in pressure["dimensions"].items()]
    pooled = pressure["overall"]
    rows.append({"name": "All dimensions (pooled)", **pooled, "p_holm": pooled["p_value"]})  # one test
    return {
        "verdict": pressure["verdict"],
        "margin": pressure["margin"],
        "min_items": pressure["min_items"],
        "rows": rows,
    }
