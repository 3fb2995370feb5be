"""The terminal summary printed after a run: dimension table and verdict."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from rolecall.cli.console import console
from rolecall.describe import abstentions, is_transcript, source_title, transcript_calls
from rolecall.formatting import ci as interval
from rolecall.formatting import num as fmt
from rolecall.formatting import plural


def print_summary(summary: dict[str, Any], run_path: str) -> None:
    scale = summary["instrument"]["scale"]
    t = Table(title=f"{source_title(summary)} · {summary['instrument']['id']}")
    t.add_column("dimension")
    t.add_column("score", justify="right")
    t.add_column("95% interval")
    t.add_column("n", justify="right")
    t.add_column("unscored", justify="right")
    t.add_column("no evidence (abstained)")
    hyp = (summary.get("hypothesis") or {}).get("dimensions", {})
    levels = any(d.get("level") for d in summary["dimensions"].values())
    if levels:
        t.add_column("level")
    if hyp:
        t.add_column("expected")
        t.add_column("verdict")
    for dim_id, d in summary["dimensions"].items():
        row = [
            d["name"],
            fmt(d["mean"]),
            interval(d),
            str(d["n"]),
            str(d["unscored"]),
            abstentions(d.get("abstained")),
        ]
        if levels:
            row.append((d.get("level") or {}).get("name") or "—")
        if hyp:
            h = hyp.get(dim_id)
            row += [h["expected"], h["verdict"]] if h else ["", ""]
        t.add_row(*row)
    console.print(t)
    ov = summary["overall"]
    console.print(
        f"overall {fmt(ov['mean'])} {interval(ov)} on {scale['min']}–{scale['max']} "
        f"({scale['max']} = {scale['high_label']})",
        markup=False,
    )
    if summary.get("hypothesis"):
        console.print(f"hypothesis: {summary['hypothesis']['verdict']}", markup=False)
    thin = [
        d["name"]
        for d in summary["dimensions"].values()
        if not d.get("evidence_status", {}).get("sufficient", True)
    ]
    if thin:
        console.print(
            "insufficient evidence (too few answers with evidence to judge): " + ", ".join(thin), markup=False
        )
    _print_analyses(summary)
    calls = summary.get("calls", {})
    transcript = is_transcript(summary)
    if transcript:  # recorded answers: no subject model was called, the judges were
        console.print(transcript_calls(summary), markup=False)
    elif calls:
        console.print(
            f"{plural(calls['subject_calls'], 'subject call')} ({calls['cached']} cached), "
            f"tokens in/out {calls['tokens_in']:,}/{calls['tokens_out']:,}",
            markup=False,
        )
    timing = summary.get("timing", {})
    if timing:
        lat = calls.get("latency_p50_s"), calls.get("latency_p95_s")
        unpriced = timing.get("cost", {}).get("unpriced") or []
        latency = "" if transcript else f"; subject latency p50/p95 {fmt(lat[0], 3)}/{fmt(lat[1], 3)}s"
        console.print(
            f"wall {timing.get('wall_s', 0):.1f}s{latency}; cost ${timing.get('cost_usd', 0):.4f}"
            + (f" (unpriced: {', '.join(unpriced)})" if unpriced else ""),
            markup=False,
        )
    f = summary["failures"]
    if f["interview"] or f["judge"] or summary["unscored"]["total"]:
        console.print(
            f"failed calls: {f['interview']} interview, {f['judge']} judge; "
            f"unscored verdicts: {summary['unscored']['total']}",
            markup=False,
        )
    console.print(f"run directory: {run_path}", markup=False)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _print_analyses(summary: dict[str, Any]) -> None:
    """One line each for STAR structure, pressure and ranking, when the instrument asks for them."""
    star = (summary.get("star") or {}).get("aggregate")
    if star and star.get("n"):
        probes = ", ".join(f"{k} {v}" for k, v in star.get("probes", {}).items()) or "none"
        console.print(
            f"STAR ({plural(star['n'], 'answer')}): all four parts {_pct(star['complete_rate'])}, "
            "result quantified "
            f"{_pct(star['quantified_rate'])}, reflection {_pct(star['reflection_rate'])}, ownership "
            f"{fmt(star['ownership_mean'])}; probes asked: {probes}",
            markup=False,
        )
    pressure = summary.get("pressure")
    if pressure:
        shifts = ", ".join(
            f"{d} {fmt(p['shift'])} ({p['verdict']})" for d, p in pressure["dimensions"].items()
        )
        console.print(f"under pressure: {pressure['verdict']} — {shifts}", markup=False)
    ranking = summary.get("ranking")
    if ranking and ranking.get("answers"):
        top = sorted(ranking["top_counts"].items(), key=lambda kv: -kv[1])[:3]
        console.print(
            f"most evidenced ({ranking['method']}): "
            + ", ".join(f"{d} in the top {ranking['top']} of {plural(n, 'answer')}" for d, n in top),
            markup=False,
        )
