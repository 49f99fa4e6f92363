"""Small pure-SVG charts for the HTML report: no library, no script, every label escaped."""

from __future__ import annotations

from html import escape
from collections.abc import Sequence

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")
SEVERITY_COLOUR = {"error": "#cf222e", "warning": "#d4a72c", "info": "#54aeff"}
WIDTH = 460


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}"


def hbar(items: Sequence[tuple], *, max_items: int = 15, label_width: int = 170, note: str = "",
         attr: str | None = None) -> str:
    """Horizontal bars: items are ``(label, value)`` or ``(label, value, colour)``, largest first.

    ``attr`` names a data attribute carrying the label (the report's JS uses it to filter by rule).
    """
    items = list(items)
    rest = items[max_items:]
    items = items[:max_items]
    if rest:
        items.append((f"{len(rest)} more", sum(float(it[1]) for it in rest), "#bbb"))
    top = max((float(it[1]) for it in items), default=0) or 1
    bar_h, gap = 18, 6
    height = len(items) * (bar_h + gap) + 4
    area = WIDTH - label_width - 70
    parts = []
    for i, it in enumerate(items):
        label, value = str(it[0]), float(it[1])
        colour = it[2] if len(it) > 2 else PALETTE[0]
        y = 2 + i * (bar_h + gap)
        w = max(1.0, area * value / top) if value > 0 else 0
        data = f' data-{attr}="{escape(label)}" class="tl-bar-link"' if attr and not (rest and i == len(items) - 1) else ""
        parts.append(
            f'<g{data}><title>{escape(label)}: {_num(value)}</title>'
            f'<text x="{label_width - 6}" y="{y + bar_h - 5}" text-anchor="end">{escape(_short(label, max(8, label_width // 7)))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{escape(colour)}"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 5}">{_num(value)}{escape(note)}</text></g>')
    return (f'<svg class="tl-svg" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')


def histogram(edges: Sequence[float], counts: Sequence[float], *, unit: str = "") -> str:
    """Vertical bars between ``edges`` (len(counts) + 1 of them)."""
    n = len(counts)
    height, base, left = 170, 140, 40
    area = WIDTH - left - 10
    top = max((float(c) for c in counts), default=0) or 1
    bw = area / max(n, 1)
    parts = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#999"/>',
             f'<text x="{left - 4}" y="12" text-anchor="end">{_num(top)}</text>',
             f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>']
    for i, c in enumerate(counts):
        h = (base - 10) * float(c) / top
        x = left + i * bw
        lo, hi = edges[i], edges[i + 1]
        parts.append(f'<rect x="{x + 0.5:.1f}" y="{base - h:.1f}" width="{max(bw - 1, 0.5):.1f}" height="{h:.1f}" '
                     f'fill="{PALETTE[0]}"><title>{_num(lo)}–{_num(hi)}{escape(unit)}: {_num(c)}</title></rect>')
    for i in sorted({0, n // 2, n}):
        # the last label ends at the axis end, so it is never cut off by the frame
        anchor = "end" if i == n and n else ("start" if i == 0 else "middle")
        parts.append(f'<text x="{left + i * bw:.1f}" y="{base + 16}" text-anchor="{anchor}">{_num(edges[i])}</text>')
    if unit:
        parts.append(f'<text x="{WIDTH - 10}" y="{base + 30}" text-anchor="end">{escape(unit.strip())}</text>')
    return (f'<svg class="tl-svg" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')


def stacked(rows: Sequence[tuple[str, dict]], *, max_labels: int = 9) -> str:
    """One 100% bar per row (a split), a segment per label, with a legend."""
    totals: dict[str, float] = {}
    for _name, counts in rows:
        for k, v in counts.items():
            totals[str(k)] = totals.get(str(k), 0) + float(v)
    labels = sorted(totals, key=lambda k: -totals[k])
    keep = labels[:max_labels]
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keep)}
    label_width, bar_h, gap = 130, 20, 8
    area = WIDTH - label_width - 10
    parts = []
    for i, (name, counts) in enumerate(rows):
        y = 2 + i * (bar_h + gap)
        counts = {str(k): float(v) for k, v in counts.items()}
        total = sum(counts.values()) or 1
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_h - 6}" text-anchor="end">'
                     f'{escape(_short(name, label_width // 7))}<title>{escape(str(name))}</title></text>')
        x = float(label_width)
        segs = [(k, counts.get(k, 0.0)) for k in keep]
        other = total - sum(v for _k, v in segs)
        if other > 0.5:
            segs.append(("other", other))
        for k, v in segs:
            w = area * v / total
            if w <= 0:
                continue
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{colour.get(k, "#bbb")}"><title>{escape(str(name))} · {escape(k)}: {_num(v)} '
                         f'({100 * v / total:.1f}%)</title></rect>')
            x += w
    y = 2 + len(rows) * (bar_h + gap) + 6
    lx = 4.0
    for k in keep + (["other"] if len(labels) > len(keep) else []):
        text = _short(k, 14)
        if lx + 20 + 7 * len(text) > WIDTH:
            lx, y = 4.0, y + 18
        parts.append(f'<rect x="{lx:.0f}" y="{y}" width="10" height="10" fill="{colour.get(k, "#bbb")}"/>'
                     f'<text x="{lx + 14:.0f}" y="{y + 9}">{escape(text)}</text>')
        lx += 24 + 7 * len(text)
    height = y + 16
    return (f'<svg class="tl-svg" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')

