"""The site's charts as static SVG, written by hand (no plotting library: the measurements that decided
it are in docs/DEVELOPING.md), and the table of numbers that follows each chart.

Every chart scales to its container (``viewBox``, width 100%), names itself (``role="img"`` and an
``aria-label``, zh first) and is followed by a ``<table>`` of exactly the numbers it draws, so the
numbers are accessible and copyable. Text from the data is HTML-escaped.
"""

from __future__ import annotations

import math
from html import escape

# The province tile grid: 2-digit GB/T 2260 code -> (short name, row, column); west to east, north to
# south, one tile per province-level unit (34), placed by hand.
PROVINCE_TILES = {
    "23": ("黑龙江", 0, 8),
    "65": ("新疆", 1, 1),
    "15": ("内蒙古", 1, 5),
    "22": ("吉林", 1, 8),
    "62": ("甘肃", 2, 3),
    "64": ("宁夏", 2, 4),
    "11": ("北京", 2, 6),
    "21": ("辽宁", 2, 7),
    "63": ("青海", 3, 2),
    "61": ("陕西", 3, 4),
    "14": ("山西", 3, 5),
    "13": ("河北", 3, 6),
    "12": ("天津", 3, 7),
    "54": ("西藏", 4, 1),
    "51": ("四川", 4, 3),
    "50": ("重庆", 4, 4),
    "41": ("河南", 4, 5),
    "37": ("山东", 4, 6),
    "53": ("云南", 5, 2),
    "52": ("贵州", 5, 3),
    "42": ("湖北", 5, 4),
    "34": ("安徽", 5, 5),
    "32": ("江苏", 5, 6),
    "31": ("上海", 5, 7),
    "45": ("广西", 6, 3),
    "43": ("湖南", 6, 4),
    "36": ("江西", 6, 5),
    "33": ("浙江", 6, 6),
    "46": ("海南", 7, 3),
    "44": ("广东", 7, 4),
    "35": ("福建", 7, 5),
    "71": ("台湾", 7, 7),
    "82": ("澳门", 8, 4),
    "81": ("香港", 8, 5),
}
SCALE = ("#eef1f4", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
ACCENT = "#1f6fb2"


def number(value: float) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _svg(width: int, height: int, label: str, body: list[str], css_class: str = "chart") -> str:
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def table(headers: list[str], rows: list[list], numeric: set[int] = frozenset(), caption: str = "") -> str:
    """An HTML table (cells already HTML where they are ``str`` starting with '<', else escaped)."""

    def cell(value, index: int) -> str:
        text = (
            value if isinstance(value, str) and value.startswith("<") else escape(str("—" if value is None else value))
        )
        return f'<td class="num">{text}</td>' if index in numeric else f"<td>{text}</td>"

    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(v, i) for i, v in enumerate(row)) + "</tr>" for row in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def count_step(n: int, top: int) -> int:
    """The colour step (index into ``SCALE``) of a count among counts up to ``top``: 0 only for none."""
    return 0 if not n else 1 + min(len(SCALE) - 2, int((len(SCALE) - 1) * n / (top + 1)))


def share_step(share: float | None) -> int:
    """The colour step of a share (0..1): 0 for none or unknown, then one step per fifth (0 < s < 20 %
    is step 1, 80 % to 100 % step 5)."""
    if not share:
        return 0
    return 1 + min(len(SCALE) - 2, int(share * (len(SCALE) - 1)))


def tile_map(cells: dict[str, dict], href: str, label: str) -> str:
    """34 province tiles, each a link to ``href`` + ``#p<code>``. ``cells``: province code -> ``{"step"``
    (colour, see ``count_step``/``share_step``), ``"text"`` (the tile's figure), ``"sub"`` (a smaller
    second line or ""), ``"title"`` (the tooltip)``}``; a province without a cell is grey with "—"."""
    size, gap = 46, 3
    body = []
    for code, (name, row, col) in PROVINCE_TILES.items():
        cell = cells.get(code) or {"step": 0, "text": "—", "sub": "", "title": f"{name}: —"}
        step = cell["step"]
        fill = SCALE[step]
        ink = "#ffffff" if step >= 4 else "#1d232a"
        x, y = col * (size + gap), row * (size + gap)
        sub = (
            f'<text x="{x + size / 2}" y="{y + 42}" font-size="8" text-anchor="middle" fill="{ink}">'
            f"{escape(cell['sub'])}</text>"
            if cell.get("sub")
            else ""
        )
        text_y = y + 31 if cell.get("sub") else y + 36
        body.append(
            f'<a href="{escape(href)}#p{code}"><rect class="tile" data-code="{code}" x="{x}" y="{y}" width="{size}" '
            f'height="{size}" rx="4" fill="{fill}"><title>{escape(cell["title"])}</title></rect>'
            f'<text x="{x + size / 2}" y="{y + 16}" font-size="11" text-anchor="middle" fill="{ink}">{escape(name[:3])}</text>'
            f'<text x="{x + size / 2}" y="{text_y}" font-size="11" font-weight="bold" text-anchor="middle" fill="{ink}">'
            f"{escape(cell['text'])}</text>{sub}</a>"
        )
    width, height = 9 * (size + gap), 9 * (size + gap)
    return _svg(width, height, label, body, css_class="chart map")


def legend(steps: list[str]) -> str:
    """A colour key: one swatch per ``SCALE`` step with its label (``steps``, grey first)."""
    return (
        '<p class="legend">'
        + " ".join(
            f'<span class="swatch" style="background:{color}"></span>{escape(text)}'
            for color, text in zip(SCALE, steps)
        )
        + "</p>"
    )


def bars(items: list[tuple[str, float]], label: str, suffix: str = "") -> str:
    """Horizontal bars, one per (label, value), in the given order; ``suffix`` follows each value."""
    row_h, left, width = 20, 120, 520
    top = max((v for _, v in items), default=0) or 1
    body = []
    for i, (name, value) in enumerate(items):
        y = i * row_h
        w = (width - left - 60) * value / top
        body.append(
            f'<text x="{left - 6}" y="{y + 14}" font-size="12" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{ACCENT}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="11">{number(value)}{escape(suffix)}</text>'
        )
    return _svg(width, max(row_h, row_h * len(items)), label, body)


def histogram(values: list[float], label: str, unit: str) -> tuple[str, list[tuple[float, float, int]]]:
    """The distribution of ``values`` in at most 12 bins (equal width, on a log scale when the values are
    positive and span more than two orders of magnitude); returns the SVG and its bins."""
    bins = _bins(values)
    width, height, left, bottom, top_pad = 560, 220, 40, 40, 12
    top = max((n for _, _, n in bins), default=0) or 1
    bar_w = (width - left - 10) / max(1, len(bins))
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#8c959f"/>']
    for i, (low, high, n) in enumerate(bins):
        h = (height - bottom - top_pad) * n / top
        x = left + i * bar_w
        body.append(
            f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{ACCENT}">'
            f"<title>{number(low)}–{number(high)} {escape(unit)}: {n}</title></rect>"
        )
        if n:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom - h - 3:.1f}" font-size="10" text-anchor="middle">{n}</text>'
            )
        if i % 2 == 0 or len(bins) <= 6:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle" '
                f'fill="#57606a">{number(low)}</text>'
            )
    body.append(
        f'<text x="{width / 2}" y="{height - 8}" font-size="11" text-anchor="middle" fill="#57606a">'
        f"数值 / value（{escape(unit or '—')}）</text>"
    )
    return _svg(width, height, label, body), bins


def _bins(values: list[float]) -> list[tuple[float, float, int]]:
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [(low, high, len(values))]
    count = max(1, min(12, len(set(values))))
    use_log = low > 0 and high / low > 100
    if use_log:
        edges = [10 ** (math.log10(low) + (math.log10(high) - math.log10(low)) * i / count) for i in range(count + 1)]
    else:
        edges = [low + (high - low) * i / count for i in range(count + 1)]
    counts = [0] * count
    for v in values:
        index = next((i for i in range(count) if v < edges[i + 1]), count - 1)
        counts[index] += 1
    return [(edges[i], edges[i + 1], counts[i]) for i in range(count)]


def median_line(points: list[tuple[int, float, int]], label: str, unit: str) -> str:
    """The median per year as a line, each point labelled with its value and ``n = issuers``."""
    width, height, left, right, top_pad, bottom = 560, 240, 56, 24, 28, 36
    years = [p[0] for p in points]
    top = max(p[1] for p in points) or 1
    plot_w, plot_h = width - left - right, height - top_pad - bottom

    def x(year: int) -> float:
        return left + (plot_w / 2 if len(years) == 1 else plot_w * (year - years[0]) / (years[-1] - years[0]))

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / top) if top else top_pad + plot_h

    body = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#8c959f"/>',
        f'<text x="{left - 6}" y="{y(top) + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">{number(top)}</text>',
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">0</text>',
    ]
    if len(points) > 1:
        coords = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v, _ in points)
        body.append(f'<polyline points="{coords}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for year, value, n in points:
        body.append(
            f'<circle class="mark" cx="{x(year):.1f}" cy="{y(value):.1f}" r="4" fill="{ACCENT}">'
            f"<title>{year}: {number(value)} {escape(unit)} (n={n})</title></circle>"
            f'<text x="{x(year):.1f}" y="{y(value) - 9:.1f}" font-size="11" text-anchor="middle">{number(value)}</text>'
            f'<text x="{x(year):.1f}" y="{height - 20}" font-size="11" text-anchor="middle" fill="#57606a">{year}</text>'
            f'<text x="{x(year):.1f}" y="{height - 6}" font-size="10" text-anchor="middle" fill="#57606a">n={n}</text>'
        )
    return _svg(width, height, label, body)
