"""What the reports show of a session run: drift per dimension beside the whole-session
judgement, the quotes at the first and last probe, and how each session ended. A function of
summary.json (its ``drift`` and ``session`` blocks), like the rest of the report content."""

from __future__ import annotations

from typing import Any

from rolecall.analyses.drift import HOLD_MARGIN
from rolecall.formatting import interval, num, plural

BREAK_WHY = {
    "ai_disclosure": "spoke as an AI",
    "role_abandoned": "dropped the role",
    "refusal": "only refused",
}


def _break_text(b: dict[str, Any] | None) -> str:
    return f"turn {b['turn']} ({BREAK_WHY.get(b['reason'], b['reason'])})" if b else "none"


def _judge_breaks(breaks: dict[str, int | None]) -> str:
    if not breaks:
        return "—"
    return "; ".join(f"{j}: {'none' if t is None else f'turn {t}'}" for j, t in breaks.items())


def _row(dim_id: str, d: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
    verdicts = s.get("verdicts", [])
    quoted = next((v for v in verdicts if v.get("evidence") and v.get("verified")), None)
    base = d.get("baseline")
    line = None
    if d.get("intercept") is not None and d.get("slope_per_turn") is not None:
        line = (d["intercept"], d["slope_per_turn"])
    return {
        "id": dim_id,
        "name": d["name"],
        "verdict": d["verdict"],
        "slope": d["slope_per_turn"],
        "slope_ci": interval(d["slope_ci_low"], d["slope_ci_high"], 3),
        "early": d["early_mean"],
        "late": d["late_mean"],
        "difference": d["difference"],
        "diff_ci": interval(d["diff_ci_low"], d["diff_ci_high"]),
        "p": d["p_value"],
        "points_text": f"{plural(d['n_points'], 'point')} ({d['n_repeated']} on repeated items), "
        f"{plural(d['n_sessions'], 'session')}",
        "resampled": d["resampled"],
        "session_score": s.get("mean"),
        "session_n": s.get("n", 0),
        "turn_mean": s.get("turn_mean"),
        "evidence_turns": sorted({t for v in verdicts for t in v.get("evidence_turns", [])}),
        "session_quote": quoted["evidence"] if quoted else "",
        "first": d.get("first_probe"),
        "last": d.get("last_probe"),
        "points": d["points"],
        "expected": d.get("expected"),
        "line": line,
        "probe_turns": d["probe_turns"],
        "baseline": {
            "verdict": base["verdict"],
            "slope": base["slope_per_turn"],
            "slope_ci": interval(base["slope_ci_low"], base["slope_ci_high"], 3),
        }
        if base
        else None,
    }


def _headline(rows: list[dict[str, Any]], session: dict[str, Any]) -> list[str]:
    out = []
    drifting = [r for r in rows if r["verdict"].startswith("drifts")]
    holding = [r["name"] for r in rows if r["verdict"] == "holds"]
    for r in drifting:
        out.append(
            f"Over the conversation, {r['name']} {r['verdict']} ({num(r['slope'], 3)} points per turn, "
            f"95% CI {r['slope_ci']}; early {num(r['early'])} → late {num(r['late'])})."
        )
    if holding:
        out.append("Holds over the conversation: " + ", ".join(holding) + ".")
    if not drifting and not holding:
        out.append("Drift over the conversation is inconclusive on every dimension.")
    if session.get("first_break_turn") is not None:
        out.append(
            f"The persona broke character in {plural(session['persona_breaks'], 'session')}, first at "
            f"turn {session['first_break_turn']}."
        )
    stopped = [s for s in session.get("sessions", []) if s.get("context_exhausted_at") is not None]
    for s in stopped:
        window = f" of {s['context_window']:,} tokens" if s.get("context_window") else ""
        out.append(
            f"The {s['subject']} session of epoch {s['epoch']} stopped at turn {s['context_exhausted_at']}: "
            f"the conversation no longer fit the model's context{window}."
        )
    return out


def drift_view(summary: dict[str, Any]) -> dict[str, Any] | None:
    drift = summary.get("drift")
    session = summary.get("session")
    if not drift or not session:
        return None
    sdims = session.get("dimensions", {})
    rows = [_row(k, d, sdims.get(k, {})) for k, d in drift.items()]
    sessions = [
        {
            "epoch": s["epoch"],
            "subject": s["subject"],
            "answered": f"{s['turns_answered']} of {session['turns']}",
            "stopped": s["context_exhausted_at"],
            "tokens": s.get("tokens_needed"),
            "window": s.get("context_window"),
            "detector": _break_text(s.get("persona_break")),
            "break_quote": (s.get("persona_break") or {}).get("quote", ""),
            "judges": _judge_breaks(s.get("judge_breaks", {})),
        }
        for s in session["sessions"]
    ]
    judge_every = session["judge_every"]
    return {
        "turns": session["turns"],
        "interlocutor": session["interlocutor"],
        "judged": judge_every
        if isinstance(judge_every, str)
        else "turns " + ", ".join(map(str, judge_every)),
        "pressure_turns": session["pressure_turns"],
        "topic_change_turns": session["topic_change_turns"],
        "margin": HOLD_MARGIN,
        "rows": rows,
        "sessions": sessions,
        "headline": _headline(rows, session),
        "baseline": any(r["baseline"] for r in rows),
    }
