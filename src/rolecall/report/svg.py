"""Inline SVG plots (no network, no JS): dimension profile, radar, item heatmap, forest plot,
D-study curves, ablation effect heatmap, score over the turns of a session.

All labels pass through ``html.escape``; the returned strings are safe to embed.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

W = 640


def _x(v: float, lo: float, hi: float, left: int, width: int) -> float:
    return left + (v - lo) / (hi - lo) * width


def profile(rows: list[dict[str, Any]], scale: dict[str, Any]) -> str:
    """Rows: name, mean, ci_low, ci_high, optional expected (low, high). Dot + interval bar."""
    lo, hi = scale["min"], scale["max"]
    left, width, row_h = 190, 400, 34
    h = 50 + row_h * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" class="plot" '
        f'aria-label="Dimension profile">'
    ]
    for tick in range(lo, hi + 1):
        x = _x(tick, lo, hi, left, width)
        parts.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{h - 25}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{h - 8}" class="tick">{tick}</text>')
    parts.append(f'<text x="{left}" y="14" class="pole">{escape(str(scale["low_label"]))}</text>')
    parts.append(
        f'<text x="{left + width}" y="14" class="pole end">{escape(str(scale["high_label"]))}</text>'
    )
    for i, r in enumerate(rows):
        y = 40 + i * row_h
        parts.append(f'<text x="{left - 10}" y="{y + 4}" class="label end">{escape(r["name"])}</text>')
        exp = r.get("expected")
        if exp:
            x1, x2 = _x(exp[0], lo, hi, left, width), _x(exp[1], lo, hi, left, width)
            parts.append(
                f'<rect x="{x1:.1f}" y="{y - 10}" width="{max(x2 - x1, 2):.1f}" '
                'height="20" class="expected"/>'
            )
        if r.get("ci_low") is not None:
            x1, x2 = _x(r["ci_low"], lo, hi, left, width), _x(r["ci_high"], lo, hi, left, width)
            parts.append(f'<line x1="{x1:.1f}" y1="{y}" x2="{x2:.1f}" y2="{y}" class="ci"/>')
        if r.get("mean") is not None:
            parts.append(
                f'<circle cx="{_x(r["mean"], lo, hi, left, width):.1f}" cy="{y}" r="6" class="dot"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def radar(rows: list[dict[str, Any]], scale: dict[str, Any]) -> str:
    lo, hi = scale["min"], scale["max"]
    n = len(rows)
    cx, cy, rad = W / 2, 190, 140
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} 380" role="img" class="plot" '
        f'aria-label="Dimension radar">'
    ]

    def point(k: int, v: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * k / n
        r = rad * (v - lo) / (hi - lo)
        return cx + r * math.cos(a), cy + r * math.sin(a)

    for level in range(lo, hi + 1):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, level) for k in range(n)))
        parts.append(f'<polygon points="{pts}" class="grid-poly"/>')
    for k, r in enumerate(rows):
        x, y = point(k, hi + 0.55 * (hi - lo) / 4)
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" class="label mid">{escape(r["name"])}</text>')
    means = [r["mean"] if r.get("mean") is not None else lo for r in rows]
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, v) for k, v in enumerate(means)))
    parts.append(f'<polygon points="{pts}" class="shape"/>')
    parts.append("</svg>")
    return "".join(parts)


def _colour(v: float | None, lo: float, hi: float) -> str:
    if v is None:
        return "#eeeeee"
    t = (v - lo) / (hi - lo)
    # blue (low pole) -> white -> orange (high pole)
    if t < 0.5:
        k = t * 2
        r, g, b = 60 + 195 * k, 110 + 145 * k, 200 + 55 * k
    else:
        k = (t - 0.5) * 2
        r, g, b = 255, 255 - 110 * k, 255 - 200 * k
    return f"rgb({r:.0f},{g:.0f},{b:.0f})"


def heatmap(
    items: list[str],
    dims: list[tuple[str, str]],
    values: dict[str, dict[str, float | None]],
    scale: dict[str, Any],
) -> str:
    """Items (rows) × dimensions (columns), cell colour = item mean on that dimension."""
    lo, hi = scale["min"], scale["max"]
    left, top, cw, ch = 230, 96, 78, 20
    w = left + cw * len(dims) + 90
    h = top + ch * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="plot" '
        f'aria-label="Per-item heatmap">'
    ]
    for j, (_did, name) in enumerate(dims):
        x = left + j * cw + cw / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top - 8}" class="label mid small" '
            f'transform="rotate(-25 {x:.1f} {top - 8})">{escape(name)}</text>'
        )
    for i, item in enumerate(items):
        y = top + i * ch
        parts.append(f'<text x="{left - 6}" y="{y + 14}" class="label end small">{escape(item)}</text>')
        for j, (did, _name) in enumerate(dims):
            v = values.get(item, {}).get(did)
            if item in values and did in values[item]:
                parts.append(
                    f'<rect x="{left + j * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                    f'fill="{_colour(v, lo, hi)}"><title>{escape(item)} · {escape(did)}: '
                    f"{'unscored' if v is None else f'{v:.2f}'}</title></rect>"
                )
                if v is not None:
                    parts.append(
                        f'<text x="{left + j * cw + cw / 2:.1f}" y="{y + 14}" class="cell">{v:.1f}</text>'
                    )
    parts.append("</svg>")
    return "".join(parts)


def forest(rows: list[dict[str, Any]], span: float) -> str:
    """Rows: name, diff, ci_low, ci_high, p_holm. A zero line and one interval per dimension."""
    left, width, row_h = 190, 380, 30
    h = 40 + row_h * len(rows)
    lo, hi = -span, span
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" class="plot" '
        f'aria-label="Forest plot of differences">'
    ]
    x0 = _x(0, lo, hi, left, width)
    parts.append(f'<line x1="{x0:.1f}" y1="10" x2="{x0:.1f}" y2="{h - 20}" class="zero"/>')
    for tick in (lo, lo / 2, hi / 2, hi):
        x = _x(tick, lo, hi, left, width)
        parts.append(f'<text x="{x:.1f}" y="{h - 5}" class="tick">{tick:+.1f}</text>')
    for i, r in enumerate(rows):
        y = 25 + i * row_h
        parts.append(f'<text x="{left - 10}" y="{y + 4}" class="label end">{escape(r["name"])}</text>')
        if r.get("ci_low") is not None:
            x1 = _x(max(lo, r["ci_low"]), lo, hi, left, width)
            x2 = _x(min(hi, r["ci_high"]), lo, hi, left, width)
            parts.append(f'<line x1="{x1:.1f}" y1="{y}" x2="{x2:.1f}" y2="{y}" class="ci"/>')
        if r.get("diff") is not None:
            x = _x(max(lo, min(hi, r["diff"])), lo, hi, left, width)
            parts.append(f'<rect x="{x - 5:.1f}" y="{y - 5}" width="10" height="10" class="dot"/>')
        p = r.get("p_holm")
        parts.append(
            f'<text x="{left + width + 8}" y="{y + 4}" class="label small">'
            f"{'p=—' if p is None else f'p={p:.3g}'}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def dstudy(curves: list[dict[str, Any]], target: float = 0.8) -> str:
    """Projected G (0–1) against the number of items (log axis), one line per dimension, with
    the target as a dashed line and each dimension's run size marked."""
    left, width, top, height = 60, 420, 20, 220
    xs = [p[0] for c in curves for p in c["points"]] or [1, 2]
    lo, hi = math.log(min(xs)), math.log(max(max(xs), min(xs) + 1))

    def px(n: float) -> float:
        return left + (math.log(n) - lo) / (hi - lo) * width

    def py(g: float) -> float:
        return top + (1 - g) * height

    h = top + height + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" class="plot" '
        'aria-label="Projected G coefficient by number of items">'
    ]
    for g in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(
            f'<line x1="{left}" y1="{py(g):.1f}" x2="{left + width}" y2="{py(g):.1f}" class="grid"/>'
        )
        parts.append(f'<text x="{left - 8}" y="{py(g) + 4:.1f}" class="tick end">{g:.1f}</text>')
    parts.append(
        f'<line x1="{left}" y1="{py(target):.1f}" x2="{left + width}" y2="{py(target):.1f}" class="target"/>'
    )
    for n in sorted(set(xs)):
        parts.append(f'<text x="{px(n):.1f}" y="{top + height + 18}" class="tick">{n}</text>')
    parts.append(f'<text x="{left + width / 2:.1f}" y="{h - 4}" class="tick">items per dimension</text>')
    for k, c in enumerate(curves):
        pts = " ".join(f"{px(n):.1f},{py(g):.1f}" for n, g in c["points"] if g is not None)
        parts.append(f'<polyline points="{pts}" class="series s{k % 8}" fill="none"/>')
        run = [(n, g) for n, g in c["points"] if n == c["run_items"] and g is not None]
        if run:
            parts.append(
                f'<circle cx="{px(run[0][0]):.1f}" cy="{py(run[0][1]):.1f}" r="4" class="dot s{k % 8}"/>'
            )
        tx, ty, name = left + width + 10, top + 14 + 16 * k, escape(c["name"])
        parts.append(f'<text x="{tx}" y="{ty}" class="label s{k % 8}">{name}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _diverging(v: float | None, limit: float) -> str:
    """Blue for a negative effect, white for none, orange for a positive one (±limit saturates)."""
    if v is None:
        return "#eeeeee"
    return _colour(max(-limit, min(limit, v)), -limit, limit)


def effect_heatmap(
    rows: list[str],
    dims: list[tuple[str, str]],
    cells: list[dict[str, dict[str, Any]]],
    limit: float,
) -> str:
    """Variants (rows) × dimensions (columns), colour = effect (variant − full); a significant cell
    is outlined and starred. ``cells[i][dim]``: effect, ci_low, ci_high, p_holm, significant."""
    left, top, cw, ch = 300, 80, 86, 26
    w = max(left + cw * len(dims) + 110, 560)
    h = top + ch * len(rows) + 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" class="plot heat" aria-label="Effect of each variant on each dimension">'
    ]
    for j, (_did, name) in enumerate(dims):
        x = left + j * cw + 14
        parts.append(
            f'<text x="{x:.1f}" y="{top - 8}" class="label small" '
            f'transform="rotate(-25 {x:.1f} {top - 8})">{escape(name)}</text>'
        )
    for i, label in enumerate(rows):
        y = top + i * ch
        parts.append(f'<text x="{left - 8}" y="{y + 17}" class="label end small">{escape(label)}</text>')
        for j, (did, name) in enumerate(dims):
            c = cells[i].get(did) or {}
            v = c.get("effect")
            sig = bool(c.get("significant"))
            ci = "" if c.get("ci_low") is None else f" [{c['ci_low']:+.2f}, {c['ci_high']:+.2f}]"
            p = "" if c.get("p_holm") is None else f", p (Holm) {c['p_holm']:.3g}"
            tip = f"{label} · {name}: {'no data' if v is None else f'{v:+.2f}'}{ci}{p}"
            mark = ' class="sig"' if sig else ""
            parts.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 3}" height="{ch - 3}" '
                f'fill="{_diverging(v, limit)}" stroke="#d9dee7"{mark}><title>{escape(tip)}</title></rect>'
            )
            if v is not None:
                parts.append(
                    f'<text x="{left + j * cw + (cw - 3) / 2:.1f}" y="{y + 17}" class="cell">'
                    f"{v:+.2f}{' ★' if sig else ''}</text>"
                )
    ly = top + ch * len(rows) + 22
    parts.append(
        f'<text x="10" y="{ly}" class="label small">colour: effect from −{limit:g} (blue) to '
        f"+{limit:g} (orange); ★ outlined: significant after Holm</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def drift(
    name: str,
    points: list[dict[str, Any]],
    scale: dict[str, Any],
    turns: int,
    *,
    expected: list[float] | None = None,
    line: tuple[float, float] | None = None,
    marks: list[int] | None = None,
) -> str:
    """Score against session turn for one dimension: the expected range shaded, each judged
    turn's mean (a dot) with the lowest-to-highest session (a bar), the fitted slope (a dashed
    line), and ``marks`` (e.g. the pressure turn) as thin verticals."""
    lo, hi = scale["min"], scale["max"]
    left, width, top, height = 40, 470, 26, 150
    h = top + height + 40

    def px(t: float) -> float:
        return left + (t - 1) / max(turns - 1, 1) * width

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" class="plot" '
        f'aria-label="{escape(name)}: score over the turns of the session">',
        f'<text x="{left}" y="16" class="label">{escape(name)}</text>',
    ]
    if expected:
        y1, y2 = py(min(hi, expected[1])), py(max(lo, expected[0]))
        parts.append(
            f'<rect x="{left}" y="{y1:.1f}" width="{width}" height="{max(y2 - y1, 2):.1f}" class="expected"/>'
        )
    for v in range(lo, hi + 1):
        parts.append(
            f'<line x1="{left}" y1="{py(v):.1f}" x2="{left + width}" y2="{py(v):.1f}" class="grid"/>'
        )
        parts.append(f'<text x="{left - 8}" y="{py(v) + 4:.1f}" class="tick end">{v}</text>')
    parts.append(f'<text x="4" y="{top + 8}" class="pole small">{escape(str(scale["high_label"]))}</text>')
    parts.append(
        f'<text x="4" y="{top + height}" class="pole small">{escape(str(scale["low_label"]))}</text>'
    )
    for t in marks or []:
        parts.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" y2="{top + height}" class="zero"/>')
    step = max(1, turns // 12)
    for t in range(1, turns + 1, step):
        parts.append(f'<text x="{px(t):.1f}" y="{top + height + 16}" class="tick">{t}</text>')
    parts.append(f'<text x="{left + width / 2:.1f}" y="{h - 4}" class="tick">turn</text>')
    if line is not None:
        a, b = line
        ya, yb = (max(lo, min(hi, a + b * t)) for t in (1, turns))
        x1, x2 = px(1), px(turns)
        parts.append(
            f'<line x1="{x1:.1f}" y1="{py(ya):.1f}" x2="{x2:.1f}" y2="{py(yb):.1f}" class="target"/>'
        )
    for p in points:
        if p.get("mean") is None:
            continue
        x = px(p["turn"])
        if p.get("low") is not None and p["high"] != p["low"]:
            y1, y2 = py(p["low"]), py(p["high"])
            parts.append(f'<line x1="{x:.1f}" y1="{y1:.1f}" x2="{x:.1f}" y2="{y2:.1f}" class="ci"/>')
        tip = f"turn {p['turn']}: {p['mean']:.2f} (n = {p['n']})"
        y = py(p["mean"])
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="dot"><title>{escape(tip)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)
