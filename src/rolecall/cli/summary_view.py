"""The terminal summary printed after a run: dimension table and verdict."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from rolecall.cli.console import console
from rolecall.report.render import ci as interval
from rolecall.report.render import num as fmt


def print_summary(summary: dict[str, Any], run_path: str) -> None:
    scale = summary["instrument"]["scale"]
    t = Table(title=f"{summary.get('persona') or 'transcript'} · {summary['instrument']['id']}")
    t.add_column("dimension")
    t.add_column("score", justify="right")
    t.add_column("95% interval")
    t.add_column("n", justify="right")
    t.add_column("unscored", justify="right")
    hyp = (summary.get("hypothesis") or {}).get("dimensions", {})
    if hyp:
        t.add_column("expected")
        t.add_column("verdict")
    for dim_id, d in summary["dimensions"].items():
        row = [d["name"], fmt(d["mean"]), interval(d), str(d["n"]), str(d["unscored"])]
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
    calls = summary.get("calls", {})
    if calls:
        console.print(
            f"subject calls {calls['subject_calls']} ({calls['cached']} cached), "
            f"tokens in/out {calls['tokens_in']:,}/{calls['tokens_out']:,}",
            markup=False,
        )
    timing = summary.get("timing", {})
    if timing:
        lat = calls.get("latency_p50_s"), calls.get("latency_p95_s")
        unpriced = timing.get("cost", {}).get("unpriced") or []
        console.print(
            f"wall {timing.get('wall_s', 0):.1f}s; subject latency p50/p95 "
            f"{fmt(lat[0], 3)}/{fmt(lat[1], 3)}s; cost ${timing.get('cost_usd', 0):.4f}"
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
