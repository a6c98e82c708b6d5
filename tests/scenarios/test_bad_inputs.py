"""The bad-input suite: every kind of bad input ends as correct records or a quarantine row (or a
fetch error row) with a clear reason; nothing is lost silently and one bad page never stops the rest.

Page content is driven through ``parse_snapshot``, transport problems through ``fetch_sources``
against the loopback server, registry problems through ``flows.fetch.registry``, and a mixed batch
through the stage functions into the warehouse. Big inputs are generated in memory.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from loopback import Reply, loopback  # noqa: F401  (loopback is a fixture)

from flows import stages
from flows.core.config import load_settings
from flows.core.contracts import errors
from flows.fetch.archive import Archive
from flows.fetch.encoding import MIXED_UTF8_GB, detect_encoding
from flows.fetch.http import MB, FetchOptions, fetch_sources, target_problem
from flows.fetch.registry import RegistryError, parse_registry
from flows.normalize.document import MAX_SNAPSHOT_BYTES, ParseInput, parse_snapshot
from flows.normalize.metrics import MAX_SENTENCE_CHARS

BAD = Path(__file__).parents[1] / "fixtures" / "bad"
FAST = FetchOptions(
    connect_timeout=1.0,
    read_timeout=0.5,
    retries=1,
    backoff_base=0.01,
    per_host_delay=0.0,
    allow_private_addresses=True,
    trust_env=False,
)

TITLE = "某某县人民政府关于2023年法治政府建设情况的报告"
OPENING = (
    "2023年，县政府坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
    "全面推进法治政府建设，现将有关情况报告如下。"
)
HEADING = "一、主要举措和成效"
CASES = "全年办理行政复议案件35件，行政应诉案件62件，开展法治培训40余场次，培训干部1200人次。"
RULES = "（一）完善依法行政制度体系。全年制定规范性文件12件，清理规章和规范性文件86件，废止7件。"
BODY = [OPENING, HEADING, CASES, RULES]
VALUES = [35, 62, 40, 1200, 12, 86, 7]


# -- helpers ----------------------------------------------------------------------------------


def html_page(title: str = TITLE, paragraphs: list[str] = BODY, head: str = "", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head>{meta}{head}<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


def parse(data: bytes | str, content_type: str | None = "text/html", **fields):
    if isinstance(data, str):
        data = data.encode("utf-8")
    result = parse_snapshot(
        ParseInput(
            data=data,
            source_id="bad-input",
            content_type=content_type,
            snapshot_sha256=hashlib.sha256(data).hexdigest(),
            **fields,
        )
    )
    assert_consistent(result)
    return result


def assert_consistent(result) -> None:
    """What must hold for any parse: valid records, offsets that slice the stored text, and a
    reason on every quarantine row."""
    for row in result.quarantine:
        assert row["reason"] and "\n" not in row["reason"]
        assert errors({**row, "quarantine_id": "0" * 16}, "quarantine") == []
    if result.document is None:
        assert result.sections == [] and result.metrics == []
        assert result.quarantine
        return
    text = result.document["text"]
    assert errors(result.document, "document") == []
    assert result.document["text_chars"] == len(text)
    for section in result.sections:
        assert errors(section, "section") == []
        assert 0 <= section["start"] <= section["end"] <= len(text)
        if section["marker"]:
            assert text[section["start"] :].startswith(section["marker"])
    for metric in result.metrics:  # validated by parse_snapshot (split_valid); here the offsets
        assert text[metric["start"] : metric["end"]] == metric["span"]
        assert metric["span"] in metric["sentence"] and len(metric["sentence"]) <= MAX_SENTENCE_CHARS + len(
            metric["span"]
        )


def reasons(result) -> list[str]:
    return [row["reason"] for row in result.quarantine]


def only_reason(result) -> str:
    assert result.document is None
    (row,) = result.quarantine
    return row["reason"]


def values(result) -> list:
    return [metric["value"] for metric in result.metrics]


def source(server, path: str, source_id: str | None = None, host: str = "127.0.0.1") -> dict:
    url = server.url(path).replace("127.0.0.1", host)
    return {
        "source_id": source_id or path.strip("/").replace("/", "-").replace(".", "-"),
        "url": url,
        "issuer": None,
        "region_hint": None,
        "report_year_hint": None,
        "notes": None,
        "is_synthetic": True,
    }


def fetch_one(server, path: str, tmp_path, options: FetchOptions = FAST) -> dict:
    archive = Archive(tmp_path / "raw")
    (row,) = fetch_sources([source(server, path)], archive, options=options).rows
    assert errors(row, "fetch") == []
    assert archive.rows()[-1] == row
    return row


HTML = {"Content-Type": "text/html; charset=utf-8"}


# -- empty and textless pages -----------------------------------------------------------------


def test_empty_body_is_quarantined_at_parse_and_an_error_row_at_fetch(loopback, tmp_path):
    result = parse(b"")
    assert only_reason(result) == "empty snapshot (0 bytes)"
    assert result.quarantine[0]["stage"] == "normalize:decode"

    loopback.route("/empty", Reply(200, b"", HTML))
    row = fetch_one(loopback, "/empty", tmp_path)
    assert (row["outcome"], row["error"], row["snapshot_sha256"]) == ("error", "empty body", None)


@pytest.mark.parametrize(
    "page",
    [
        "<html><head></head><body></body></html>",
        "<html><body><div><span> </span></div>&nbsp;\u3000</body></html>",
        "   \r\n\t  ",
    ],
)
def test_html_with_no_text_is_quarantined(page):
    assert only_reason(parse(page)) == "no text in the page"


def test_page_that_is_only_images_is_quarantined_naming_the_images():
    result = parse((BAD / "image_only.html").read_bytes())
    assert only_reason(result) == "no text in the page (markup holds 3 images; published as images?)"
    assert result.quarantine[0]["stage"] == "normalize:extract"


def test_js_only_page_is_quarantined_as_rendered_by_javascript():
    result = parse((BAD / "js_only.html").read_bytes())
    # The <noscript> note is the page's only text; it is not content either.
    assert only_reason(result) in (
        "no text in the page (markup holds 2 scripts; rendered by JavaScript?)",
        "no body text: the page holds only its title '某某县人民政府门户网站' (markup holds 2 scripts; rendered by JavaScript?)",
    )


def test_title_only_page_is_quarantined_not_made_a_report_without_text():
    page = f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1><p>发布时间：2024-03-01</p></body></html>"
    result = parse(page)
    assert only_reason(result) == f"no body text: the page holds only its title '{TITLE}'"
    assert result.quarantine[0]["stage"] == "normalize:page"


# -- stand-ins for content: HTTP 200 error pages and login walls ------------------------------


@pytest.mark.parametrize(
    "name, quoted",
    [
        ("nginx_404_as_200.html", "'404 Not Found 404 Not Found nginx'"),
        ("page_not_found_as_200.html", "'页面不存在 抱歉,您访问的页面不存在或已被删除! 5秒后自动返回网站首页'"),
    ],
)
def test_http_200_error_pages_are_fetch_errors_and_never_documents(loopback, tmp_path, name, quoted):
    """Decision: an error page served with 200 is a fetch error (no snapshot, so it never supersedes
    the source's last good page); if one is parsed anyway (archived earlier, a local file) it is
    quarantined with the same reason, not a non-report document."""
    data = (BAD / name).read_bytes()
    assert only_reason(parse(data)) == f"error page served as content: {quoted}"

    loopback.route("/gone", Reply(200, data, HTML))
    row = fetch_one(loopback, "/gone", tmp_path)
    assert row["outcome"] == "error" and row["snapshot_sha256"] is None and row["http_status"] == 200
    assert row["error"].startswith("HTTP 200 but error page served as content: ")


def test_error_page_after_a_good_snapshot_keeps_the_good_one_current(loopback, tmp_path):
    archive = Archive(tmp_path / "raw")
    good = html_page().encode("utf-8")
    loopback.route(
        "/report", Reply(200, good, HTML), Reply(200, (BAD / "page_not_found_as_200.html").read_bytes(), HTML)
    )
    first = fetch_sources([source(loopback, "/report")], archive, options=FAST)
    again = fetch_sources([source(loopback, "/report")], archive, refresh=True, options=FAST)
    assert again.rows[0]["outcome"] == "error"
    assert (
        again.snapshots["report"]["snapshot_sha256"]
        == first.rows[0]["snapshot_sha256"]
        == hashlib.sha256(good).hexdigest()
    )


def test_login_wall_is_a_fetch_error_and_quarantined_at_parse(loopback, tmp_path):
    data = (BAD / "login_wall.html").read_bytes()
    assert (
        only_reason(parse(data))
        == "login wall: the page asks to log in ('统一身份认证平台 该信息需登录后查看,请先登录。 账号 密码')"
    )

    loopback.route("/login", Reply(200, data, HTML))
    row = fetch_one(loopback, "/login", tmp_path)
    assert row["outcome"] == "error" and row["error"].startswith("HTTP 200 but login wall: ")


def test_a_report_that_mentions_404_and_login_is_still_a_report():
    paragraphs = BODY + [
        "（二）优化政务服务。对404项政务服务事项实行“一网通办”，群众登录后查看办件进度，全年办理事项3.2万件。"
    ]
    result = parse(html_page(paragraphs=paragraphs))
    assert result.quarantine == [] and result.document["is_report"] is True
    assert 32000 in values(result)


# -- pages that are not reports ---------------------------------------------------------------


@pytest.mark.parametrize(
    "title, paragraphs, why",
    [
        (
            "某某县2024年法治政府建设工作要点",
            ["为深入推进法治政府建设，结合我县实际，制定本方案。", "一、总体要求", CASES],
            "implementation plan",
        ),
        (
            "2023年法治政府建设情况的报告（精选5篇）",
            ["下面是小编为大家整理的法治政府建设情况报告范文，供大家参考。"] + BODY,
            "template essay site",
        ),
        (
            "在全县法治政府建设工作会议上的讲话",
            ["同志们：今天召开全县法治政府建设工作会议，我讲几点意见。", CASES],
            "speech",
        ),
        (
            "我县召开法治政府建设工作推进会",
            [f"本报讯 近日，我县召开法治政府建设工作推进会。会议通报了《{TITLE}》，{CASES}"],
            "news item",
        ),
        (
            "Report on Law-based Government Construction in 2023",
            [
                "In 2023 the county government handled 35 administrative reconsideration cases and trained 1,200 officials "
                "in the rule of law, advancing law-based government in all respects. " * 3
            ],
            "mostly English text (catalogue or translation page)",
        ),
    ],
)
def test_pages_that_are_not_reports_are_documents_with_is_report_false(title, paragraphs, why):
    result = parse(html_page(title, paragraphs))
    assert result.quarantine == []
    document = result.document
    assert document["is_report"] is False
    assert f"not an annual report: {why}" in document["warnings"]


def test_english_page_yields_no_metrics_from_english_numbers():
    result = parse(
        html_page("Report on Law-based Government", ["The county handled 35 cases and 62 lawsuits in 2023. " * 5])
    )
    assert result.document["is_report"] is False and result.metrics == []


# -- attachments and binary data --------------------------------------------------------------


@pytest.mark.parametrize(
    "data, content_type, reason",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf", "corrupt PDF: PDFium cannot open it"),
        (b"%PDF-1.4\nbinary", "text/html", "corrupt PDF: PDFium cannot open it"),  # mislabelled: the magic decides
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "application/octet-stream", "unsupported format .doc: "),
    ],
)
def test_broken_pdf_and_old_word_attachments_are_quarantined_with_the_reason(data, content_type, reason):
    assert only_reason(parse(data, content_type)).startswith(reason)


def test_pdf_attachment_is_archived_as_a_snapshot_at_fetch(loopback, tmp_path):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4
    loopback.route("/report.pdf", Reply(200, pdf, {"Content-Type": "application/pdf"}))
    row = fetch_one(loopback, "/report.pdf", tmp_path)
    assert (row["outcome"], row["error"], row["parent_sha256"]) == ("new", None, None)
    assert Archive(tmp_path / "raw").read(row["snapshot_sha256"]) == pdf


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 64,
        hashlib.sha512(b"seed").digest() * 500,
        b"\x00" * 5000,
    ],
)
def test_binary_garbage_served_as_html_is_quarantined_as_not_text(data):
    reason = only_reason(parse(data, "text/html"))
    assert re.fullmatch(
        r"not text: \d+% of the decoded characters are control or undecodable characters "
        r"\(binary data served as text/html\)",
        reason,
    ), reason


# -- encodings ---------------------------------------------------------------------------------


def test_declared_utf8_that_is_gbk_decodes_exactly():
    data = html_page(charset="utf-8").encode("gbk")
    result = parse(data, "text/html; charset=utf-8")
    assert result.document["title"] == TITLE and values(result) == VALUES
    assert not any("undecodable" in w for w in result.document["warnings"])


def test_undeclared_gbk_is_detected():
    data = html_page(charset=None).encode("gbk")
    assert detect_encoding(data, "text/html")[0] == "gb18030"
    result = parse(data, "text/html")
    assert result.document["title"] == TITLE and values(result) == VALUES


def test_utf8_page_with_pasted_gbk_runs_decodes_both():
    page = html_page()
    data = page.encode("utf-8").replace("行政应诉案件".encode(), "行政应诉案件".encode("gbk"))
    assert detect_encoding(data, "text/html; charset=utf-8") == (MIXED_UTF8_GB, "mixed")
    assert data.decode(MIXED_UTF8_GB) == page
    result = parse(data, "text/html; charset=utf-8")
    assert "行政应诉案件62件" in result.document["text"] and values(result) == VALUES


def test_mixed_decoding_never_claims_plain_gbk_or_utf8():
    assert detect_encoding(html_page(charset=None).encode("gbk"))[1] == "detector"
    assert detect_encoding(html_page(charset=None).encode("utf-8")) == ("utf-8", "utf8")


# -- transport ---------------------------------------------------------------------------------


def test_truncated_download_content_length_longer_than_body_is_an_error_row(loopback, tmp_path):
    body = html_page().encode("utf-8")
    loopback.route("/cut", Reply(200, body[:300], {**HTML, "Content-Length": str(len(body))}, send_length=False))
    row = fetch_one(loopback, "/cut", tmp_path)
    assert row["outcome"] == "error" and row["snapshot_sha256"] is None
    assert "incomplete" in row["error"].lower() or "closed" in row["error"].lower(), row["error"]
    assert row["error"].endswith("after 2 attempts")


def test_connection_cut_without_length_keeps_what_came_and_parses_it(loopback, tmp_path):
    body = html_page().encode("utf-8")
    cut = body[: body.index("废止".encode()) + 1]  # inside a character, before </p></body></html>
    loopback.route("/short", Reply(200, cut, HTML, send_length=False))
    row = fetch_one(loopback, "/short", tmp_path)
    assert row["outcome"] == "new" and row["encoding"] == "utf-8"
    result = parse(
        Archive(tmp_path / "raw").read(row["snapshot_sha256"]), row["content_type"], encoding=row["encoding"]
    )
    assert result.document["is_report"] is True and values(result) == VALUES[:-1]


def test_50_mb_page_is_refused_at_the_size_cap(loopback, tmp_path):
    big = b"<html><body>" + b"x" * (50 * MB)
    loopback.route("/declared", Reply(200, big, HTML))
    loopback.route("/streamed", Reply(200, big, HTML, send_length=False))
    archive = Archive(tmp_path / "raw")
    options = replace(FAST, retries=0)
    summary = fetch_sources([source(loopback, "/declared"), source(loopback, "/streamed")], archive, options=options)
    for row in summary.rows:
        assert (row["outcome"], row["error"], row["snapshot_sha256"]) == ("error", "body exceeds 20 MB limit", None)
    assert not archive.objects_dir.exists() or not any(archive.objects_dir.rglob("*.html"))

    huge = b"<p>" + b"a" * MAX_SNAPSHOT_BYTES
    assert only_reason(parse(huge)) == f"snapshot is {len(huge)} bytes, over the 50 MB limit"


def test_large_but_allowed_page_parses_within_bounds():
    paragraphs = BODY + [
        f"（编号{i}）各部门坚持依法行政，严格规范公正文明执法，持续优化法治化营商环境，群众满意度不断提升。"
        for i in range(26_000)
    ]
    page = html_page(paragraphs=paragraphs)
    assert len(page) > 1_500_000  # under fetch's 20 MB cap, over html_extract's 1.5M-character bound
    started = time.monotonic()
    result = parse(page)
    assert time.monotonic() - started < 12
    document = result.document
    assert "HTML cut at 1500000 characters" in document["warnings"]
    assert document["is_report"] is True and 1_000_000 < document["text_chars"] < 1_500_000
    assert values(result) == VALUES


def test_redirect_loop_is_an_error_row(loopback, tmp_path):
    loopback.route("/a", Reply(302, b"", {"Location": "/b"}))
    loopback.route("/b", Reply(301, b"", {"Location": loopback.url("/a")}))
    row = fetch_one(loopback, "/a", tmp_path)
    assert row["outcome"] == "error" and row["snapshot_sha256"] is None
    assert row["error"] == f"redirect loop: {loopback.url('/b')} redirects back to {loopback.url('/a')}"


# -- hostile input -----------------------------------------------------------------------------


def test_private_loopback_and_link_local_addresses_are_refused_by_default(loopback, tmp_path):
    loopback.route("/internal", Reply(200, html_page().encode("utf-8"), HTML))
    row = fetch_one(loopback, "/internal", tmp_path, options=replace(FAST, allow_private_addresses=False))
    assert row["error"] == "refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address"
    assert loopback.hits("/internal") == 0
    assert (
        target_problem("http://169.254.169.254/latest/meta-data/")
        == "refused: 169.254.169.254 resolves to 169.254.169.254, a link-local address"
    )
    assert target_problem("http://10.0.0.8/") == "refused: 10.0.0.8 resolves to 10.0.0.8, a private address"


def test_redirect_to_another_scheme_is_refused(loopback, tmp_path):
    """Every hop is checked like the first: a redirect to file:// is refused without reading it."""
    loopback.route("/hop", Reply(302, b"", {"Location": "file:///etc/passwd"}))
    row = fetch_one(loopback, "/hop", tmp_path)
    assert row["error"] == "refused: 'file:///etc/passwd' is not an http(s) URL"
    assert row["final_url"] == "file:///etc/passwd"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/report.html",
        "javascript:alert(1)",
        "gopher://127.0.0.1:25/",
        "http:///no-host",
    ],
)
def test_non_http_urls_are_refused_by_fetch_without_a_request(tmp_path, url):
    archive = Archive(tmp_path / "raw")
    (row,) = fetch_sources(
        [
            {
                "source_id": "hostile",
                "url": url,
                "issuer": None,
                "region_hint": None,
                "report_year_hint": None,
                "notes": None,
                "is_synthetic": True,
            }
        ],
        archive,
        options=replace(FAST, allow_private_addresses=False),
    ).rows
    assert row["outcome"] == "error" and row["error"].startswith("refused: ")
    assert not archive.objects_dir.exists()


def test_archive_file_names_are_hashes_never_from_urls_or_page_text(loopback, tmp_path):
    body = html_page(title="../../etc/passwd 报告").encode("utf-8")
    # httpx resolves the dots before sending; the server answers the resolved path.
    loopback.route("/etc/passwd.html", Reply(200, body, {"Content-Type": 'text/html; name="../../x.sh"'}))
    loopback.route("/b/%2e%2e/%2e%2e/evil.html", Reply(200, body + b" ", HTML))
    archive = Archive(tmp_path / "raw")
    sources = [
        source(loopback, "/a/../../../etc/passwd.html", "dots"),
        source(loopback, "/b/%2e%2e/%2e%2e/evil.html", "encoded"),
    ]
    fetch_sources(sources, archive, options=FAST)
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    names = [str(p) for p in files if p.name != "manifest.jsonl"]
    assert len(names) == 2
    for name in names:
        assert re.fullmatch(r"raw/objects/[0-9a-f]{2}/[0-9a-f]{64}\.(html|bin)", name), name
        assert Path(name).stem == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    assert files == sorted([Path("raw/manifest.jsonl")] + [Path(n) for n in names])


# -- registry ----------------------------------------------------------------------------------


def registry_problems(text: str) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        parse_registry(text)
    return caught.value.problems


@pytest.mark.parametrize(
    "url, problem",
    [
        ("file:///etc/passwd", "'file:///etc/passwd' is not an http(s) URL"),
        ("javascript:alert(1)", "'javascript:alert(1)' is not an http(s) URL"),
        ("http://", "'http://' is not an http(s) URL"),
        ("www.example.gov.cn/report.html", "'www.example.gov.cn/report.html' is not an http(s) URL"),
        ("http://example.gov.cn:99999/", "'http://example.gov.cn:99999/' is not a valid URL"),
        ("http://example.gov.cn/a b.html", "'http://example.gov.cn/a b.html' contains whitespace"),
    ],
)
def test_registry_entry_with_a_bad_url_names_file_entry_and_field(url, problem):
    """Decision: a bad entry refuses the whole registry (a hand-edited file is fixed, not skipped)."""
    text = (
        f"sources:\n  - source_id: good\n    url: http://example.gov.cn/a.html\n  - source_id: bad\n    url: '{url}'\n"
    )
    assert registry_problems(text) == [f"sources.yaml: entry 2 (source_id 'bad'): url: {problem}"]


def test_registry_source_id_cannot_carry_a_path():
    (problem,) = registry_problems("sources:\n  - source_id: ../../etc\n    url: http://example.gov.cn/\n")
    assert problem.startswith("sources.yaml: entry 1 (source_id '../../etc'): source_id: '../../etc' does not match")


def test_same_url_twice_in_the_registry_is_refused_naming_both_entries():
    text = (
        "sources:\n  - source_id: one\n    url: http://Example.gov.cn/r.html\n"
        "  - source_id: two\n    url: http://example.gov.cn:80/r.html#top\n"
    )
    assert registry_problems(text) == [
        "sources.yaml: entry 2 (source_id 'two'): url: same url as entry 1 (source_id 'one'): "
        "'http://example.gov.cn:80/r.html#top'"
    ]


def test_same_content_at_two_urls_is_one_object_and_two_documents(loopback, tmp_path):
    body = html_page().encode("utf-8")
    loopback.route("/r1", Reply(200, body, HTML))
    loopback.route("/r2", Reply(200, body, HTML))
    archive = Archive(tmp_path / "raw")
    summary = fetch_sources([source(loopback, "/r1"), source(loopback, "/r2")], archive, options=FAST)
    first, second = summary.rows
    assert first["snapshot_sha256"] == second["snapshot_sha256"] and first["outcome"] == second["outcome"] == "new"
    assert len(list(archive.objects_dir.rglob("*.html"))) == 1
    one = parse_snapshot(
        ParseInput(data=body, source_id="r1", snapshot_sha256=first["snapshot_sha256"], content_type="text/html")
    )
    two = parse_snapshot(
        ParseInput(data=body, source_id="r2", snapshot_sha256=second["snapshot_sha256"], content_type="text/html")
    )
    # Two sources, two documents; the shared snapshot_sha256 is what identifies them as copies.
    assert one.doc_id != two.doc_id
    assert one.document["snapshot_sha256"] == two.document["snapshot_sha256"]
    assert one.document["text"] == two.document["text"]


# -- size and shape of the content -------------------------------------------------------------


def test_deeply_nested_html_is_flattened_with_a_warning():
    page = html_page().replace("<p>", "<div>" * 5000 + "<p>", 1)
    started = time.monotonic()
    result = parse(page)
    assert time.monotonic() - started < 5
    assert any(w.startswith("HTML nested deeper than 160: ") for w in result.document["warnings"])
    assert values(result) == VALUES and result.document["is_report"] is True


def test_page_with_10000_numbers_parses_in_linear_time():
    """A flattened table: 10,000 numbers in one run-on line, every fifth one a count."""
    table = "，".join(f"办理案件{i}件" if i % 5 == 0 else f"案卷{i}号" for i in range(10_000)) + "。"
    started = time.monotonic()
    result = parse(html_page(paragraphs=BODY + [table]))
    assert time.monotonic() - started < 8  # was 250 s: every metric carried and re-read the whole line
    assert len(result.metrics) == len(VALUES) + 2_000
    assert values(result)[-3:] == [9985, 9990, 9995]
    assert max(len(m["sentence"]) for m in result.metrics) <= MAX_SENTENCE_CHARS


def test_extremely_long_single_line_is_cut_at_the_bound_and_parses_in_time():
    line = "全年办理行政复议案件35件，" + "全面推进依法行政" * 200_000
    started = time.monotonic()
    result = parse(TITLE + "\n" + OPENING + "\n" + line, "text/plain")
    assert time.monotonic() - started < 10
    assert "text cut at 1500000 characters" in result.document["warnings"]
    assert result.document["text_chars"] <= 1_500_000
    (metric,) = result.metrics
    assert metric["value"] == 35 and len(metric["sentence"]) <= MAX_SENTENCE_CHARS


def test_absurd_values_are_quarantined_by_the_schema_maximum():
    """Decision: a value no report can mean (here 10^20件) breaks the metric schema's per-kind
    maximum and is quarantined with the reason; the page's other metrics are kept."""
    result = parse(
        html_page(paragraphs=BODY + ["全年受理案件100000000000000000000件，办结率达到1000000%，排名第1000000位。"])
    )
    assert values(result) == VALUES
    assert reasons(result) == [
        "value: 100000000000000000000 is greater than the maximum of 10000000000",  # a count
        "value: 1000000 is greater than the maximum of 100000",  # a percent
        "value: 1000000 is greater than the maximum of 100000",  # a rank
    ]
    row = next(r for r in result.quarantine if "10000000000" in r["reason"])
    assert row["stage"] == "normalize:metric" and json.loads(row["record_json"])["span"] == "100000000000000000000件"


def test_impossible_dates_are_ignored_with_a_warning():
    result = parse(html_page(paragraphs=["发布时间：2023-02-30"] + BODY))
    document = result.document
    assert document["publish_date"] is None
    assert "impossible publish date '2023-02-30' ignored" in document["warnings"]
    assert document["report_year"] == 2023 and values(result) == VALUES


def test_zero_width_and_control_characters_are_removed_before_offsets():
    dirty = [p.replace("行政", "行\u200b政\x07").replace("35", "3\u200d5").replace("，", "\ufeff，\x0b") for p in BODY]
    result = parse(html_page(title="某某县人民政府关于2023年法治\u200c政府建设情况的报告", paragraphs=dirty))
    document = result.document
    assert document["title"] == TITLE
    assert not re.search("[\u200b-\u200d\ufeff\x00-\x08\x0b\x0c\x0e-\x1f]", document["text"])
    assert values(result) == VALUES


def test_traditional_script_report_is_read_and_flagged():
    title = "某某縣人民政府關於2023年法治政府建設情況的報告"
    paragraphs = [
        "2023年，縣政府全面推進法治政府建設，現將有關情況報告如下。",
        "一、主要舉措和成效",
        "全年辦理行政復議案件35件，行政應訴案件62件，開展法治培訓40餘場次。",
    ]
    result = parse(html_page(title, paragraphs))
    document = result.document
    assert document["title"] == title and document["is_traditional_script"] is True
    assert document["is_report"] is True and document["report_year"] == 2023
    assert [(m["value"], m["unit"], m["qualifier"]) for m in result.metrics] == [
        (35, "件", None),
        (62, "件", None),
        (40, "場次", "余"),
    ]


def test_garbled_inline_pinyin_does_not_break_reading():
    garbled = [p.replace("建设", "建設(shè)").replace("行政", "行政(zhèng)") for p in BODY]
    result = parse(html_page(title="某某县人民政府关于2023年法治政府建設(shè)情况的报告", paragraphs=garbled))
    document = result.document
    assert document["is_report"] is True and document["report_year"] == 2023
    assert "建設(shè)" in document["text"]  # kept as published
    assert values(result) == VALUES


def test_spam_and_watermarks_inside_sentences_add_no_metrics():
    spammed = [
        OPENING,
        HEADING,
        "全年办理行政复议案件35件【本文来源：www.fanwen123.com 转载请注明】，行政应诉案件62件"
        "（微信公众号：wenmi2023，加V：13800138000领取资料），开展法治培训40余场次，培训干部1200人次。",
        RULES,
    ]
    result = parse(html_page(paragraphs=spammed))
    assert values(result) == VALUES
    assert "fanwen123" in result.document["text"]  # the stored text stays as published


def test_two_reports_on_one_page_warn_that_later_figures_may_belong_to_another():
    other = [
        "某某县人民政府关于2022年法治政府建设情况的报告",
        "2022年，县政府全面推进法治政府建设，现将有关情况报告如下。",
        "全年办理行政复议案件20件。",
    ]
    result = parse(html_page(paragraphs=BODY + other))
    document = result.document
    assert document["title"] == TITLE and document["report_year"] == 2023
    (warning,) = [w for w in document["warnings"] if w.startswith("another report title")]
    assert warning.endswith(
        "('某某县人民政府关于2022年法治政府建设情况的报告'): figures after it may belong to another report"
    )
    assert values(result) == VALUES + [20]


def test_title_with_no_year_takes_the_year_from_the_body():
    result = parse(html_page(title="某某县人民政府关于法治政府建设情况的报告"))
    document = result.document
    assert document["report_year"] == 2023 and not any("report_year" in w for w in document["warnings"])


def test_title_and_body_with_no_year_take_the_publish_year_minus_one_with_a_warning():
    paragraphs = ["发布时间：2024-03-15", "一年来，县政府全面推进法治政府建设，现将有关情况报告如下。", HEADING, CASES]
    document = parse(html_page(title="某某县人民政府关于法治政府建设情况的报告", paragraphs=paragraphs)).document
    assert document["publish_date"] == "2024-03-15" and document["report_year"] == 2023
    assert "report_year taken as the publish year minus one" in document["warnings"]


def test_no_year_anywhere_is_null_with_a_warning_unless_the_registry_hints_one():
    paragraphs = ["一年来，县政府全面推进法治政府建设，现将有关情况报告如下。", HEADING, CASES]
    page = html_page(title="某某县人民政府关于法治政府建设情况的报告", paragraphs=paragraphs)
    document = parse(page).document
    assert document["report_year"] is None and "report_year unknown" in document["warnings"]
    assert parse(page, report_year_hint=2021).document["report_year"] == 2021


def test_duplicated_paragraphs_keep_one_set_of_metrics_and_quarantine_the_repeats():
    result = parse(html_page(paragraphs=BODY + [CASES, RULES]))
    assert values(result) == VALUES
    assert (
        "2 paragraph(s) printed again verbatim; their metrics are quarantined as duplicates"
        in result.document["warnings"]
    )
    duplicate_reasons = reasons(result)
    assert len(duplicate_reasons) == 7
    assert all(
        re.fullmatch(r"duplicate: its paragraph at offset \d+ repeats the paragraph at offset \d+ verbatim", r)
        for r in duplicate_reasons
    )


# -- the stages: one bad page never stops the batch, and the warehouse keeps the reasons ---------


def test_stages_carry_a_mixed_batch_into_the_warehouse(loopback, tmp_path):
    report = html_page().encode("utf-8")
    routes = {
        "/report.html": Reply(200, report, HTML),
        "/garbage.html": Reply(200, bytes(range(256)) * 64, HTML),
        "/app.html": Reply(200, (BAD / "js_only.html").read_bytes(), HTML),
        "/gone.html": Reply(200, (BAD / "nginx_404_as_200.html").read_bytes(), HTML),
        "/report.pdf": Reply(200, b"%PDF-1.7\n" + bytes(300), {"Content-Type": "application/pdf"}),
        "/absurd.html": Reply(
            200, html_page(paragraphs=BODY + ["全年受理案件100000000000000000000件。"]).encode(), HTML
        ),
    }
    for path, reply in routes.items():
        loopback.route(path, reply)
    # Two host names for one server halve the per-host politeness delay.
    entries = [(path, ("127.0.0.1", "localhost")[i % 2]) for i, path in enumerate(routes)]
    registry = "sources:\n" + "".join(
        f"  - source_id: {path.strip('/').replace('.', '-')}\n    url: {loopback.url(path).replace('127.0.0.1', host)}\n"
        for path, host in entries
    )
    settings = replace(load_settings().with_root(tmp_path), allow_private_addresses=True)
    settings.raw_dir.mkdir(parents=True)
    settings.registry_path.write_text(registry, encoding="utf-8")

    fetched = stages.fetch_stage(settings)
    assert fetched == {"sources": 6, "new": 5, "error": 1}
    normalized = stages.normalize_stage(settings)
    assert (normalized["parsed"], normalized["documents"], normalized["reports"]) == (5, 2, 2)
    counts = stages.load_stage(
        settings,
        run={
            "run_id": "bad-inputs",
            "started_at": "2024-01-02T00:00:00+00:00",
            "code_version": "test",
            "parser_version": "test",
            "counts": normalized,
        },
    )
    assert counts["documents"] == 2 and counts["metrics"] == 2 * len(VALUES)

    con = duckdb.connect(str(settings.warehouse_dir / "fazhi.duckdb"), read_only=True)
    try:
        quarantined = dict(con.execute("SELECT source_id, reason FROM quarantine ORDER BY source_id").fetchall())
        fetch_errors = dict(con.execute("SELECT source_id, error FROM fetches WHERE error IS NOT NULL").fetchall())
    finally:
        con.close()
    assert quarantined[
        "app-html"
    ] == "no text in the page (markup holds 2 scripts; rendered by JavaScript?)" or quarantined["app-html"].startswith(
        "no body text: "
    )
    assert quarantined["garbage-html"].startswith("not text: ")
    assert quarantined["absurd-html"] == "value: 100000000000000000000 is greater than the maximum of 10000000000"
    assert fetch_errors["gone-html"].startswith("HTTP 200 but error page served as content: ")
    assert quarantined["report-pdf"].startswith("corrupt PDF: PDFium cannot open it")
    assert "report-pdf" not in fetch_errors


# -- fuzzing the normalize path ----------------------------------------------------------------

WORDS = [
    "一、",
    "（一）",
    "1.",
    "第三",
    "二是",
    "百分之",
    "十二",
    "两千四百",
    "三万零五百",
    "1,234",
    "５６",
    "91.15%",
    "件",
    "人次",
    "个工作日",
    "亿元",
    "万",
    "余",
    "多",
    "同比增长",
    "排名第",
    "位",
    "：",
    "，",
    "。",
    "\n",
    "\n\n",
    " ",
    "\u3000",
    "打印本页",
    "关闭窗口",
    "来源：",
    "发布时间：",
    "2023-02-30",
    "2024年3月1日",
    "首页 > 政务公开 > ",
    "法治政府建设",
    "情况的报告",
    "某某县人民政府",
    "《",
    "》",
    "“",
    "”",
    "〔2023〕",
    "\u200b",
    "\x07",
    "建設(shè)",
    "404",
    "登录",
]
# Control characters are binary data, not text: a page of them is quarantined as such (tested above).
printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)
fuzz_text = st.lists(st.one_of(st.sampled_from(WORDS), printable), max_size=120).map("".join)


@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=fuzz_text)
def test_fuzz_text_never_crashes_the_parser_and_offsets_slice(body):
    for content_type in ("text/plain", "text/html"):
        text = f"{TITLE}\n{OPENING}\n{body}" if content_type == "text/plain" else html_page(paragraphs=[OPENING, body])
        result = parse(text, content_type)
        assert not [r for r in reasons(result) if r.startswith("parser failed")]
        assert result.document is not None  # a titled report opening is always content


@hypothesis_settings(max_examples=100, deadline=None)
@given(
    data=st.binary(max_size=3000),
    content_type=st.sampled_from(["text/html", "text/plain", None, "application/octet-stream"]),
)
def test_fuzz_bytes_end_as_records_or_reasons(data, content_type):
    result = parse(data, content_type)
    assert not [r for r in reasons(result) if r.startswith("parser failed")]
