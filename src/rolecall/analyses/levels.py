"""Estimated proficiency level per dimension, from its mean and the ends of its interval."""

from __future__ import annotations

from typing import Any

from rolecall.instrument import Instrument


def level_block(instrument: Instrument, dims: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """dimension -> estimated level (with the levels its CI spans) and that level's description."""
    out: dict[str, dict[str, Any]] = {}
    if not instrument.levels:
        return out
    for dim_id, d in dims.items():
        level = instrument.level_for(d.get("mean"))
        if level is None:
            out[dim_id] = {"level": None, "reason": "no scored answers"}
            continue
        if not d.get("evidence_status", {}).get("sufficient", True):
            out[dim_id] = {"level": None, "reason": "insufficient evidence"}
            continue
        low = instrument.level_for(d.get("ci_low")) or level
        high = instrument.level_for(d.get("ci_high")) or level
        out[dim_id] = {
            "level": level.id,
            "name": level.name,
            "low": low.name,
            "high": high.name,
            "description": level.descriptions.get(dim_id, ""),
            "evidence": d.get("evidence", [])[:2],
            "n": d.get("n"),
        }
    return out
