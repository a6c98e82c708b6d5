"""``releases/index.html``: the public index of every release, rebuilt from the release directories.

Static and self-contained: inline CSS and inline SVG, one small script of the site (the search box,
``site_pages``), no web fonts, no CDN, and only relative links to files that exist under ``releases/`` (the favicon is an empty ``data:`` url so
a browser does not ask the server for one). Everything shown comes from the releases themselves
(``datapackage.json``, ``SHA256SUMS``, the CSVs), so the page always matches what can be downloaded,
except who was expected to report: the warehouse's roster, counted only against reports in the
releases (``site_coverage``). Text from the data is HTML-escaped: titles and names come from
scraped pages.

The chart: for the catalogued indicators that the most issuers report in consecutive years, one
small line chart each, values taken from each year's latest ``metric_yoy.csv`` (the warehouse's
one-value-per-issuer-and-year rule, with both years' provenance in the CSV).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from html import escape
from pathlib import Path

from flows.core import layout
from flows.core.atomic import write_atomic
from flows.publish.site_data import read_site_data
from flows.publish.site_pages import CSS as SITE_CSS
from flows.publish.site_pages import home_sections, write_site
from flows.publish.versions import latest_version, read_sums, versions

CHARTS_SHOWN = 3
LINES_PER_CHART = 6
COLORS = ("#1f6fb2", "#d1495b", "#2e933c", "#edae49", "#6c4f9e", "#00798c")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 440, 220, 64, 16, 16, 34

CSS = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:0 auto;max-width:1080px;padding:1.5rem;color:#1d232a;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.en{color:#57606a;font-weight:normal}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #e5e9ee;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}code{font-size:.75rem;word-break:break-all}
.release{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.chart{flex:0 1 460px}
.chart svg{background:#fbfcfd;border:1px solid #e5e9ee}
.legend{font-size:.8rem;list-style:none;padding:0}.legend li{display:inline-block;margin-right:1rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.latest{background:#ddf4ff;border-radius:4px;padding:0 .4rem;font-size:.8rem}
"""


def write_index(releases_dir: Path, warehouse_dir: Path | None = None) -> Path:
    """``releases/index.html`` and the site under ``releases/site/`` (``site_pages``); the warehouse, when
    given, tells who was expected to report (its ``coverage`` view)."""
    releases_dir = Path(releases_dir)
    data = read_site_data(releases_dir, warehouse_dir)
    write_site(releases_dir, data)
    path = releases_dir / layout.INDEX_PAGE
    write_atomic(path, render_index(releases_dir, data).encode("utf-8"), mode=0o644)
    return path


def _read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def release_list(releases_dir: Path) -> list[dict]:
    """Every published version, newest year first and newest version first within a year."""
    found = []
    year_dirs = sorted(
        (p for p in releases_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name), reverse=True
    )
    for year_dir in year_dirs:
        newest = latest_version(year_dir)
        for version in reversed(versions(year_dir)):
            directory = year_dir / version
            package = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
            sums = read_sums(directory)
            files = [
                {"name": name, "bytes": (directory / name).stat().st_size, "sha256": sums.get(name)}
                for name in sorted(list(sums) + [layout.CHECKSUMS])
            ]
            found.append(
                {
                    "year": int(year_dir.name),
                    "version": version,
                    "dir": directory,
                    "href": f"{year_dir.name}/{version}/",
                    "package": package,
                    "files": files,
                    "is_latest": version == newest,
                }
            )
    return found


def chart_series(releases_dir: Path, releases: list[dict]) -> list[dict]:
    """``[{"metric_code", "name_zh", "name_en", "unit", "lines": [{"label", "points": {year: value}}]}]``."""
    values: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    previous: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    labels: dict[str, str] = {}
    catalog: dict[str, dict] = {}
    units: dict[str, str] = {}
    for release in (r for r in releases if r["is_latest"]):
        directory = release["dir"]
        for doc in _read_csv(directory / "documents.csv"):
            if doc.get("issuer_id"):
                labels.setdefault(doc["issuer_id"], doc.get("region_name") or _issuer_names(doc) or doc["issuer_id"])
        for entry in _read_csv(directory / "metric_catalog.csv"):
            catalog.setdefault(entry["metric_code"], entry)
        for row in _read_csv(directory / "metric_yoy.csv"):
            code, issuer = row["metric_code"], row["issuer_id"]
            if row.get("unit"):  # the unit the values are in (the catalog's: metric_yoy converts to it)
                units.setdefault(code, row["unit"])
            if not row.get("value"):  # ambiguous: several values and no rule to combine them
                continue
            values[code][issuer][int(row["report_year"])] = float(row["value"])
            if row.get("prev_year") and row.get("prev_value"):
                previous[code][issuer][int(row["prev_year"])] = float(row["prev_value"])
    charts = []
    for code in values:
        lines = []
        for issuer in values[code]:
            points = {**previous[code][issuer], **values[code][issuer]}  # a year's own release wins
            if len(points) >= 2:
                lines.append({"label": labels.get(issuer, issuer), "points": dict(sorted(points.items()))})
        if lines:
            lines.sort(key=lambda line: (-len(line["points"]), line["label"]))
            entry = catalog.get(code, {})
            charts.append(
                {
                    "metric_code": code,
                    "name_zh": entry.get("name_zh", code),
                    "name_en": entry.get("name_en", code),
                    "unit": units.get(code) or entry.get("unit", ""),
                    "lines": lines[:LINES_PER_CHART],
                    "issuers": len(lines),
                }
            )
    charts.sort(key=lambda c: (-c["issuers"], c["metric_code"]))
    return charts[:CHARTS_SHOWN]


def _issuer_names(doc: dict) -> str:
    try:
        return " ".join(json.loads(doc.get("issuers") or "[]"))
    except ValueError:
        return ""


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def render_chart(chart: dict) -> str:
    years = sorted({y for line in chart["lines"] for y in line["points"]})
    top = max(v for line in chart["lines"] for v in line["points"].values())
    low = min(0.0, min(v for line in chart["lines"] for v in line["points"].values()))
    top = top if top > low else low + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(year: int) -> float:
        return LEFT + (plot_w / 2 if len(years) == 1 else plot_w * (year - years[0]) / (years[-1] - years[0]))

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (top - low))

    unit = escape(chart["unit"] or "")
    title = f"{escape(chart['name_zh'])} / {escape(chart['name_en'])}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{title}">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#8c959f"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#8c959f"/>',
    ]
    for value in (low, (low + top) / 2, top):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">'
            f"{_number(value)}</text>"
        )
        parts.append(
            f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" stroke="#eef1f4"/>'
        )
    for year in years:
        parts.append(
            f'<text x="{x(year):.1f}" y="{HEIGHT - 12}" font-size="11" text-anchor="middle" fill="#57606a">{year}</text>'
        )
    for color, line in zip(COLORS, chart["lines"]):
        points = " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in line["points"].items())
        parts.append(f'<polyline class="series" points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for yr, v in line["points"].items():
            parts.append(
                f'<circle class="mark" cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(line['label'])} {yr}: {_number(v)} {unit}</title></circle>"
            )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{color}"></span>{escape(line["label"])}</li>'
        for color, line in zip(COLORS, chart["lines"])
    )
    return (
        f'<figure class="chart" data-metric-code="{escape(chart["metric_code"])}"><figcaption><strong>{title}</strong>'
        f'（{unit or "—"}）</figcaption>{"".join(parts)}<ul class="legend">{legend}</ul></figure>'
    )


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def render_release(release: dict) -> str:
    package, href = release["package"], release["href"]
    coverage = package.get("x-coverage", {})
    badge = ' <span class="latest">最新 / latest</span>' if release["is_latest"] else ""
    rows = "".join(
        f'<tr><td><a href="{escape(href + f["name"])}">{escape(f["name"])}</a></td>'
        f'<td class="num">{_size(f["bytes"])}</td><td><code>{escape(f["sha256"] or "—")}</code></td></tr>'
        for f in release["files"]
    )
    return (
        f'<section class="release" id="v{escape(release["version"])}">'
        f"<h4>{escape(release['version'])}{badge}</h4>"
        f"<p>发布时间 / Created: {escape(str(package.get('created')))} · "
        f"报告 / reports: {coverage.get('documents', '—')} · 发布机关 / issuers: {coverage.get('issuers', '—')} · "
        f"指标 / metrics: {coverage.get('metrics_rows', '—')} · 同比 / YoY rows: {coverage.get('metric_yoy_rows', '—')}</p>"
        f'<p><a href="{escape(href)}README.md">说明 / README</a> · <a href="{escape(href)}CHANGELOG.md">变更记录 / Changelog</a> · '
        f'<a href="{escape(href)}datapackage.json">datapackage.json</a> · <a href="{escape(href)}SHA256SUMS">SHA256SUMS</a></p>'
        f"<table><thead><tr><th>文件 / File</th><th>大小 / Size</th><th>SHA-256</th></tr></thead><tbody>{rows}</tbody></table>"
        f"</section>"
    )


def render_index(releases_dir: Path, data=None) -> str:
    data = data if data is not None else read_site_data(releases_dir)
    releases = release_list(releases_dir)
    charts = chart_series(releases_dir, releases)
    chart_html = (
        ('<div class="charts">' + "".join(render_chart(c) for c in charts) + "</div>")
        if charts
        else (
            "<p>暂无同一发布机关连续两个年度的同一指标。 / No issuer reports the same indicator in two consecutive years yet.</p>"
        )
    )
    by_year: dict[int, list[dict]] = defaultdict(list)
    for release in releases:
        by_year[release["year"]].append(release)
    years_html = (
        "".join(
            f'<h3 id="y{year}">{year} 年度 / Report year {year}</h3>' + "".join(render_release(r) for r in items)
            for year, items in by_year.items()
        )
        or "<p>尚无发布。 / No releases yet.</p>"
    )
    latest_link = (
        f'<a href="{layout.LATEST}">{layout.LATEST}</a>' if (releases_dir / layout.LATEST).exists() else layout.LATEST
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>法治政府建设年度报告 开放数据 / Rule-of-law government reports: open data releases</title>
<style>{SITE_CSS}{CSS}</style>
</head>
<body>
<header>
<h1>法治政府建设年度报告 · 开放数据 <span class="en">/ Rule-of-law government reports · open data</span></h1>
<p>各级政府《法治政府建设情况报告》的文档、章节与数量指标，按报告年度发布为带版本号的 CSV（Frictionless Data Package，UTF-8 带 BOM）。每个版本不可更改，附校验和与变更记录；最新版本见 {latest_link}。</p>
<p class="en">Documents, sections and quantitative statements of Chinese governments' annual rule-of-law reports,
released per report year as versioned CSV (Frictionless Data Package, UTF-8 with BOM). Versions never change; each has
checksums and a changelog. The newest of each year: {latest_link}.</p>
</header>
<main>
{home_sections(data)}
<h2>指标趋势 <span class="en">/ Indicators over the years</span></h2>
{chart_html}
<h2>全部发布 <span class="en">/ All releases</span></h2>
{years_html}
</main>
<footer><p>许可 / License: 原始报告为国家机关官方文件（《著作权法》第五条）；整理成果以 CC BY 4.0 发布。 /
Official documents of state organs (Art. 5, PRC Copyright Law); the compilation is CC BY 4.0. 报告错误 / Report errors: see each README.</p></footer>
</body>
</html>
"""
