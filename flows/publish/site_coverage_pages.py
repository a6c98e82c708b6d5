"""The site's coverage parts: the home page's province map, a year page's coverage and timeliness by
province and level, an issuer page's roster rows (what the roster expected of it and what it
published). All from ``site_coverage``: the share of the roster's governments whose own report is in
the release, and the share that published it on time (before 1 April of the following year).

Without a roster (a site built without the warehouse, or a warehouse without roster rows for the
year), the map is coloured by the number of reports per province and the pages say why.
"""

from __future__ import annotations

from html import escape

from flows.publish.site_charts import (
    PROVINCE_TILES,
    bars,
    count_step,
    legend,
    share_step,
    table,
    tile_map,
)
from flows.publish.site_coverage import LEVELS, by_level, by_province, percent, share
from flows.publish.site_data import SiteData, reports_by_province

SITE_DIR = "site"
LEVEL_NAMES = {"province": "省级 / province", "city": "地级 / city", "county": "县级 / county"}
SHARE_STEPS = ["无 / none", "< 20%", "20–40%", "40–60%", "60–80%", "≥ 80%"]
DEADLINE_NOTE = (
    "按时：于次年4月1日前公开（《法治政府建设与责任落实督察工作规定》第二十四条）。 / "
    "On time: made public before 1 April of the following year (article 24 of the 2019 规定)."
)
NO_ROSTER = (
    "本站点生成时没有该年度的应报告政府名录，故不显示发布比例与是否按时。 / "
    "No roster of the governments due to report for this year was available when the site was built: "
    "no share or timeliness is shown."
)


def _fraction(part: int, whole: int) -> str:
    return f"{part} / {whole}" if whole else "—"


def home_map(data: SiteData, year: int) -> str:
    """The latest year's province map, its legend and the table of its numbers."""
    href = f"{SITE_DIR}/year/{year}.html"
    provinces = reports_by_province(data, year)
    rows = data.coverage.get(year)
    if not rows:
        counts = {code: entry["reports"] for code, entry in provinces.items()}
        top = max(counts.values(), default=0)
        label = f"{year} 年度各省报告数 / Reports per province, {year}"
        cells = {
            code: {"step": count_step(n, top), "text": str(n), "sub": "", "title": f"{PROVINCE_TILES[code][0]}: {n}"}
            for code, n in counts.items()
            if code in PROVINCE_TILES
        }
        table_rows = [
            [
                f'<a href="{href}#p{code}">{escape(name)}</a>',
                counts.get(code, 0),
                len(provinces.get(code, {}).get("issuers", ())),
            ]
            for code, (name, _, _) in sorted(PROVINCE_TILES.items())
        ]
        return f"""<p class="legend">颜色为 {year} 年度各省（区、市）已收录的报告数。 / Colour: number of {year} reports in the release per province.</p>
<p class="legend">{NO_ROSTER}</p>
{tile_map(cells, href, label)}
{table(["省份 / Province", "报告 / Reports", "发布机关 / Issuers"], table_rows, numeric={1, 2}, caption=escape(label))}"""
    tallies = by_province(rows)
    label = (
        f"{year} 年度各省应报告政府中已发布本级报告的比例 / "
        f"Share of the governments due to report that published, by province, {year}"
    )
    cells = {}
    table_rows = []
    for code, (name, _, _) in sorted(PROVINCE_TILES.items()):
        entry = tallies.get(code)
        reports = provinces.get(code, {}).get("reports", 0)
        if entry is None:  # Taiwan, Hong Kong, Macao: not on the roster
            table_rows.append([f'<a href="{href}#p{code}">{escape(name)}</a>'] + [None] * 6 + [reports])
            continue
        published, on_time = share(entry["published"], entry["expected"]), share(entry["on_time"], entry["expected"])
        cells[code] = {
            "step": share_step(published),
            "text": percent(published),
            "sub": f"按时 {percent(on_time)}",
            "title": f"{name}：已发布 {entry['published']} / 应报告 {entry['expected']}（{percent(published)}），"
            f"按时 {entry['on_time']}（{percent(on_time)}） / published {entry['published']} of {entry['expected']}, "
            f"on time {entry['on_time']}",
        }
        table_rows.append(
            [
                f'<a href="{href}#p{code}">{escape(name)}</a>',
                entry["expected"],
                entry["published"],
                percent(published),
                entry["on_time"],
                percent(on_time),
                entry["date_unknown"],
                reports,
            ]
        )
    total = by_level(rows)
    expected = sum(t["expected"] for t in total.values())
    published = sum(t["published"] for t in total.values())
    on_time = sum(t["on_time"] for t in total.values())
    headers = [
        "省份 / Province",
        "应报告 / Expected",
        "已发布 / Published",
        "发布比例 / Share published",
        "按时 / On time",
        "按时比例 / Share on time",
        "发布日期不明 / Date unknown",
        "收录报告 / Reports in release",
    ]
    return f"""<p>应报告政府 / governments due to report: <strong>{expected}</strong> · 已发布本级报告 / published their own report:
<strong>{published}</strong>（{percent(share(published, expected))}） · 按时 / on time: <strong>{on_time}</strong>（{percent(share(on_time, expected))}）</p>
<p class="legend">颜色与大字为 {year} 年度各省（区、市）应报告的省、地、县三级人民政府中，本级报告已收录于发布版本的比例；小字为按时发布的比例。{DEADLINE_NOTE} /
Colour and figure: the share of the province's governments due to report (province, prefecture and county level) whose own {year} report is in the release; small figure: the share that published on time.</p>
{legend(SHARE_STEPS)}
{tile_map(cells, href, label)}
{table(headers, table_rows, numeric={1, 2, 3, 4, 5, 6, 7}, caption=escape(label))}"""


def year_coverage(data: SiteData, year: int) -> str:
    """A year page's coverage and timeliness by province and by level (or report counts without a roster)."""
    provinces = reports_by_province(data, year)
    rows = data.coverage.get(year)
    if not rows:
        prov_rows = []
        for code, (name, _, _) in sorted(PROVINCE_TILES.items()):
            entry = provinces.get(code) or {"levels": {}, "reports": 0, "issuers": ()}
            prov_rows.append(
                [f'<span id="p{code}">{escape(name)}</span>']
                + [entry["levels"].get(level, 0) for level in LEVELS]
                + [entry["reports"], len(entry["issuers"])]
            )
        chart_items = [
            (PROVINCE_TILES[code][0], entry["reports"])
            for code, entry in sorted(provinces.items())
            if code in PROVINCE_TILES
        ]
        label = f"{year} 年度各省报告数 / Reports per province, {year}"
        headers = (
            ["省份 / Province"] + [LEVEL_NAMES[level] for level in LEVELS] + ["报告 / Reports", "发布机关 / Issuers"]
        )
        return f"""<h2>按省份与层级 <span class="en">/ By province and level</span></h2>
<p class="legend">{NO_ROSTER}</p>
{bars(chart_items, label) if chart_items else "<p>—</p>"}
{table(headers, prov_rows, numeric={1, 2, 3, 4, 5}, caption=escape(label))}"""
    tallies = by_province(rows)
    label = f"{year} 年度各省已发布本级报告的比例（%） / Share of governments due to report that published (%), {year}"
    chart_items = [
        (PROVINCE_TILES[code][0], round(100 * entry["published"] / entry["expected"], 2))
        for code, entry in sorted(tallies.items())
        if code in PROVINCE_TILES and entry["expected"]
    ]
    prov_rows = []
    for code, (name, _, _) in sorted(PROVINCE_TILES.items()):
        entry = tallies.get(code)
        anchor = f'<span id="p{code}">{escape(name)}</span>'
        reports = provinces.get(code, {}).get("reports", 0)
        if entry is None:
            prov_rows.append([anchor, None, None, None, None, None, None, None, None, reports])
            continue
        prov_rows.append(
            [anchor]
            + [_fraction(entry["levels"][level]["published"], entry["levels"][level]["expected"]) for level in LEVELS]
            + [
                entry["expected"],
                entry["published"],
                percent(share(entry["published"], entry["expected"])),
                entry["on_time"],
                entry["late"],
                entry["date_unknown"],
                reports,
            ]
        )
    prov_headers = (
        ["省份 / Province"]
        + [f"{LEVEL_NAMES[level]}（已发布 / 应报告）" for level in LEVELS]
        + [
            "应报告 / Expected",
            "已发布 / Published",
            "发布比例 / Share",
            "按时 / On time",
            "逾期 / Late",
            "日期不明 / Date unknown",
            "收录报告 / Reports in release",
        ]
    )
    level_rows = []
    for level, entry in by_level(rows).items():
        late_days = entry["days_late"]
        median_late = late_days[len(late_days) // 2] if late_days else None
        level_rows.append(
            [
                LEVEL_NAMES[level],
                entry["expected"],
                entry["published"],
                percent(share(entry["published"], entry["expected"])),
                entry["on_time"],
                percent(share(entry["on_time"], entry["published"])),
                entry["late"],
                entry["date_unknown"],
                median_late,
            ]
        )
    level_headers = [
        "层级 / Level",
        "应报告 / Expected",
        "已发布 / Published",
        "发布比例 / Share",
        "按时 / On time",
        "已发布中按时比例 / On time among published",
        "逾期 / Late",
        "日期不明 / Date unknown",
        "逾期天数中位数 / Median days late",
    ]
    return f"""<h2>按时发布情况 <span class="en">/ Timeliness by level</span></h2>
<p class="legend">应报告：当年名录中的省、地、县三级人民政府；已发布：其本级（或党政联合）报告已收录于本版本。{DEADLINE_NOTE} /
Expected: the province-, prefecture- and county-level governments on the year's roster; published: their own (or joint Party-government) report is in this release.</p>
{table(level_headers, level_rows, numeric=set(range(1, 9)))}
<h2>按省份与层级 <span class="en">/ Coverage by province and level</span></h2>
{bars(chart_items, label, suffix="%") if chart_items else "<p>—</p>"}
{table(prov_headers, prov_rows, numeric=set(range(1, 11)), caption=escape(label))}"""


def issuer_roster(data: SiteData, issuer_id: str, root: str) -> str:
    """An issuer page's rows of the roster: for every year with a release, whether the roster expected a
    report of it, whether it published its own, when, and whether on time."""
    if not data.coverage:
        return f'<p class="legend">{NO_ROSTER}</p>'
    expected = data.roster_by_issuer.get(issuer_id, {})
    if not expected:
        note = (
            "不在应报告政府名录中：名录只列省、地、县三级人民政府（沿革代码 + -gov）。 / "
            "Not on the roster of governments due to report, which lists province-, prefecture- and "
            "county-level people's governments only."
        )
        if "-dept-" in issuer_id:
            government = issuer_id.split("-dept-")[0] + "-gov"
            entry = data.issuers.get(government)
            rows = next(iter(data.roster_by_issuer.get(government, {}).values()), None)
            name = (entry or {}).get("name") or (rows or {}).get("full_name") or government
            link = (
                f'<a href="{root}{SITE_DIR}/issuer/{entry["slug"]}.html">{escape(name)}</a>' if entry else escape(name)
            )
            note += f" 部门报告计入同级政府：{link}。 / A department's report counts for its government: {link}."
        return f'<p class="legend">{note}</p>'
    table_rows = []
    for year in data.years:
        row = expected.get(year)
        if row is None:
            table_rows.append([year, "否 / no", "—", "—", "—"])
            continue
        if not row["published"]:
            timing = "—"
        elif row["on_time"] is True:
            timing = "按时 / on time"
        elif row["on_time"] is False:
            timing = f"逾期 {row['days_late']} 天 / {row['days_late']} days late"
        else:
            timing = "日期不明 / date unknown"
        table_rows.append(
            [year, "是 / yes", "是 / yes" if row["published"] else "否 / no", row["publish_date"] or "—", timing]
        )
    published = sum(1 for row in expected.values() if row["published"])
    return f"""<p>名录年度 / years on the roster: <strong>{len(expected)}</strong> · 已发布本级报告 / own report published:
<strong>{published}</strong></p>
<p class="legend">{DEADLINE_NOTE}</p>
{table(["年度 / Year", "名录应报告 / Due to report", "已发布本级报告 / Own report published", "发布日期 / Published", "是否按时 / On time"], table_rows)}"""
