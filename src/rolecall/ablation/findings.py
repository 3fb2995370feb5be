"""Plain-language findings, derived only from each effect's interval and Holm-adjusted p.

An effect is *detected* when it is significant (``p_holm`` below alpha and its 95% interval
excludes zero); its sentence gives the size and the interval as magnitudes ("lowers time
orientation by 1.20 [0.60, 1.80]"). A variant with none says how far its intervals reach, which
is what the data rule out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def dim_phrase(name: str) -> str:
    """A dimension's name inside a sentence: 'Time orientation' -> 'time orientation' (acronyms kept)."""
    return " ".join(w[:1].lower() + w[1:] if w[1:] == w[1:].lower() else w for w in name.split())


def _amount(e: Mapping[str, Any]) -> str:
    lo, hi = e["ci_low"], e["ci_high"]
    if e["effect"] < 0:
        lo, hi = -hi, -lo
    return f"{abs(e['effect']):.2f} [{lo:.2f}, {hi:.2f}]"


def effect_clauses(effects: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]) -> list[str]:
    """'lowers scope by 1.20 [0.60, 1.80]' for every significant dimension, largest first."""
    sig = [(d, e) for d, e in effects.items() if e["significant"]]
    sig.sort(key=lambda de: -abs(de[1]["effect"]))
    return [
        f"{'raises' if e['effect'] > 0 else 'lowers'} {dim_phrase(names[d])} by {_amount(e)}" for d, e in sig
    ]


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def variant_finding(
    label: str, effects: Mapping[str, Mapping[str, Any]], names: Mapping[str, str], tests: int
) -> str:
    clauses = effect_clauses(effects, names)
    if clauses:
        text = f"{label} {_join(clauses)}"
    else:
        bounded = [e for e in effects.values() if e["ci_low"] is not None]
        if not bounded:
            return f"{label}: too few paired items to tell (no interval)"
        lo = min(e["ci_low"] for e in bounded)
        hi = max(e["ci_high"] for e in bounded)
        text = f"{label} has no detectable effect (every 95% interval lies within [{lo:+.2f}, {hi:+.2f}])"
    loose = [
        f"{dim_phrase(names[d])} [{e['ci_low']:+.2f}, {e['ci_high']:+.2f}]"
        for d, e in effects.items()
        if not e["significant"] and e["ci_low"] is not None and (e["ci_low"] > 0 or e["ci_high"] < 0)
    ]
    if loose:
        its = "its interval excludes" if len(loose) == 1 else "their intervals exclude"
        text += f"; {_join(loose)}: {its} 0, but not after Holm's correction for {tests} tests"
    return text


def overall_finding(variants: Sequence[Mapping[str, Any]], names: Mapping[str, str], unit: str) -> str:
    """One sentence over the whole study: every detected effect, then what showed none."""
    found = [f"{v['label']} {_join(c)}" for v in variants if (c := effect_clauses(v["dimensions"], names))]
    noun = "section" if unit == "section" else "sentence"
    if not any(e["ci_low"] is not None for v in variants for e in v["dimensions"].values()):
        return "too few paired items to tell: no variant has an interval on any dimension"
    if not found:
        return f"no {noun} has a detectable effect on any dimension"
    if len(found) < len(variants):
        found.append(f"no other {noun} has a detectable effect")
    return "; ".join(found)
