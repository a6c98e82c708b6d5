"""The static site under ``releases/site/``, rebuilt with every publish: one page per report year, per
indicator and per issuer, the search index and its script; and the home page's coverage map and search
box (``releases/index.html`` keeps its release list, see ``index_page``).

Static and self-contained: works from ``file://`` and any static host. Inline CSS, no web font, no
request outside the site; the only script (``site/search.js``, plain JavaScript, under 2 KB) loads the
issuer index (``site/search-index.js``, JSON wrapped in one assignment so that ``file://`` can load it
without ``fetch``) when the search box is first used. Every link is relative. Bilingual, zh first;
tables scroll sideways on a phone (390 px).

Coverage (the map, a year's coverage and timeliness, an issuer's roster rows): ``site_coverage_pages``.
"""

from __future__ import annotations

import json
import shutil
from html import escape
from pathlib import Path

from flows.publish.site_charts import histogram, median_line, number, table
from flows.publish.site_coverage_pages import home_map, issuer_roster, year_coverage
from flows.publish.site_data import SiteData, median_by_year

SITE_DIR = "site"

CSS = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:0 auto;max-width:1080px;padding:1rem;color:#1d232a;line-height:1.5}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{margin-top:1.8rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem;font-size:1.2rem}
.en{color:#57606a;font-weight:normal}nav{font-size:.9rem;margin-bottom:.5rem}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1rem}
caption{text-align:left;font-size:.8rem;color:#57606a}
th,td{border-bottom:1px solid #e5e9ee;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}code{font-size:.75rem;word-break:break-all}
svg.chart{width:100%;max-width:600px;height:auto;display:block;background:#fbfcfd;border:1px solid #e5e9ee}
svg.map{max-width:460px}.legend{font-size:.8rem;color:#57606a}
#search{width:100%;max-width:420px;font-size:1rem;padding:.4rem}#results{list-style:none;padding:0}
.release{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.chart{flex:0 1 460px}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.latest{background:#ddf4ff;border-radius:4px;padding:0 .4rem;font-size:.8rem}
"""

SEARCH_JS = """(function(){
var box=document.getElementById('search'),out=document.getElementById('results');
if(!box||!out)return;var base=box.getAttribute('data-base')||'';var loading=false;
function show(){var q=box.value.trim().toLowerCase();out.textContent='';
if(!q||!window.FAZHI_ISSUERS)return;var n=0;
for(var i=0;i<window.FAZHI_ISSUERS.length&&n<20;i++){var e=window.FAZHI_ISSUERS[i];
if((e[0]+' '+e[1]+' '+e[2]).toLowerCase().indexOf(q)<0)continue;n++;
var li=document.createElement('li'),a=document.createElement('a');a.href=base+e[3];
a.textContent=e[0]+(e[1]?'（'+e[1]+'）':'');li.appendChild(a);out.appendChild(li);}
if(!n){var li=document.createElement('li');li.textContent='无结果 / no match';out.appendChild(li);}}
function load(){if(window.FAZHI_ISSUERS||loading)return;loading=true;var s=document.createElement('script');
s.src=base+'search-index.js';s.onload=show;document.head.appendChild(s);}
box.addEventListener('focus',load);box.addEventListener('input',function(){load();show();});
})();
"""


def page(title: str, body: str, *, root: str) -> str:
    """A whole page; ``root`` is the relative path from the page to ``releases/``."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<nav><a href="{root}index.html">首页 / Home</a></nav>
{body}
<footer><p class="legend">数据来自各级政府公开发布的报告，按原文整理；见每个版本的 README。 / Data as published by the governments;
see each release's README.</p></footer>
</body>
</html>
"""


def _issuer_link(data: SiteData, issuer_id: str | None, root: str, label: str | None = None) -> str:
    if not issuer_id or issuer_id not in data.issuers:
        return escape(label or "（未确定 / unresolved）")
    entry = data.issuers[issuer_id]
    return f'<a href="{root}{SITE_DIR}/issuer/{entry["slug"]}.html">{escape(label or entry["name"])}</a>'


def _indicator_link(data: SiteData, code: str, root: str) -> str:
    entry = data.indicators[code]
    return (
        f'<a href="{root}{SITE_DIR}/indicator/{entry["slug"]}.html">{escape(entry["name_zh"])}</a> '
        f'<span class="en">{escape(entry["name_en"])}</span>'
    )


# -- home ---------------------------------------------------------------------------------------------------


def home_sections(data: SiteData) -> str:
    """The map of the latest year and the search box, for ``releases/index.html``."""
    if not data.years:
        return ""
    year = data.years[-1]
    years = " · ".join(f'<a href="{SITE_DIR}/year/{y}.html">{y}</a>' for y in reversed(data.years))
    indicators = " · ".join(_indicator_link(data, code, "") for code in sorted(data.indicators))
    return f"""<h2>覆盖情况 <span class="en">/ Coverage, {year}</span></h2>
{home_map(data, year)}
<p>年度 / Years: {years}</p>
<p>指标 / Indicators: {indicators or "—"}</p>
<h2>查找发布机关 <span class="en">/ Find an issuer</span></h2>
<input id="search" type="search" data-base="{SITE_DIR}/" placeholder="输入名称，如 南昌县 / type a name" aria-label="查找发布机关 / find an issuer">
<ul id="results"></ul>
<script src="{SITE_DIR}/search.js"></script>
"""


# -- a year --------------------------------------------------------------------------------------------------


def year_page(data: SiteData, year: int) -> str:
    root = "../../"
    reports = [r for r in data.reports if r["year"] == year]
    issuers = {r["issuer_id"] for r in reports if r["issuer_id"]}
    indicator_rows = []
    for code in sorted(data.indicators):
        vs = [points[year] for points in data.values[code].values() if year in points]
        if vs:
            vs.sort()
            median = vs[len(vs) // 2] if len(vs) % 2 else (vs[len(vs) // 2 - 1] + vs[len(vs) // 2]) / 2
            indicator_rows.append(
                [_indicator_link(data, code, root), len(vs), number(median), escape(data.indicators[code]["unit"])]
            )
    report_rows = [
        [
            _issuer_link(data, r["issuer_id"], root, r["issuer"]),
            escape(r["region_name"] or "—"),
            escape(r["region_level"] or "—"),
            escape(r["publish_date"] or "—"),
            f'<a href="{escape(r["url"])}">{escape(r["title"] or r["url"])}</a>'
            if r["url"]
            else escape(r["title"] or "—"),
        ]
        for r in reports
    ]
    facts_note = (
        ""
        if year in data.years_with_facts
        else "<p>本年度的发布尚无 facts.csv，无指标数值。 / This year's release predates facts.csv: no indicator values.</p>"
    )
    body = f"""<h1>{year} 年度 <span class="en">/ Report year {year}</span></h1>
<p>报告 / reports: <strong>{len(reports)}</strong> · 发布机关 / issuers: <strong>{len(issuers)}</strong> ·
版本 / release: <a href="{root}{year}/{data.versions[year]}/">{data.versions[year]}</a></p>
{year_coverage(data, year)}
<h2>指标 <span class="en">/ Indicators</span></h2>{facts_note}
{table(["指标 / Indicator", "发布机关数 / Issuers", "中位数 / Median", "单位 / Unit"], indicator_rows, numeric={1, 2})}
<h2>报告 <span class="en">/ Reports</span></h2>
{table(["发布机关 / Issuer", "地区 / Region", "层级 / Level", "发布日期 / Published", "原文 / Source"], report_rows)}
"""
    return page(f"{year} 年度 / Report year {year}", body, root=root)


# -- an indicator --------------------------------------------------------------------------------------------


def indicator_page(data: SiteData, code: str) -> str:
    root = "../../"
    entry = data.indicators[code]
    values = data.values[code]
    unit = entry["unit"]
    name = f"{entry['name_zh']} / {entry['name_en']}"
    latest = max(y for points in values.values() for y in points)
    latest_values = sorted(
        ((points[latest], issuer) for issuer, points in values.items() if latest in points), reverse=True
    )
    label = f"{entry['name_zh']} {latest} 年度分布 / distribution across issuers, {latest}"
    svg, bins = histogram([v for v, _ in latest_values], label, unit)
    bin_rows = [[f"{number(low)} – {number(high)}", n] for low, high, n in bins]
    medians = median_by_year(values)
    line_label = f"{entry['name_zh']} 各年度中位数 / median by year"
    line = median_line([(y, m, n) for y, m, n, _, _ in medians], line_label, unit)
    median_rows = [[y, n, number(m), number(lo), number(hi)] for y, m, n, lo, hi in medians]
    value_rows = [[_issuer_link(data, issuer, root), number(v)] for v, issuer in latest_values]
    units = sorted(u for u in entry.get("units", {unit}) if u)
    body = f"""<h1>{escape(entry["name_zh"])} <span class="en">/ {escape(entry["name_en"])}</span></h1>
<p>指标代码 / code: <code>{escape(code)}</code> · 单位 / unit: {escape(", ".join(units) or "—")} ·
每个发布机关每年一个数值（最晚发布的报告中最先出现者）。 / One value per issuer and year (the first mention in its latest report).</p>
<h2>{latest} 年度分布 <span class="en">/ Distribution across issuers, {latest}</span></h2>
{svg}
{table(["区间 / Range (" + escape(unit or "—") + ")", "发布机关数 / Issuers"], bin_rows, numeric={1}, caption=escape(label))}
<h2>各年度中位数 <span class="en">/ Median by year</span></h2>
{line}
{table(["年度 / Year", "发布机关数 / Issuers (n)", "中位数 / Median", "最小 / Min", "最大 / Max"], median_rows, numeric={1, 2, 3, 4}, caption=escape(line_label))}
<h2>{latest} 年度各发布机关 <span class="en">/ Every issuer, {latest}</span></h2>
{table(["发布机关 / Issuer", "数值 / Value"], value_rows, numeric={1})}
"""
    return page(name, body, root=root)


# -- an issuer -----------------------------------------------------------------------------------------------


def issuer_page(data: SiteData, issuer_id: str, reports: list[dict]) -> str:
    root = "../../"
    entry = data.issuers[issuer_id]
    report_rows = [
        [
            r["year"],
            f'<a href="{escape(r["url"])}">{escape(r["title"] or r["url"])}</a>'
            if r["url"]
            else escape(r["title"] or "—"),
            escape(r["publish_date"] or "—"),
            f"<code>{escape(r['snapshot_sha256'] or '—')}</code>",
            f'<a href="{root}{r["year"]}/{r["version"]}/">{r["version"]}</a>',
        ]
        for r in reports
    ]
    years = sorted({r["year"] for r in reports})
    indicator_rows = []
    for code in sorted(data.indicators):
        points = data.values[code].get(issuer_id)
        if not points:
            continue
        ordered = sorted(points.items())
        change = "—"
        if len(ordered) >= 2 and ordered[-2][0] == ordered[-1][0] - 1:
            before, after = ordered[-2][1], ordered[-1][1]
            change = f"{after - before:+,.0f}" if float(after - before).is_integer() else f"{after - before:+,.2f}"
            if before:
                change += f"（{(after - before) / abs(before):+.1%}）"
        indicator_rows.append(
            [_indicator_link(data, code, root)]
            + [number(points[y]) if y in points else "—" for y in years]
            + [escape(change)]
        )
    body = f"""<h1>{escape(entry["name"])}</h1>
<p>地区 / region: {escape(entry["region_name"] or "—")} · 层级 / level: {escape(entry["region_level"] or "—")} ·
编号 / id: <code>{escape(issuer_id)}</code></p>
<h2>应报告与已发布 <span class="en">/ What the roster expected, and what it published</span></h2>
{issuer_roster(data, issuer_id, root)}
<h2>报告 <span class="en">/ Reports by year</span></h2>
{table(["年度 / Year", "原文 / Source", "发布日期 / Published", "快照 SHA-256 / Snapshot", "版本 / Release"], report_rows)}
<h2>指标 <span class="en">/ Indicators</span></h2>
{table(["指标 / Indicator"] + [str(y) for y in years] + ["最近同比 / Latest YoY change"], indicator_rows, numeric=set(range(1, len(years) + 2))) if indicator_rows else "<p>—</p>"}
"""
    return page(entry["name"], body, root=root)


# -- the whole site --------------------------------------------------------------------------------------------


def write_site(releases_dir: Path, data: SiteData) -> Path:
    """Rebuild ``releases/site/`` (written aside, then swapped in)."""
    site = releases_dir / SITE_DIR
    staging = releases_dir / f".tmp-{SITE_DIR}"
    shutil.rmtree(staging, ignore_errors=True)
    for sub in ("year", "indicator", "issuer"):
        (staging / sub).mkdir(parents=True)

    def write(rel: str, text: str) -> None:
        (staging / rel).write_text(text, encoding="utf-8")

    write("search.js", SEARCH_JS)
    index = [
        [e["name"], e["region_name"] or "", issuer_id, f"issuer/{e['slug']}.html"]
        for issuer_id, e in sorted(data.issuers.items())
    ]
    write(
        "search-index.js",
        "window.FAZHI_ISSUERS=" + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + ";\n",
    )
    for year in data.years:
        write(f"year/{year}.html", year_page(data, year))
    for code in data.indicators:
        write(f"indicator/{data.indicators[code]['slug']}.html", indicator_page(data, code))
    by_issuer: dict[str, list[dict]] = {}
    for report in data.reports:
        if report["issuer_id"]:
            by_issuer.setdefault(report["issuer_id"], []).append(report)
    for issuer_id, reports in by_issuer.items():
        write(f"issuer/{data.issuers[issuer_id]['slug']}.html", issuer_page(data, issuer_id, reports))
    old = releases_dir / f".old-{SITE_DIR}"
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
    return site
