"""Report attachments: which link of a short page is fetched (pure), and fetching it over real HTTP
on 127.0.0.1 into the archive as a snapshot of the same source with its linking page recorded."""

import hashlib

from loopback import Reply, loopback  # noqa: F401  (loopback is a fixture)

from flows.fetch.archive import Archive
from flows.fetch.attachments import (
    SHORT_PAGE_PROSE_CHARS,
    host_allowed,
    looks_like_report_attachment,
    registrable_domain,
    report_attachment,
)
from flows.fetch.http import FetchOptions, fetch_sources

FAST = FetchOptions(
    connect_timeout=1.0,
    read_timeout=0.3,
    retries=0,
    backoff_base=0.01,
    per_host_delay=0.0,
    allow_private_addresses=True,
    trust_env=False,
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def short_page(*links: str, prose: str = "") -> str:
    anchors = "".join(f"<p>{link}</p>" for link in links)
    return (
        "<html><head><title>XX区2023年法治政府建设年度报告</title></head><body>"
        "<div class='nav'>首页 > 政务公开 > 法治政府建设</div><h1>XX区2023年法治政府建设年度报告</h1>"
        f"<p>发布时间：2024-03-20</p><p>{prose}</p>{anchors}</body></html>"
    )


def test_report_like_names():
    assert looks_like_report_attachment("附件：XX区2023年法治政府建设年度报告.pdf")
    assert looks_like_report_attachment("关于2022年度法治政府建设工作情况的报告.docx")
    assert looks_like_report_attachment("2021年依法行政工作总结.doc")
    assert not looks_like_report_attachment("2023年法治政府建设工作要点.pdf")
    assert not looks_like_report_attachment("《法治政府建设年度报告》图解.pdf")
    assert not looks_like_report_attachment("政府信息公开申请表.doc")
    assert not looks_like_report_attachment("P020240320512345678901.pdf")


def test_registrable_domains_and_allowed_hosts():
    assert registrable_domain("www.xihu.gov.cn") == "xihu.gov.cn"
    assert registrable_domain("files.example.com") == "example.com"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    page = "http://www.xihu.gov.cn/art/2024/3/20/art_1.html"
    assert host_allowed(page, "http://xxgk.xihu.gov.cn/files/report.pdf")
    assert host_allowed(page, "https://www.zj.gov.cn/files/report.pdf")  # another government host
    assert not host_allowed(page, "http://cdn.example.com/report.pdf")


def test_short_page_gets_its_report_attachment_first():
    page = short_page(
        '<a href="/files/plan.pdf">2024年法治政府建设工作要点.pdf</a>',
        '<a href="/files/P0202403.pdf">附件：XX区2023年法治政府建设年度报告.pdf</a>',
    )
    link = report_attachment(page, "http://www.xx.gov.cn/art/1.html")
    assert link.url == "http://www.xx.gov.cn/files/P0202403.pdf"
    assert link.text == "附件：XX区2023年法治政府建设年度报告.pdf" and link.looks_like_report


def test_single_unnamed_attachment_is_taken_two_unnamed_are_not():
    one = short_page('<a href="download.jsp?id=7&amp;f=a.docx">下载附件</a>')
    assert (
        report_attachment(one, "http://www.xx.gov.cn/a/1.html").url
        == "http://www.xx.gov.cn/a/download.jsp?id=7&f=a.docx"
    )
    two = short_page('<a href="a.pdf">附件1.pdf</a>', '<a href="b.pdf">附件2.pdf</a>')
    assert report_attachment(two, "http://www.xx.gov.cn/a/1.html") is None


def test_page_with_the_report_in_it_or_a_foreign_file_host_fetches_nothing():
    prose = "全面推进依法行政工作，全年办理行政复议案件35件，行政应诉案件62件。" * 20
    assert len(prose) > SHORT_PAGE_PROSE_CHARS
    full = short_page('<a href="/r.pdf">XX区2023年法治政府建设年度报告.pdf</a>', prose=prose)
    assert report_attachment(full, "http://www.xx.gov.cn/a/1.html") is None
    foreign = short_page('<a href="http://pan.example.com/r.pdf">XX区2023年法治政府建设年度报告.pdf</a>')
    assert report_attachment(foreign, "http://www.xx.gov.cn/a/1.html") is None


def _source(server, path: str) -> dict:
    return {
        "source_id": "xx-2023",
        "url": server.url(path),
        "issuer": None,
        "region_hint": None,
        "report_year_hint": None,
        "notes": None,
        "is_synthetic": True,
    }


def test_attachment_fetched_archived_with_its_linking_page_and_refetched_conditionally(loopback, tmp_path):
    page = short_page('<a href="/files/report.pdf">附件：XX区2023年法治政府建设年度报告.pdf</a>').encode("utf-8")

    def page_reply(request):
        if request.headers.get("if-none-match") == '"p1"':
            return Reply(304, headers={"ETag": '"p1"'})
        return Reply(200, page, {"Content-Type": "text/html; charset=utf-8", "ETag": '"p1"'})

    def pdf_reply(request):
        if request.headers.get("if-none-match") == '"f1"':
            return Reply(304, headers={"ETag": '"f1"'})
        return Reply(200, PDF, {"Content-Type": "application/octet-stream", "ETag": '"f1"'})

    loopback.route("/art/1.html", page_reply)
    loopback.route("/files/report.pdf", pdf_reply)
    archive = Archive(tmp_path)
    summary = fetch_sources([_source(loopback, "/art/1.html")], archive, options=FAST)
    page_row, pdf_row = summary.rows
    assert page_row["outcome"] == "new" and page_row["parent_sha256"] is None
    assert pdf_row["source_id"] == "xx-2023" and pdf_row["url"] == loopback.url("/files/report.pdf")
    assert pdf_row["outcome"] == "new" and pdf_row["content_type"] == "application/pdf"
    assert pdf_row["parent_sha256"] == page_row["snapshot_sha256"] == hashlib.sha256(page).hexdigest()
    assert pdf_row["snapshot_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert archive.object_path(pdf_row["snapshot_sha256"]).suffix == ".pdf"
    assert summary.snapshots["xx-2023"] == pdf_row
    assert summary.counts == {"new": 1, "attachments": 1}

    again = fetch_sources([_source(loopback, "/art/1.html")], archive, options=FAST, refresh=True)
    page_row, pdf_row = again.rows
    assert page_row["outcome"] == "not_modified" and pdf_row["outcome"] == "not_modified"
    assert pdf_row["parent_sha256"] == page_row["snapshot_sha256"]
    assert loopback.requests_to("/files/report.pdf")[-1].headers["if-none-match"] == '"f1"'
    assert archive.current_snapshots()["xx-2023"]["snapshot_sha256"] == hashlib.sha256(PDF).hexdigest()

    # The file is gone on the third fetch: the page is still the one that linked the archived file,
    # so that file still stands for the source.
    loopback.route("/files/report.pdf", Reply(404))
    third = fetch_sources([_source(loopback, "/art/1.html")], archive, options=FAST, refresh=True)
    assert [row["outcome"] for row in third.rows] == ["not_modified", "error"]
    assert third.rows[1]["error"] == "HTTP 404 Not Found" and third.counts["error"] == 1
    assert third.snapshots["xx-2023"]["snapshot_sha256"] == hashlib.sha256(PDF).hexdigest()


def test_attachment_over_the_size_cap_or_an_html_page_is_an_error_row(loopback, tmp_path):
    big = short_page('<a href="/big.pdf">XX区2023年法治政府建设年度报告.pdf</a>').encode("utf-8")
    login = short_page('<a href="/login.pdf">XX区2023年法治政府建设年度报告.pdf</a>').encode("utf-8")
    loopback.route("/big.html", Reply(200, big, {"Content-Type": "text/html; charset=utf-8"}))
    loopback.route("/login.html", Reply(200, login, {"Content-Type": "text/html; charset=utf-8"}))
    loopback.route("/big.pdf", Reply(200, PDF + b"0" * 4096, {"Content-Type": "application/pdf"}))
    loopback.route(
        "/login.pdf", Reply(200, "<html><body>请先登录</body></html>".encode(), {"Content-Type": "text/html"})
    )
    archive = Archive(tmp_path)
    options = FetchOptions(**{**FAST.__dict__, "max_bytes": 2048})
    sources = [
        {**_source(loopback, "/big.html"), "source_id": "big"},
        {**_source(loopback, "/login.html"), "source_id": "login"},
    ]
    summary = fetch_sources(sources, archive, options=options)
    rows = {(row["source_id"], row["parent_sha256"] is not None): row for row in summary.rows}
    assert rows[("big", True)]["error"] == "body exceeds 2 KB limit"
    assert rows[("login", True)]["error"] == "HTTP 200 but an HTML page, not the file"
    assert summary.snapshots["big"] == rows[("big", False)]  # the page stays the source's snapshot
