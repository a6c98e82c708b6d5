"""A report published as a PDF (or an OFD file) linked from a short page, end to end through the stage functions:
fetched over loopback HTTP, parsed with the linking page's printed date and source, loaded into the
warehouse with its text source and page numbers."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest
from attachment_files import FIXTURES
from loopback import Reply, loopback  # noqa: F401  (loopback is a fixture)

from flows import stages
from flows.core.config import load_settings
from flows.fetch.archive import Archive

PAGE = """<html><head><meta charset="utf-8"><title>某某区2023年度法治政府建设情况的报告</title></head><body>
<div>您现在的位置：首页 > 政务公开 > 法治政府建设</div>
<h1>某某区2023年度法治政府建设情况的报告</h1>
<p>发布时间：2024-03-20　　来源：区司法局</p>
<p>附件：<a href="/files/P020240320.{kind}">某某区2023年度法治政府建设情况的报告.{kind}</a></p>
</body></html>"""


@pytest.mark.parametrize("kind, fixture", [("pdf", "report.pdf"), ("ofd", "ofd/report.ofd")])
def test_short_page_with_a_report_file_ends_in_the_warehouse_as_a_document_of_that_kind(
    loopback, tmp_path, kind, fixture
):
    page = PAGE.replace("{kind}", kind)
    loopback.route(
        "/art/2024/3/20/1.html", Reply(200, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    )
    data = (FIXTURES / fixture).read_bytes()
    loopback.route(f"/files/P020240320.{kind}", Reply(200, data, {"Content-Type": "application/octet-stream"}))
    settings = replace(load_settings().with_root(tmp_path), allow_private_addresses=True)
    settings.raw_dir.mkdir(parents=True)
    url = loopback.url("/art/2024/3/20/1.html")
    settings.registry_path.write_text(
        f"sources:\n  - source_id: xx-2023\n    url: {url}\n    is_synthetic: true\n", encoding="utf-8"
    )

    assert stages.fetch_stage(settings) == {"sources": 1, "new": 1, "attachments": 1}
    page_row, pdf_row = Archive(settings.raw_dir).rows()
    assert pdf_row["parent_sha256"] == page_row["snapshot_sha256"]
    normalized = stages.normalize_stage(settings)
    assert (normalized["parsed"], normalized["documents"], normalized["reports"]) == (1, 1, 1)
    stages.load_stage(
        settings,
        run={
            "run_id": "attachments",
            "started_at": "2024-03-21T00:00:00+00:00",
            "code_version": "test",
            "parser_version": "test",
            "counts": normalized,
        },
    )
    con = duckdb.connect(str(settings.warehouse_dir / "fazhi.duckdb"), read_only=True)
    try:
        document = con.execute(
            "SELECT url, snapshot_sha256, text_source, title, publish_date, source_org, report_year FROM documents"
        ).fetchone()
        pages = con.execute("SELECT number, page FROM sections WHERE level = 1 ORDER BY ordinal").fetchall()
        metric = con.execute("SELECT span, page FROM metrics WHERE span = '86件'").fetchone()
        parents = con.execute("SELECT url, parent_sha256 FROM fetches ORDER BY fetched_at").fetchall()
    finally:
        con.close()
    assert document[0] == loopback.url(f"/files/P020240320.{kind}") and document[1] == pdf_row["snapshot_sha256"]
    assert pdf_row["content_type"] == ("application/pdf" if kind == "pdf" else "application/ofd")
    assert document[2] == kind
    assert document[3] == "某某市某某区人民政府关于2023年度法治政府建设情况的报告"  # printed in the PDF
    assert str(document[4]) == "2024-03-20" and document[5] == "区司法局"  # printed on the linking page
    assert document[6] == 2023
    assert pages == [("一", 1), ("二", 2), ("三", 2)]
    assert metric == ("86件", 2)
    assert parents == [(url, None), (loopback.url(f"/files/P020240320.{kind}"), page_row["snapshot_sha256"])]
