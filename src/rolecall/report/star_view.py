"""Turn one answer's STAR analysis into what the report shows: marked segments and a summary line."""

from __future__ import annotations

from typing import Any

from rolecall.star import LABELS

LETTER = {"situation": "S", "task": "T", "action": "A", "result": "R", "reflection": "L"}


def segments(text: str, parts: dict[str, dict[str, Any]]) -> list[dict[str, str | None]]:
    """The answer cut into consecutive pieces, each with the STAR label of its span (or None).

    Templates escape each piece, so marking never builds HTML from subject text.
    """
    spans = sorted(
        (start, end, label) for label in LABELS for start, end in parts.get(label, {}).get("spans", [])
    )
    out: list[dict[str, str | None]] = []
    pos = 0
    for start, end, label in spans:
        if start < pos or end > len(text):
            continue  # overlapping or stale spans are skipped rather than trusted
        if start > pos:
            out.append({"text": text[pos:start], "label": None})
        out.append({"text": text[start:end], "label": label})
        pos = end
    if pos < len(text):
        out.append({"text": text[pos:], "label": None})
    return out


def first_quote(text: str, parts: dict[str, dict[str, Any]], label: str, limit: int = 160) -> str:
    spans = parts.get(label, {}).get("spans", [])
    if not spans:
        return ""
    start, end = spans[0]
    quote = text[start:end].strip()
    return quote if len(quote) <= limit else quote[: limit - 1].rstrip() + "…"


def star_view(entry: dict[str, Any]) -> dict[str, Any]:
    text, parts = entry["text"], entry["parts"]
    return {
        "present": {label: parts[label]["present"] for label in LABELS},
        "quotes": {label: first_quote(text, parts, label) for label in LABELS if parts[label]["present"]},
        "segments": segments(text, parts),
        "quantified": entry["quantified"],
        "quantities": entry["quantities"][:5],
        "reflection": entry["reflection"],
        "i_count": entry["i_count"],
        "we_count": entry["we_count"],
        "ownership": entry["ownership"],
        "words": entry["words"],
        "probe": entry.get("probe"),
        "missing_before_probe": entry.get("missing_before_probe"),
        "letters": LETTER,
    }
