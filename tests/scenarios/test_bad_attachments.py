"""Bad attachments: each ends as one quarantine row with a one-line reason, never a crash, and the
other documents of the same normalize batch are parsed as if it were not there."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
import yaml
from attachment_files import DOCX_TYPE, FIXTURES, docx_file, minimal_pdf, ofd_file, pdf_bomb, with_member

from flows import stages
from flows.core.config import load_settings
from flows.fetch.archive import Archive, utc_now
from flows.normalize.attachments import ocr
from flows.normalize.batch import normalize_batch
from flows.normalize.document import ParseInput, parse_snapshot
from flows.normalize.staging import read_staged

PDF = "application/pdf"
OFD = "application/ofd"
HTML_404 = b"<html><head><title>404 Not Found</title></head><body><center>nginx</center></body></html>"


def bad_attachments() -> dict[str, tuple[bytes, str, str]]:
    """name -> (bytes, content type, start of the quarantine reason)."""
    word = docx_file()
    cases = {
        "encrypted": (minimal_pdf(encrypt=True), PDF, "encrypted PDF: a password is needed to open it"),
        "corrupt": (b"%PDF-1.7\n" + b"garbage " * 100, PDF, "corrupt PDF: PDFium cannot open it (data format error)"),
        "zero-pages": (minimal_pdf(pages=0), PDF, "PDF has no pages"),
        "bomb": (pdf_bomb(), PDF, "PDF decompression bomb: compressed streams inflate past 256 MB"),
        "zip-bomb": (with_member(word, "word/media/bomb.bin", 300), DOCX_TYPE, "zip bomb: the Word file's"),
        "macros": (
            with_member(word, "word/vbaProject.bin", payload=b"Attribute VB_Name"),
            DOCX_TYPE,
            "macro-enabled Word file (.docm): not opened; save it as .docx or PDF",
        ),
        "html-as-pdf": (HTML_404, PDF, "not a PDF: an HTML page served as a PDF (title '404 Not Found')"),
    }
    cases["scan"] = ((FIXTURES / "scanned.pdf").read_bytes(), PDF, "scanned PDF without text layer: install fazhi[ocr]")
    report_ofd = (FIXTURES / "ofd" / "report.ofd").read_bytes()
    cases["ofd-zip-bomb"] = (with_member(report_ofd, "Doc_0/Res/bomb.bin", 300), OFD, "zip bomb: the OFD file's")
    cases["ofd-corrupt"] = (report_ofd[: len(report_ofd) // 2], OFD, "corrupt OFD: not a readable zip archive")
    cases["ofd-no-entry"] = (ofd_file(drop=("OFD.xml",)), OFD, "not an OFD file: the zip archive has no OFD.xml")
    cases["ofd-scan"] = (ofd_file([[]], image_pages=(0,)), OFD, "OFD without text layer (its pages hold only images)")
    cases["html-as-ofd"] = (HTML_404, OFD, "not a .ofd file: an HTML page served as .ofd (title '404 Not Found')")
    return cases


@pytest.fixture(autouse=True)
def without_ocr(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)  # as without fazhi[ocr]: a scan is bad input


@pytest.mark.parametrize("name", sorted(bad_attachments()))
def test_bad_attachment_is_one_quarantine_row_with_a_one_line_reason(name):
    data, content_type, reason = bad_attachments()[name]
    result = parse_snapshot(
        ParseInput(
            data=data, source_id=name, snapshot_sha256=hashlib.sha256(data).hexdigest(), content_type=content_type
        )
    )
    assert result.document is None and result.sections == [] and result.metrics == []
    (row,) = result.quarantine
    assert row["reason"].startswith(reason) and "\n" not in row["reason"], row["reason"]
    assert row["stage"] in ("normalize:decode", "normalize:extract")


def test_two_thousand_pages_are_capped_with_a_warning():
    data = minimal_pdf(pages=2000, text="Cases handled in 2023, item", numbered=True)
    result = parse_snapshot(
        ParseInput(data=data, source_id="long", snapshot_sha256=hashlib.sha256(data).hexdigest(), content_type=PDF)
    )
    assert "PDF has 2000 pages: only the first 300 were read" in result.document["warnings"]
    assert "item 300, line 3" in result.document["text"] and "item 301," not in result.document["text"]


def test_bad_attachments_leave_the_rest_of_the_batch_alone(tmp_path):
    settings = replace(load_settings().with_root(tmp_path), allow_private_addresses=True)
    settings.raw_dir.mkdir(parents=True)
    archive = Archive(settings.raw_dir)
    files = {name: (data, content_type) for name, (data, content_type, _) in bad_attachments().items()}
    files["good-pdf"] = ((FIXTURES / "report.pdf").read_bytes(), PDF)
    files["good-docx"] = (docx_file([line for line in (FIXTURES / "report.txt").read_text().splitlines()]), DOCX_TYPE)
    files["good-ofd"] = ((FIXTURES / "ofd" / "report.ofd").read_bytes(), OFD)
    sources = []
    for name, (data, content_type) in files.items():
        source = {"source_id": name, "url": f"http://www.example.gov.cn/{name}", "is_synthetic": True}
        sources.append(source)
        sha256, _ = archive.put(data, content_type)
        archive.append(
            {
                "fetch_id": hashlib.sha256(name.encode()).hexdigest()[:16],
                "source_id": name,
                "url": source["url"],
                "final_url": source["url"],
                "fetched_at": utc_now(),
                "http_status": 200,
                "content_type": content_type,
                "etag": None,
                "last_modified": None,
                "encoding": None,
                "encoding_source": None,
                "snapshot_sha256": sha256,
                "bytes": len(data),
                "outcome": "new",
                "error": None,
                "is_captured_text": False,
                "response_headers": None,
            }
        )
    settings.registry_path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")

    items = stages.plan_normalize(settings).items
    counts = normalize_batch(settings, items)  # one batch holding all of them
    assert counts["parsed"] == len(files) and counts["documents"] == 3 and counts["reports"] == 3
    staged = {item.source_id: read_staged(settings.warehouse_dir, item.doc_id) for item in items}
    for name in bad_attachments():
        assert staged[name]["document"] is None and len(staged[name]["quarantine"]) == 1, name
    good_pdf, good_docx = staged["good-pdf"], staged["good-docx"]
    assert good_pdf["document"]["text_source"] == "pdf" and good_docx["document"]["text_source"] == "docx"
    assert staged["good-ofd"]["document"]["text_source"] == "ofd"
    spans = [m["span"] for m in good_pdf["metrics"]]
    assert spans == [m["span"] for m in good_docx["metrics"]] and "86件" in spans
    assert spans == [m["span"] for m in staged["good-ofd"]["metrics"]]
