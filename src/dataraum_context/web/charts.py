"""Charts as inline SVG, built on the server (no script, nothing loaded).

Every text that comes from the data goes through `markupsafe.escape`; the functions
return `Markup` so that templates insert the SVG as is.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

_BAR = "#3b6ea8"
_MUTED = "#8a94a6"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def number(value: Any) -> str:
    """A number for people: thousands grouped, no exponent for everyday sizes, `–` for none."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.2f}"
    if abs(value) >= 1e-4:
        return f"{value:.4g}"
    return f"{value:.3g}"


def _label(value: Any, width: int = 18) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def histogram(buckets: list[dict[str, Any]] | None, width: int = 260, height: int = 70) -> Markup:
    """Vertical bars of `[{bucket, count}, ...]`; each bar has a tooltip with its range and count."""
    if not buckets:
        return Markup("")
    counts = [int(b.get("count") or 0) for b in buckets]
    top = max(counts) or 1
    step = width / len(buckets)
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height + 14}" viewBox="0 0 {width} {height + 14}">'
        f"<title>histogram</title>"
    ]
    for i, (bucket, count) in enumerate(zip(buckets, counts)):
        h = count / top * height
        parts.append(
            f'<rect x="{_num(i * step + 1)}" y="{_num(height - h)}" width="{_num(max(step - 2, 1))}" '
            f'height="{_num(h)}" fill="{_BAR}"><title>{escape(bucket.get("bucket"))}: {count}</title></rect>'
        )
    first, last = buckets[0], buckets[-1]
    parts.append(
        f'<text x="0" y="{height + 12}" font-size="10" fill="{_MUTED}">{escape(_label(number(first.get("lower"))))}</text>'
        f'<text x="{width}" y="{height + 12}" font-size="10" fill="{_MUTED}" text-anchor="end">'
        f"{escape(_label(number(last.get('upper'))))}</text></svg>"
    )
    return Markup("".join(parts))


def top_values(values: list[dict[str, Any]] | None, width: int = 260, limit: int = 8) -> Markup:
    """Horizontal bars of the most frequent values, labelled with the (escaped) value."""
    if not values:
        return Markup("")
    shown = values[:limit]
    top = max(int(v.get("count") or 0) for v in shown) or 1
    row = 16
    label_w = 120
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{row * len(shown)}" '
        f'viewBox="0 0 {width} {row * len(shown)}"><title>top values</title>'
    ]
    for i, item in enumerate(shown):
        count = int(item.get("count") or 0)
        w = count / top * (width - label_w - 40)
        y = i * row
        value = item.get("value")
        parts.append(
            f'<text x="{label_w - 4}" y="{y + 12}" font-size="10.5" text-anchor="end">{escape(_label(value, 15))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{_num(max(w, 1))}" height="{row - 6}" fill="{_BAR}">'
            f"<title>{escape(value)}: {count}</title></rect>"
            f'<text x="{_num(label_w + w + 4)}" y="{y + 12}" font-size="10" fill="{_MUTED}">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(points: list[float | None], width: int = 160, height: int = 36) -> Markup:
    """A score trend (0..1) across runs, oldest first; missing scores are skipped."""
    known = [(i, p) for i, p in enumerate(points) if p is not None]
    if not known:
        return Markup('<span class="muted">no scores yet</span>')
    n = max(len(points) - 1, 1)
    single = len(points) == 1

    def xy(i: int, p: float) -> str:
        x = width / 2 if single else 4 + i / n * (width - 8)
        return f"{_num(x)},{_num(height - 4 - p * (height - 8))}"

    line = " ".join(xy(i, p) for i, p in known)
    dots = "".join(
        f'<circle cx="{xy(i, p).split(",")[0]}" cy="{xy(i, p).split(",")[1]}" r="2.5" fill="{_BAR}">'
        f"<title>{p:.3f}</title></circle>"
        for i, p in known
    )
    return Markup(
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>quality trend</title>"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f6fa"/>'
        f'<polyline points="{line}" fill="none" stroke="{_BAR}" stroke-width="1.5"/>{dots}</svg>'
    )


def score_bar(value: float | None, width: int = 90, percent: bool = False) -> Markup:
    """A 0..1 score (or share, `percent`) as a small bar with its number."""
    if value is None:
        return Markup('<span class="muted">–</span>')
    v = min(max(float(value), 0.0), 1.0)
    color = "#2e8540" if v >= 0.95 else "#c7851b" if v >= 0.8 else "#b3261e"
    return Markup(
        f'<svg class="bar" width="{width}" height="10" viewBox="0 0 {width} 10" aria-hidden="true">'
        f'<rect width="{width}" height="10" fill="#e5e8ee"/><rect width="{_num(v * width)}" height="10" fill="{color}"/>'
        f"</svg> {f'{v * 100:.1f}%' if percent else f'{v:.3f}'}"
    )


_CARD = {"many-to-one": ("N", "1"), "one-to-one": ("1", "1"), "many-to-many": ("N", "M")}


def relationships(tables: list[str], rels: list[dict[str, Any]], link_prefix: str | None = None) -> Markup:
    """Tables on a circle, relationships as lines labelled with their cardinality at each end
    (child side first). Links to table pages when `link_prefix` is given."""
    if not tables:
        return Markup("")
    n = len(tables)
    box_w, box_h = 130, 28
    radius = 0 if n == 1 else max(120, n * 34)
    width = 2 * radius + box_w + 40
    height = 2 * radius + box_h + 40
    cx, cy = width / 2, height / 2
    pos = {}
    for i, name in enumerate(tables):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        pos[name] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    parts = [
        f'<svg class="diagram" role="img" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}"><title>relationships</title>'
    ]
    for rel in rels:
        a, b = rel.get("from_table"), rel.get("to_table")
        if a not in pos or b not in pos:
            continue
        (x1, y1), (x2, y2) = pos[a], pos[b]
        rejected = rel.get("status") == "rejected"
        dash = ' stroke-dasharray="4 3"' if rejected or rel.get("optional") else ""
        color = "#b3261e" if rejected else "#55607a"
        ends = _CARD.get(str(rel.get("cardinality")), ("?", "?"))
        label = (
            f"{escape(a)}.{escape(', '.join(rel.get('from_columns') or []))} → "
            f"{escape(b)}.{escape(', '.join(rel.get('to_columns') or []))} "
            f"({escape(rel.get('cardinality'))}, {escape(rel.get('status'))})"
        )
        parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{color}" '
            f'stroke-width="1.5"{dash}><title>{label}</title></line>'
        )
        for (xa, ya), (xb, yb), text in (((x1, y1), (x2, y2), ends[0]), ((x2, y2), (x1, y1), ends[1])):
            tx, ty = xa + (xb - xa) * 0.22, ya + (yb - ya) * 0.22
            parts.append(
                f'<circle cx="{_num(tx)}" cy="{_num(ty)}" r="8" fill="#fff" stroke="{color}"/>'
                f'<text x="{_num(tx)}" y="{_num(ty + 3.5)}" font-size="10" text-anchor="middle" fill="{color}">{text}</text>'
            )
    for name, (x, y) in pos.items():
        box = (
            f'<rect x="{_num(x - box_w / 2)}" y="{_num(y - box_h / 2)}" width="{box_w}" height="{box_h}" rx="5" '
            f'fill="#eef3fa" stroke="{_BAR}"/><text x="{_num(x)}" y="{_num(y + 4)}" font-size="12" '
            f'text-anchor="middle">{escape(_label(name, 18))}</text>'
        )
        if link_prefix is not None:
            box = f'<a href="{escape(link_prefix)}{escape(_url_part(name))}"><title>{escape(name)}</title>{box}</a>'
        parts.append(box)
    parts.append("</svg>")
    return Markup("".join(parts))


def _url_part(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
