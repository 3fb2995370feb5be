"""report.md: the run's analysis as Markdown, built from summary.json, the manifest and scores."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rolecall.instrument import Instrument
from rolecall.rundir import Manifest, ScoreRecord

VERDICT_MARK = {
    "met": "✅ met",
    "exceeded": "⬆️ exceeded",
    "below": "⬇️ below",
    "inconclusive": "❔ inconclusive",
    "no data": "— no data",
}


def fmt(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def interval(d: dict[str, Any]) -> str:
    if d.get("ci_low") is None:
        return "—"
    return f"[{fmt(d['ci_low'])}, {fmt(d['ci_high'])}]"


def md_cell(text: str, limit: int = 160) -> str:
    """Subject text inside a table cell: one line, pipes escaped, shortened."""
    t = " ".join(str(text).split()).replace("|", "\\|")
    return t if len(t) <= limit else t[: limit - 1] + "…"


def quote_block(text: str) -> str:
    return "\n".join("> " + line for line in text.strip().splitlines() if line.strip())


def render_markdown(
    summary: dict[str, Any], manifest: Manifest, instrument: Instrument, scores: list[ScoreRecord]
) -> str:
    scale = instrument.scale
    dims = summary["dimensions"]
    persona = summary.get("persona") or "transcript"
    out: list[str] = [f"# {persona} — {instrument.name}", ""]

    # 1. executive summary
    out += ["## Executive summary", ""]
    ov = summary["overall"]
    if ov["mean"] is not None:
        lean = scale.high_label if ov["mean"] > scale.midpoint else scale.low_label
        if abs(ov["mean"] - scale.midpoint) < 0.25:
            lean = "the middle of the scale"
        out.append(
            f"Overall position: **{fmt(ov['mean'])}** on a {scale.min}–{scale.max} scale "
            f"({scale.min} = {scale.low_label}, {scale.max} = {scale.high_label}), "
            f"95% interval {interval(ov)}, n = {ov['n']} — leaning toward {lean}."
        )
    else:
        out.append("No answer was scored, so no position can be given.")
    hyp = summary.get("hypothesis")
    if hyp:
        out.append(
            f"Hypothesis: **{hyp['verdict']}**"
            + (f" — “{hyp['statement']}”" if hyp["statement"] else "")
            + "."
        )
    scored = [(k, d) for k, d in dims.items() if d["mean"] is not None]
    if scored:
        hi = max(scored, key=lambda kd: kd[1]["mean"])
        lo = min(scored, key=lambda kd: kd[1]["mean"])
        out.append(
            f"Highest: {hi[1]['name']} ({fmt(hi[1]['mean'])}); "
            f"lowest: {lo[1]['name']} ({fmt(lo[1]['mean'])})."
        )
    unscored = summary["unscored"]["total"]
    if unscored:
        out.append(f"{unscored} verdict(s) could not be parsed and are reported as unscored (not zero).")
    out.append("")

    # 2. overview
    out += ["## Overview", ""]
    subj = manifest.subject_model or {}
    out += [
        f"- **Persona**: {persona}"
        + (
            f" (`{manifest.persona['path']}`, sha256 `{manifest.persona['sha256'][:12]}`)"
            if manifest.persona
            else ""
        ),
        f"- **Instrument**: {instrument.name} `{instrument.id}` v{instrument.version} "
        f"(sha256 `{manifest.instrument['sha256'][:12]}`)",
        f"- **Subject model**: `{subj.get('spec', 'recorded transcript')}`",
        "- **Judges**: " + ", ".join(f"`{j['spec']}`" for j in manifest.judges),
        f"- **Epochs**: {manifest.epochs}; seed {manifest.seed}; created {manifest.created}",
        "",
    ]

    # 3. dimension table
    out += [f"## Dimension scores ({scale.min}–{scale.max}, {scale.max} = {scale.high_label})", ""]
    out += [
        "| Dimension | Score | 95% interval | n | Unscored | Evidence |",
        "|---|---|---|---|---|---|",
    ]
    for d in dims.values():
        ev = d["evidence"][0]["quote"] if d["evidence"] else ""
        out.append(
            f"| **{d['name']}** | {fmt(d['mean'])} | {interval(d)} | {d['n']} | {d['unscored']} | "
            f"{('“' + md_cell(ev) + '”') if ev else '—'} |"
        )
    out.append("")

    # 4. per phase
    by_item: dict[str, list[ScoreRecord]] = defaultdict(list)
    for s in scores:
        if s.subject == "persona":
            by_item[s.item].append(s)
    out += ["## Answers by phase", ""]
    for phase in instrument.phases:
        items = [i for i in instrument.items if i.phase == phase.id and i.id in by_item]
        if not items:
            continue
        out += [f"### {phase.name}", ""]
        for item in items:
            out += [f"#### `{item.id}` — {md_cell(item.prompt, 200)}", ""]
            for dim_id in item.dimensions:
                recs = [r for r in by_item[item.id] if r.dimension == dim_id]
                vals = [r.score for r in recs if r.score is not None]
                name = instrument.dimension(dim_id).name
                mean = fmt(sum(vals) / len(vals)) if vals else "unscored"
                out.append(f"- **{name}**: {mean} (n = {len(vals)}, unscored {len(recs) - len(vals)})")
                best = next((r for r in recs if r.score is not None and r.evidence), None)
                if best:
                    flag = "" if best.quote_verified else " *(quote not found verbatim in the answer)*"
                    out.append(f"  - evidence: “{md_cell(best.evidence, 300)}”{flag}")
                    if best.indicators_seen:
                        out.append(
                            "  - indicators seen: " + "; ".join(md_cell(x, 80) for x in best.indicators_seen)
                        )
            out.append("")

    # 5. hypothesis
    if hyp:
        out += ["## Comparison to the expected hypothesis", ""]
        if hyp["statement"]:
            out += [f"**Expected**: {hyp['statement']}", ""]
        out += [f"**Result**: **{hyp['verdict']}**", ""]
        out += [
            "| Dimension | Expected | Observed | 95% interval | Verdict |",
            "|---|---|---|---|---|",
        ]
        for dim_id, h in hyp["dimensions"].items():
            out.append(
                f"| {dims.get(dim_id, {}).get('name', dim_id)} | {h['expected']} | {fmt(h['mean'])} | "
                f"{interval(h)} | {VERDICT_MARK.get(h['verdict'], h['verdict'])} |"
            )
        out.append("")

    # 6. method
    out += ["## Method", ""]
    out += [
        f"Each answer was rated per dimension by {len(manifest.judges)} judge(s) against the dimension's "
        "anchored scale and the item's indicators, with the answer fenced as untrusted data. "
        "A dimension's score is the mean over items × epochs (judges averaged per answer); "
        "the 95% interval is a cluster bootstrap over items (epochs resampled within items). "
        "Verdicts that could not be parsed after one repair attempt are counted as unscored and excluded "
        "from means — never treated as zero.",
        "",
        f"Verdicts: {summary['verdicts']['scored']} scored of {summary['verdicts']['total']}; "
        f"unscored by judge: {summary['unscored']['by_judge'] or 'none'}; "
        f"failed calls: {summary['failures']['interview']} interview, {summary['failures']['judge']} judge.",
        "",
    ]
    return "\n".join(out)
