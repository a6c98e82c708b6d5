"""A synthetic government portal on a loopback server, written for the discovery tests.

Listings (paths on one server; ``LISTINGS`` gives their ids):

* ``/col/index.html`` (UTF-8): a ``ul/li`` column with date spans, a report linked twice, a PDF
  attachment, near misses, an undated report, pagination by 下一页 and by ``createPageHTML(3, ...)``;
  ``/col/index_1.html`` (GBK): table rows; ``/col/index_2.html``: a list built by inline scripts
  (``var data = [...]`` and ``document.write``) whose 下一页 loops back to the first page.
* ``/sheng/roundup.html``: a province page linking 15 cities' reports.
* ``/gone/index.html`` 404; ``/moved/index.html`` redirects to another host; ``/login/index.html``
  is a login wall; ``/private/index.html`` is refused by robots.txt; ``/big/index.html`` has 10,000
  links; ``/ajax/index.html`` loads its list with a script from elsewhere.
* The report pages themselves, each a short real-looking report text.
"""

from __future__ import annotations

from loopback import Reply

UTF8 = {"Content-Type": "text/html; charset=utf-8"}

REPORT_BODY = (
    "{title}\n{year}年，{issuer}坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
    "全面推进法治政府建设。全年办理行政复议案件35件，行政应诉案件62件，开展法治培训40余场次。"
    "现将有关情况报告如下。\n一、主要举措和成效\n（一）完善依法行政制度体系。审查规范性文件18件。\n"
    "二、存在的问题\n三、下一步工作安排\n"
)

# (path, link text, date, issuer) of the reports the first listing's three pages hold.
COLUMN_REPORTS = [
    ("/col/202303/t20230328_1.html", "江宁区人民政府关于2022年法治政府建设情况的报告", "2023-03-28", "江宁区人民政府"),
    ("/col/202203/t20220330_2.html", "江宁区人民政府关于2021年法治政府建设情况的报告", "2022-03-30", "江宁区人民政府"),
    ("/col/202103/t20210325_3.html", "江宁区2020年法治政府建设年度报告", "2021-03-25", None),
    ("/col/202003/t20200331_4.html", "江宁区人民政府2019年度法治政府建设工作报告", "2020-03-31", "江宁区人民政府"),
    ("/col/201903/t20190329_5.html", "江宁区2018年度依法行政工作情况报告", "2019-03-29", None),
    ("/col/201803/t20180330_6.html", "江宁区人民政府2017年法治政府建设情况报告", "2018-03-30", "江宁区人民政府"),
]
PDF_PATH = "/col/202303/P020230328_jn2022.pdf"
UNDATED_REVIEW = ("/col/201703/t20170301_7.html", "江宁区法治政府建设工作情况报告")
NEAR_MISSES = [
    ("/col/202303/t20230329_9.html", "《江宁区人民政府关于2022年法治政府建设情况的报告》解读"),
    ("/col/202302/t20230210_8.html", "江宁区2023年法治政府建设工作要点"),
    ("/col/202301/t20230120_7.html", "江宁区人民政府办公室2022年政府信息公开工作年度报告"),
    ("/col/202212/t20221201_6.html", "关于开展2022年度法治政府建设考核工作的通知"),
]
CITIES = [
    "南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁", "昆山", "江阴",
]  # fmt: skip


def _li(path: str, text: str, date: str | None) -> str:
    span = f"<span class='date'>{date}</span>" if date else ""
    return f"<li><a href='{path}' title='{text}'>{text}</a>{span}</li>"


def page_one() -> bytes:
    reports = COLUMN_REPORTS[:2]
    items = "".join(_li(p, t, d) for p, t, d, _ in reports)
    items += "".join(_li(p, t, "2023-03-01") for p, t in NEAR_MISSES)
    items += _li(UNDATED_REVIEW[0], UNDATED_REVIEW[1], None)
    items += f"<li><a href='{PDF_PATH}'>附件：江宁区人民政府关于2022年法治政府建设情况的报告（PDF版）.pdf</a><span>2023-03-28</span></li>"
    # The same report again, in a box of highlights, with a truncated text and a tracking parameter.
    hot = f"<div class='hot'><a href='{COLUMN_REPORTS[0][0]}?utm_source=home#top' title='{COLUMN_REPORTS[0][1]}'>江宁区人民政府关于2022年法治...</a></div>"
    return (
        "<html><head><meta charset='utf-8'><title>法治政府建设年度报告_江宁区人民政府</title></head><body>"
        "<div class='nav'><a href='/'>首页</a><a href='/col/index.html'>法治政府建设年度报告</a>"
        "<a href='javascript:void(0)'>打印</a><a href='mailto:x@example.gov.cn'>信箱</a></div>"
        f"{hot}<ul class='list'>{items}</ul>"
        "<div class='page'><a href='index_1.html'>下一页</a><a href='index_2.html'>尾页</a></div>"
        '<script>var countPage = 3; createPageHTML(countPage, 0, "index", "html");</script>'
        "</body></html>"
    ).encode()


def page_two_gbk() -> bytes:
    rows = "".join(
        f"<tr><td><a href='{p}' target='_blank'>{t}</a></td><td>{d}</td></tr>" for p, t, d, _ in COLUMN_REPORTS[2:4]
    )
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gbk'><title>列表</title></head>"
        f"<body><table><tbody>{rows}</tbody></table>"
        "<a href='index.html'>上一页</a><a href='index_2.html'>下一页</a></body></html>"
    )
    return html.encode("gbk")


def page_three_script() -> bytes:
    (p5, t5, d5, _), (p6, t6, d6, _) = COLUMN_REPORTS[4:6]
    data = f'[{{"title": "{t5}", "url": "{p5}", "date": "{d5}"}}]'
    written = f"<li><a href=\\'{p6}\\'>{t6}</a><span>{d6}</span></li>"
    return (
        "<html><head><meta charset='utf-8'></head><body><ul id='list'></ul>"
        f"<script>var data = {data};\nfor (var i = 0; i < data.length; i++) {{ render(data[i]); }}</script>"
        f"<script>document.write('{written}');</script>"
        "<a href='index_1.html'>上一页</a><a href='index.html'>下一页</a></body></html>"
    ).encode()


def city_report_path(n: int) -> str:
    return f"/city{n:02d}/art/2023/3/30/art_{n}.html"


def roundup() -> bytes:
    items = "".join(
        _li(city_report_path(n), f"{city}市人民政府关于2022年度法治政府建设情况的报告", "2023-03-31")
        for n, city in enumerate(CITIES, start=1)
    )
    return (
        "<html><head><meta charset='utf-8'><title>各设区市法治政府建设年度报告</title></head>"
        f"<body><h1>各设区市2022年度法治政府建设情况报告</h1><ul>{items}</ul></body></html>"
    ).encode()


def big() -> bytes:
    items = "".join(f"<li><a href='/big/{n}.html'>第{n}条 信息</a></li>" for n in range(10_000))
    return f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul></body></html>".encode()


def ajax() -> bytes:
    return (
        b"<html><head><meta charset='utf-8'></head><body><ul id='list'></ul>"
        b"<script>$.ajax({url: '/api/list?channel=12', success: function (d) { render(d); }});</script>"
        b"</body></html>"
    )


def report_page(title: str, year: int, issuer: str) -> bytes:
    body = REPORT_BODY.format(title=title, year=year, issuer=issuer).replace("\n", "</p><p>")
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><p>{body}</p></body></html>".encode()


LISTINGS = {
    "jn-col": "/col/index.html",
    "js-roundup": "/sheng/roundup.html",
    "gone": "/gone/index.html",
    "moved": "/moved/index.html",
    "login": "/login/index.html",
    "private": "/private/index.html",
    "big": "/big/index.html",
    "ajax": "/ajax/index.html",
}


def serve_portal(server, login_wall: bytes) -> None:
    """Route every page of the portal on ``server``."""
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    server.route("/col/index.html", Reply(200, page_one(), UTF8))
    server.route("/col/index_1.html", Reply(200, page_two_gbk(), {"Content-Type": "text/html"}))
    server.route("/col/index_2.html", Reply(200, page_three_script(), UTF8))
    server.route("/sheng/roundup.html", Reply(200, roundup(), UTF8))
    server.route("/moved/index.html", Reply(302, b"", {"Location": f"http://localhost:{server.port}/elsewhere/"}))
    server.route("/login/index.html", Reply(200, login_wall, UTF8))
    server.route("/private/index.html", Reply(200, page_one(), UTF8))
    server.route("/big/index.html", Reply(200, big(), UTF8))
    server.route("/ajax/index.html", Reply(200, ajax(), UTF8))
    server.route(PDF_PATH, Reply(200, b"%PDF-1.4\n% a report as an attachment\n", {"Content-Type": "application/pdf"}))
    for path, title, date, issuer in COLUMN_REPORTS:
        year = int(date[:4]) - 1
        server.route(path, Reply(200, report_page(title, year, issuer or "江宁区人民政府"), UTF8))
    for n, city in enumerate(CITIES, start=1):
        title = f"{city}市人民政府关于2022年度法治政府建设情况的报告"
        server.route(city_report_path(n), Reply(200, report_page(title, 2022, f"{city}市人民政府"), UTF8))


def listing_entries(server, ids=None) -> list[dict]:
    from flows.fetch.discover.listings import DEFAULTS

    region = {"jn-col": "江苏省南京市江宁区"}
    return [
        {**DEFAULTS, "listing_id": listing_id, "url": server.url(path), "region_hint": region.get(listing_id)}
        for listing_id, path in LISTINGS.items()
        if ids is None or listing_id in ids
    ]
