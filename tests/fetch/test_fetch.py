"""Fetching over real HTTP on 127.0.0.1 (see loopback.py); no internet."""

import hashlib
import shutil
from dataclasses import replace

import httpx
import pytest
from loopback import Reply, loopback  # noqa: F401  (loopback is a fixture)

from flows import __version__
from flows.core.config import PROJECT_DIR
from flows.core.contracts import errors
from flows.fetch.archive import Archive
from flows.fetch.encoding import decode
from flows.fetch.http import FetchOptions, fetch_sources, target_problem
from flows.fetch.registry import load_registry

FAST = FetchOptions(
    connect_timeout=1.0,
    read_timeout=0.3,
    retries=1,
    backoff_base=0.01,
    per_host_delay=0.0,
    allow_private_addresses=True,
    trust_env=False,
)
SEED_SHA256 = hashlib.sha256((PROJECT_DIR / "tests/fixtures/corpus/seed/chaoyang-2022.txt").read_bytes()).hexdigest()

REPORT = (
    "某某县人民政府关于2023年法治政府建设情况的报告\n"
    "2023年，县政府坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
    "全面推进法治政府建设。全年办理行政复议案件35件，行政应诉案件62件，开展法治培训40余场次。"
    "现将有关情况报告如下。一、主要举措和成效（一）完善依法行政制度体系。"
)


def html(body: str = REPORT, meta: str | None = None) -> str:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return f"<html><head>{head}<title>报告</title></head><body><p>{body}</p></body></html>"


def source(server, path: str, source_id: str | None = None) -> dict:
    return {
        "source_id": source_id or path.strip("/").replace("/", "-"),
        "url": server.url(path),
        "issuer": None,
        "region_hint": None,
        "report_year_hint": None,
        "notes": None,
        "is_synthetic": True,
    }


def by_source(summary) -> dict:
    return {row["source_id"]: row for row in summary.rows}


def stored_files(archive: Archive) -> list[str]:
    return sorted(p.name for p in archive.objects_dir.rglob("*") if p.is_file()) if archive.objects_dir.exists() else []


class NoNetwork(httpx.BaseTransport):
    def handle_request(self, request):
        raise AssertionError(f"network used: {request.url}")


def test_utf8_page_is_archived_then_unchanged_then_skipped(loopback, tmp_path):
    body = html().encode("utf-8")
    loopback.route("/utf8", Reply(200, body, {"Content-Type": "text/html; charset=utf-8", "X-Extra": "1"}))
    archive = Archive(tmp_path)
    events = []

    first = fetch_sources([source(loopback, "/utf8")], archive, options=FAST, progress=events.append)
    (row,) = first.rows
    sha256 = hashlib.sha256(body).hexdigest()
    assert row["outcome"] == "new" and row["error"] is None
    assert (row["snapshot_sha256"], row["bytes"], row["http_status"]) == (sha256, len(body), 200)
    assert (row["encoding"], row["encoding_source"]) == ("utf-8", "http")
    assert row["final_url"] == loopback.url("/utf8") and row["is_captured_text"] is False
    assert row["response_headers"]["x-extra"] == "1"
    assert errors(row, "fetch") == []
    assert archive.read(sha256) == body
    assert archive.object_path(sha256) == tmp_path / "objects" / sha256[:2] / f"{sha256}.html"
    assert archive.rows() == [row]
    assert first.counts == {"new": 1} and first.snapshots == {"utf8": row}
    assert events == [
        {
            "source_id": "utf8",
            "url": loopback.url("/utf8"),
            "outcome": "new",
            "error": None,
            "snapshot_sha256": sha256,
            "has_snapshot": True,
            "done": 1,
            "total": 1,
        }
    ]
    user_agent = loopback.requests_to("/utf8")[0].headers["user-agent"]
    assert user_agent.startswith(f"fazhi/{__version__} (+https://")

    again = fetch_sources([source(loopback, "/utf8")], archive, refresh=True, options=FAST)
    assert again.rows[0]["outcome"] == "unchanged" and again.rows[0]["snapshot_sha256"] == sha256
    assert stored_files(archive) == [f"{sha256}.html"]

    skipped = fetch_sources([source(loopback, "/utf8")], archive, options=FAST)
    assert skipped.rows == [] and skipped.counts == {"archived": 1} and skipped.skipped == ["utf8"]
    assert loopback.hits("/utf8") == 2
    assert len(archive.rows()) == 2


def test_chinese_encodings_are_detected_and_bytes_kept(loopback, tmp_path):
    with_meta = html(meta="gbk")
    without_charset = html()
    gb2312_labelled = html("市委·市政府——" + REPORT)
    loopback.route("/gbk-meta", Reply(200, with_meta.encode("gbk"), {"Content-Type": "text/html"}))
    loopback.route("/gbk-bare", Reply(200, without_charset.encode("gbk"), {"Content-Type": "text/html"}))
    loopback.route(
        "/gb2312", Reply(200, gb2312_labelled.encode("gb18030"), {"Content-Type": "text/html; charset=gb2312"})
    )
    archive = Archive(tmp_path)
    summary = fetch_sources([source(loopback, p) for p in ("/gbk-meta", "/gbk-bare", "/gb2312")], archive, options=FAST)
    rows = by_source(summary)
    expected = {
        "gbk-meta": (with_meta, "meta"),
        "gbk-bare": (without_charset, "detector"),
        "gb2312": (gb2312_labelled, "http"),
    }
    for source_id, (text, evidence) in expected.items():
        row = rows[source_id]
        assert row["outcome"] == "new", source_id
        assert row["encoding_source"] == evidence, source_id
        assert decode(archive.read(row["snapshot_sha256"]), row["encoding"]) == text, source_id
    assert rows["gb2312"]["encoding"] == "gb18030"
    assert archive.read(rows["gb2312"]["snapshot_sha256"]) == gb2312_labelled.encode("gb18030")


def test_bad_urls_become_error_rows_and_do_not_stop_the_others(loopback, tmp_path):
    page = html().encode("utf-8")
    loopback.route("/ok", Reply(200, page, {"Content-Type": "text/html; charset=utf-8"}))
    loopback.route("/flaky", Reply(500), Reply(200, page, {"Content-Type": "text/html; charset=utf-8"}))
    loopback.route("/down", Reply(503))
    loopback.route("/slow", Reply(200, page, {"Content-Type": "text/html"}, delay=1.0))
    loopback.route("/image", Reply(200, b"\x89PNG\r\n\x1a\n....", {"Content-Type": "image/png"}))
    loopback.route("/empty", Reply(200, b"", {"Content-Type": "text/html"}))
    sources = [source(loopback, p) for p in ("/ok", "/flaky", "/down", "/slow", "/image", "/empty", "/missing")]
    sources.append({**source(loopback, "/ok", "tls"), "url": loopback.url("/ok").replace("http://", "https://")})
    sources.append({**source(loopback, "/x", "dns"), "url": "http://fazhi-test.invalid/report.html"})
    archive = Archive(tmp_path)
    events = []
    summary = fetch_sources(sources, archive, options=FAST, progress=events.append)
    rows = by_source(summary)

    assert rows["ok"]["outcome"] == "new"
    assert rows["flaky"]["outcome"] == "new" and loopback.hits("/flaky") == 2
    assert (
        rows["down"]["error"] == "HTTP 503 Service Unavailable after 2 attempts" and rows["down"]["http_status"] == 503
    )
    assert rows["slow"]["error"] == "read timed out after 2 attempts" and loopback.hits("/slow") == 2
    assert rows["image"]["error"] == "not HTML or text: image/png" and rows["image"]["snapshot_sha256"] is None
    assert rows["empty"]["error"] == "empty body"
    assert rows["missing"]["error"] == "HTTP 404 Not Found" and rows["missing"]["http_status"] == 404
    assert rows["tls"]["error"].startswith("TLS error: ") and rows["tls"]["http_status"] is None
    assert rows["dns"]["error"].startswith("DNS lookup failed for fazhi-test.invalid")
    assert summary.counts == {"new": 2, "error": 7}
    assert [row["source_id"] for row in summary.rows] == [s["source_id"] for s in sources]
    assert sorted(summary.missing) == sorted(s["source_id"] for s in sources if s["source_id"] not in ("ok", "flaky"))
    assert len(archive.rows()) == 9 and all(errors(row, "fetch") == [] for row in archive.rows())
    assert stored_files(archive) == [f"{hashlib.sha256(page).hexdigest()}.html"]
    assert sorted(event["done"] for event in events) == list(range(1, 10))
    assert all("\n" not in row["error"] for row in summary.rows if row["error"])


def test_redirects_followed_and_loops_refused(loopback, tmp_path):
    page = html().encode("utf-8")
    loopback.route("/final", Reply(200, page, {"Content-Type": "text/html; charset=utf-8"}))
    loopback.route("/r1", Reply(301, headers={"Location": "/r2"}))
    loopback.route("/r2", Reply(302, headers={"Location": loopback.url("/final")}))
    loopback.route("/loop-a", Reply(302, headers={"Location": "/loop-b"}))
    loopback.route("/loop-b", Reply(302, headers={"Location": "/loop-a"}))
    for hop in range(7):
        loopback.route(f"/hop{hop}", Reply(307, headers={"Location": f"/hop{hop + 1}"}))
    loopback.route("/to-ftp", Reply(302, headers={"Location": "ftp://example.org/report.html"}))
    archive = Archive(tmp_path)
    summary = fetch_sources(
        [source(loopback, p) for p in ("/r1", "/loop-a", "/hop0", "/to-ftp")], archive, options=FAST
    )
    rows = by_source(summary)
    assert rows["r1"]["outcome"] == "new" and rows["r1"]["final_url"] == loopback.url("/final")
    assert archive.read(rows["r1"]["snapshot_sha256"]) == page
    assert (
        rows["loop-a"]["error"]
        == f"redirect loop: {loopback.url('/loop-b')} redirects back to {loopback.url('/loop-a')}"
    )
    assert rows["hop0"]["error"] == "too many redirects (more than 5)" and loopback.hits("/hop6") == 0
    assert rows["to-ftp"]["error"] == "refused: 'ftp://example.org/report.html' is not an http(s) URL"


def test_conditional_get_gives_not_modified(loopback, tmp_path):
    page = html().encode("utf-8")
    validators = {"ETag": '"v1"', "Last-Modified": "Tue, 07 Mar 2023 08:00:00 GMT"}

    def conditional(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(200, page, {"Content-Type": "text/html; charset=utf-8", **validators})

    loopback.route("/etag", conditional)
    archive = Archive(tmp_path)
    first = fetch_sources([source(loopback, "/etag")], archive, options=FAST).rows[0]
    assert (first["outcome"], first["etag"], first["last_modified"]) == ("new", '"v1"', validators["Last-Modified"])

    second = fetch_sources([source(loopback, "/etag")], archive, refresh=True, options=FAST)
    (row,) = second.rows
    assert row["outcome"] == "not_modified" and row["http_status"] == 304
    assert row["snapshot_sha256"] == first["snapshot_sha256"] and row["encoding"] == "utf-8"
    assert second.counts == {"not_modified": 1}
    sent = loopback.requests_to("/etag")[1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == validators["Last-Modified"]
    assert stored_files(archive) == [f"{first['snapshot_sha256']}.html"]
    assert archive.latest_snapshot("etag") == row


def test_oversize_bodies_are_refused_while_streaming(loopback, tmp_path):
    big = b"<html>" + b"x" * 100_000 + b"</html>"
    loopback.route("/declared", Reply(200, big, {"Content-Type": "text/html"}))
    loopback.route("/streamed", Reply(200, big, {"Content-Type": "text/html"}, send_length=False))
    archive = Archive(tmp_path)
    options = replace(FAST, max_bytes=64 * 1024)
    summary = fetch_sources([source(loopback, "/declared"), source(loopback, "/streamed")], archive, options=options)
    for row in summary.rows:
        assert row["outcome"] == "error" and row["error"] == "body exceeds 64 KB limit"
        assert row["http_status"] == 200 and row["snapshot_sha256"] is None
    assert stored_files(archive) == []


def test_pdf_and_word_are_archived_as_snapshots_by_their_magic_bytes(loopback, tmp_path):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    error_page = b"<html><head><title>404 Not Found</title></head><body>not found</body></html>"
    loopback.route("/report.pdf", Reply(200, pdf, {"Content-Type": "application/pdf"}))
    loopback.route("/download", Reply(200, doc, {"Content-Type": "application/octet-stream"}))
    loopback.route("/missing.pdf", Reply(200, error_page, {"Content-Type": "application/pdf"}))
    archive = Archive(tmp_path)
    sources = [source(loopback, "/report.pdf", "pdf"), source(loopback, "/download"), source(loopback, "/missing.pdf")]
    rows = by_source(fetch_sources(sources, archive, options=FAST))
    assert rows["pdf"]["outcome"] == "new" and rows["pdf"]["error"] is None
    assert archive.read(rows["pdf"]["snapshot_sha256"]) == pdf
    assert archive.object_path(rows["pdf"]["snapshot_sha256"]).suffix == ".pdf"
    assert rows["pdf"]["encoding"] is None and rows["pdf"]["parent_sha256"] is None
    assert rows["download"]["outcome"] == "new" and rows["download"]["content_type"] == "application/msword"
    assert archive.object_path(rows["download"]["snapshot_sha256"]).suffix == ".doc"
    missing = rows["missing.pdf"]
    assert missing["outcome"] == "error" and missing["snapshot_sha256"] is None
    assert missing["error"] == "HTTP 200 but not a PDF: an HTML page served as application/pdf (title '404 Not Found')"


def test_429_honours_retry_after(loopback, tmp_path):
    page = html().encode("utf-8")
    loopback.route("/busy", Reply(429, headers={"Retry-After": "1"}), Reply(200, page, {"Content-Type": "text/html"}))
    loopback.route("/closed", Reply(429, headers={"Retry-After": "3600"}))
    archive = Archive(tmp_path)
    rows = by_source(fetch_sources([source(loopback, "/busy"), source(loopback, "/closed")], archive, options=FAST))
    assert rows["busy"]["outcome"] == "new"
    first, second = loopback.requests_to("/busy")
    assert second.started - first.started >= 0.95
    assert rows["closed"]["error"] == "HTTP 429 Too Many Requests; Retry-After 3600 s exceeds the 60 s limit"
    assert loopback.hits("/closed") == 1


def test_at_most_two_requests_per_host_and_spacing(loopback, tmp_path):
    for n in range(6):
        loopback.route(f"/p{n}", Reply(200, html(f"第{n}页").encode(), {"Content-Type": "text/html"}, delay=0.2))
    options = replace(FAST, workers=6, read_timeout=2.0, per_host_delay=0.05)
    summary = fetch_sources([source(loopback, f"/p{n}") for n in range(6)], Archive(tmp_path), options=options)
    assert summary.counts == {"new": 6}
    assert loopback.max_in_flight == 2
    starts = sorted(request.started for request in loopback.requests)
    assert all(later - earlier >= 0.03 for earlier, later in zip(starts, starts[1:]))  # 0.05 s, minus jitter


def test_private_addresses_refused_by_default(loopback, tmp_path):
    loopback.route("/page", Reply(200, html().encode(), {"Content-Type": "text/html"}))
    options = replace(FAST, allow_private_addresses=False)
    (row,) = fetch_sources([source(loopback, "/page")], Archive(tmp_path), options=options).rows
    assert row["error"] == "refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address"
    assert row["final_url"] is None and loopback.hits("/page") == 0


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://10.1.2.3/a", "refused: 10.1.2.3 resolves to 10.1.2.3, a private address"),
        (
            "http://169.254.169.254/latest/meta-data",
            "refused: 169.254.169.254 resolves to 169.254.169.254, a link-local address",
        ),
        ("http://[::1]:8080/", "refused: ::1 resolves to ::1, a loopback address"),
        ("http://[::ffff:192.168.0.1]/", "refused: ::ffff:192.168.0.1 resolves to 192.168.0.1, a private address"),
        ("http://localhost/", "refused: localhost resolves to 127.0.0.1, a loopback address"),
        ("file:///etc/passwd", "refused: 'file:///etc/passwd' is not an http(s) URL"),
        ("http://93.184.215.14/report.html", None),
    ],
)
def test_target_problem(url, problem):
    assert target_problem(url) == problem


def test_offline_run_reports_the_committed_seed_without_network():
    manifest = PROJECT_DIR / "raw" / "manifest.jsonl"
    before = manifest.read_bytes()
    events = []
    summary = fetch_sources(
        load_registry(PROJECT_DIR / "raw" / "sources.yaml"),
        Archive(PROJECT_DIR / "raw"),
        offline=True,
        options=FetchOptions(transport=NoNetwork()),
        progress=events.append,
    )
    assert summary.rows == [] and summary.offline
    assert summary.snapshots["chaoyang-2022"]["snapshot_sha256"] == SEED_SHA256
    assert summary.missing == [] and summary.counts == {"offline": 1}
    assert [(e["source_id"], e["outcome"], e["has_snapshot"]) for e in events] == [("chaoyang-2022", "offline", True)]
    assert manifest.read_bytes() == before


def test_default_run_on_the_committed_registry_needs_no_network(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(PROJECT_DIR / "raw", raw)
    summary = fetch_sources(
        load_registry(raw / "sources.yaml"), Archive(raw), options=FetchOptions(transport=NoNetwork())
    )
    assert summary.rows == [] and summary.counts == {"archived": 1}
    assert summary.snapshots["chaoyang-2022"]["snapshot_sha256"] == SEED_SHA256
    assert (raw / "manifest.jsonl").read_bytes() == (PROJECT_DIR / "raw" / "manifest.jsonl").read_bytes()


def test_fetch_stage_progress_shows_problems_at_once_and_routine_outcomes_at_most_once_a_second(tmp_path, corpus_dir):
    """A registry of 50,000 sources must not print 50,000 lines; a source without a snapshot always shows."""
    import yaml
    from corpus_root import build_corpus_root

    from flows.stages import fetch_stage

    settings = build_corpus_root(tmp_path, corpus_dir)
    registry = yaml.safe_load(settings.registry_path.read_text(encoding="utf-8"))
    registry["sources"].insert(3, {"source_id": "never-fetched", "url": "https://example.gov.cn/never.html"})
    settings.registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    total = len(registry["sources"])
    lines: list[str] = []
    counts = fetch_stage(settings, offline=True, progress=lines.append)
    assert counts["sources"] == total
    assert lines[0].startswith(f"fetch 1/{total}: ")
    assert lines[-1].startswith(f"fetch {total}/{total}: ")
    assert f"fetch 4/{total}: never-fetched: offline (no snapshot archived)" in lines
    assert len(lines) < total // 2
