"""OFD attachments (GB/T 33190-2016) read natively into reading text, documents, sections and metrics.

Two kinds of fixtures: files written by easyofd, an OFD writer independent of fazhi, from PDFs of
corpus reports printed by Chromium (tests/fixtures/attachments/make_ofd.py; committed), and files
laid out here as the standard describes (``attachment_files.ofd_file``) for the layouts and the bad
inputs easyofd does not write."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from attachment_files import FIXTURES, OFD_SIZE_MM, ofd_file, with_member
from attachment_files import parse_attachment as parse

from flows.core import contracts
from flows.normalize.attachments import ocr, ofd
from flows.normalize.attachments.docx import chinese_counting
from flows.normalize.attachments.formats import sniff_format
from flows.tools.evaluate import evaluate_corpus

sys.path.insert(0, str(FIXTURES))
from make_ofd import CORPUS_NAMES, fixture_path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
from test_evaluate_attachments import TOLERANCE, measures  # noqa: E402

OFD_TYPE = "application/ofd"
TITLE = "某某县人民政府关于2023年法治政府建设情况的报告"
BODY = [
    "一、主要工作",
    "全年办理行政复议案件128件，同比增长12%。",
    "区政府常务会议专题研究法治政府建设工作，及时解决工作推进中的重大问题，将法治政府建设纳入全区经济社会发展"
    "总体规划和年度工作计划，与经济社会发展同部署、同推进、同督促、同考核、同奖惩，把法治政府建设成效作为衡量"
    "各级领导班子和领导干部工作实绩的重要内容，纳入政绩考核指标体系。",
    "二、存在的问题",
    "基层执法力量仍然不足。",
]
CHARS_PER_LINE = 40  # 168 mm of 4.2 mm characters between margins of 25 mm and 193 mm


def report_page(title: str = TITLE, body: list[str] = BODY) -> list:
    """A page laid out as reports are printed: the title centred, each paragraph indented by two
    characters and wrapped at the right margin."""
    width = sum(OFD_SIZE_MM if ord(char) >= 0x2000 else OFD_SIZE_MM / 2 for char in title)
    lines: list = [(title, 25 + (CHARS_PER_LINE * OFD_SIZE_MM - width) / 2)]
    for paragraph in body:
        first, rest = paragraph[: CHARS_PER_LINE - 2], paragraph[CHARS_PER_LINE - 2 :]
        lines.append((first, 25 + 2 * OFD_SIZE_MM))
        while rest:
            lines.append((rest[:CHARS_PER_LINE], 25))
            rest = rest[CHARS_PER_LINE:]
    return lines


def parse_ofd(data: bytes, name: str = "report.ofd"):
    return parse(data, OFD_TYPE, name)


def reason(data: bytes, content_type: str = OFD_TYPE, name: str = "report.ofd") -> str:
    result = parse(data, content_type, name)
    assert result.document is None
    [row] = result.quarantine
    return row["reason"]


# -- files of a real writer (easyofd) ------------------------------------------------------------


def test_the_fixtures_were_written_by_easyofd_and_stay_small():
    sizes = {}
    for name in CORPUS_NAMES:
        data = fixture_path(name).read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert b"<ofd:Creator>easyofd</ofd:Creator>" in archive.read("OFD.xml")
        sizes[name] = len(data)
    assert sum(sizes.values()) < 300_000, sizes


def test_corpus_reports_as_ofd_score_within_0_01_of_the_text_path(corpus_dir):
    names = set(CORPUS_NAMES)
    attachments = {name: fixture_path(name).read_bytes() for name in names}
    report = evaluate_corpus(corpus_dir, as_format="ofd", attachments=attachments, names=names)
    assert report.documents == len(names)
    text = measures(evaluate_corpus(corpus_dir, names=names))
    scores = measures(report)
    worse = {k: (round(scores[k], 3), round(text[k], 3)) for k in text if scores[k] < text[k] - TOLERANCE}
    assert not worse, worse
    assert scores["headings F1"] == scores["metrics F1"] == 1.0  # measured: every score is 1.000


def test_report_ofd_reads_as_the_pdf_it_was_made_from():
    result = parse_ofd((FIXTURES / "ofd" / "report.ofd").read_bytes())
    pdf = parse((FIXTURES / "report.pdf").read_bytes())
    document = result.document
    assert document["text_source"] == "ofd"
    assert contracts.errors(document, "document") == []
    assert document["title"] == pdf.document["title"] == "某某市某某区人民政府关于2023年度法治政府建设情况的报告"
    text = document["text"]
    assert "— 1 —" not in text and "— 2 —" not in text  # page numbers dropped
    assert "某某区2023年度法治政府建设情况的报告" not in text  # the running header
    lines = text.split("\n")
    assert "东城街道 32 98" in lines and "南湖镇 25 96" in lines  # table rows stay rows
    headings = [(s["marker"] + s["heading"], s["page"]) for s in result.sections if s["level"]]
    assert headings == [(s["marker"] + s["heading"], s["page"]) for s in pdf.sections if s["level"]]
    assert headings[2][0].endswith("重大执法决定法制审核制度")  # split by a page break, one heading again
    assert [(m["span"], m["page"]) for m in result.metrics] == [(m["span"], m["page"]) for m in pdf.metrics]
    assert {m["page"] for m in result.metrics} == {1, 2}
    for metric in result.metrics:
        assert text[metric["start"] : metric["end"]] == metric["span"]


def test_fazhi_parse_reads_an_ofd_file():
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "parse", "--format", "jsonl", str(fixture_path("dev/d01.json"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    parsed = json.loads(line)
    assert parsed["document"]["text_source"] == "ofd"
    assert parsed["document"]["issuers"] == ["南昌县人民政府"]
    assert parsed["document"]["report_year"] == 2019
    assert parsed["metrics"] and {m["page"] for m in parsed["metrics"]} == {1}


# -- files laid out as the standard says ---------------------------------------------------------


@pytest.mark.parametrize("per_glyph", [False, True])
def test_spec_laid_out_file_reads_lines_in_order_whatever_the_object_order(per_glyph):
    result = parse_ofd(ofd_file([report_page()], per_glyph=per_glyph))
    assert result.quarantine == []
    assert result.document["title"] == TITLE
    assert result.document["text"].split("\n") == BODY
    assert [(m["span"], m["page"]) for m in result.metrics] == [("128件", 1), ("12%", 1)]


def test_words_and_table_cells_keep_their_spaces_and_any_namespace_is_read():
    lines = [("reading OFD files", 25), ("东城街道", 25, 0), ("32", 80, 0), ("98", 120, 0)]
    data = ofd_file([lines[:1], lines[1:]], per_glyph=True, namespace="http://example.org/not-ofdspec")
    pages = ofd.read_pages(data)
    assert [line.text for line in pages.pages[0].lines] == ["reading OFD files"]
    [row] = pages.pages[1].lines  # three objects on one baseline: one printed line
    assert row.text == "东城街道 32 98"
    assert row.x0 == pytest.approx(25 * ofd.MM_TO_PT) and row.size == pytest.approx(OFD_SIZE_MM * ofd.MM_TO_PT)


def test_objects_placed_by_ctm_without_boundary_and_g_deltas():
    content = (
        '<Page xmlns="http://www.ofdspec.org/2016"><Content><Layer>'
        '<TextObject Size="5" CTM="1 0 0 1 40 60"><TextCode X="0" Y="5" DeltaX="g 2 5">第二行</TextCode></TextObject>'
        '<TextObject Size="5" CTM="1 0 0 1 40 50"><TextCode X="0" Y="5">第一行</TextCode></TextObject>'
        "</Layer></Content></Page>"
    )
    from xml.etree import ElementTree

    lines, has_image = ofd.page_lines(ElementTree.fromstring(content))
    assert [line.text for line in lines] == ["第一行", "第二行"] and not has_image
    assert ofd.deltas("1 g 3 2.5 4", 6, 9.0) == [1.0, 2.5, 2.5, 2.5, 4.0, 9.0]


def test_magic_tells_ofd_from_docx_by_ofd_xml_inside():
    assert sniff_format(ofd_file()) == "ofd"
    assert sniff_format(ofd_file(), "application/octet-stream", "x.docx") == "ofd"
    assert sniff_format(b"PK\x03\x04 damaged", None, "report.ofd") == "ofd"  # the reader names the damage
    assert sniff_format(b"PK\x03\x04 damaged", None, "report.zip") == "zip"


# -- bad input: one quarantine line each, never a crash ------------------------------------------


def test_not_a_zip_and_a_corrupt_zip():
    html = b"<!doctype html><html><head><title>404 Not Found</title></head><body>gone</body></html>"
    assert reason(html) == "not a .ofd file: an HTML page served as .ofd (title '404 Not Found')"
    assert reason(b"PK\x03\x04" + bytes(200)).startswith("corrupt OFD: not a readable zip archive")
    truncated = ofd_file([report_page()])[:-60]  # the central directory cut off
    assert reason(truncated).startswith("corrupt OFD: not a readable zip archive")


def test_zip_bomb_and_too_many_parts_are_refused_before_inflating():
    bomb = with_member(ofd_file([report_page()]), "Doc_0/Res/bomb.bin", payload_mb=210)
    assert len(bomb) < 2_000_000
    assert reason(bomb).startswith("zip bomb: the OFD file's")
    many = ofd_file([report_page()], extra={f"Doc_0/Res/{n}.xml": "" for n in range(5001)})
    assert reason(many) == "OFD file with 5006 parts: over the 5000 limit (a zip bomb?)"


def test_missing_entry_body_document_or_page_content():
    assert reason(ofd_file(drop=("OFD.xml",))) == "not an OFD file: the zip archive has no OFD.xml"
    no_body = '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>'
    assert reason(ofd_file(replace={"OFD.xml": no_body})) == "corrupt OFD: OFD.xml has no DocBody"
    no_root = '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody/></ofd:OFD>'
    assert reason(ofd_file(replace={"OFD.xml": no_root})) == "corrupt OFD: OFD.xml names no document (DocBody/DocRoot)"
    assert reason(ofd_file(drop=("Doc_0/Document.xml",))) == (
        "corrupt OFD: document Doc_0/Document.xml is not in the archive"
    )
    assert reason(ofd_file(replace={"OFD.xml": "<ofd:OFD/>"})).startswith(
        "corrupt OFD: OFD.xml is not well-formed XML (unbound prefix"
    )
    # One page of two without its content: read with a warning.
    result = parse_ofd(ofd_file([report_page(), ["第二页"]], drop=("Doc_0/Pages/Page_1/Content.xml",)))
    assert result.document["title"] == TITLE
    assert "page 2: its content (Doc_0/Pages/Page_1/Content.xml) is missing" in result.document["warnings"]


@pytest.fixture
def without_ocr(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)  # as without fazhi[ocr] installed


def test_encrypted_entities_and_signed_without_text(without_ocr):
    assert reason(ofd_file([report_page()], extra={"Encryptions.xml": "<Encryptions/>"})) == (
        "encrypted OFD: not read (save it unencrypted or as PDF)"
    )
    entities = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><ofd:OFD xmlns:ofd="x">&lol;</ofd:OFD>'
    assert reason(ofd_file(replace={"OFD.xml": entities})) == "OFD refused: OFD.xml declares XML entities"
    # Signed, its one page only a stamp image: no text layer.
    signed = ofd_file([[]], image_pages=(0,), extra={"Doc_0/Signs/Signatures.xml": "<Signatures/>"})
    assert reason(signed) == ofd.SCANNED_REASON
    # Nothing printed at all.
    assert reason(ofd_file([[]])) == "no text in the OFD file"


def test_zero_pages_and_a_page_count_over_the_cap():
    assert reason(ofd_file([])) == "OFD has no pages"
    # Each page's line differs in more than its digits (else it is a running header and dropped).
    pages = [report_page()] + [[f"{chinese_counting(n)}号附表说明。"] for n in range(2, ofd.MAX_PAGES + 6)]
    result = parse_ofd(ofd_file(pages))
    assert result.document["title"] == TITLE
    assert f"OFD has {ofd.MAX_PAGES + 5} pages: only the first {ofd.MAX_PAGES} were read" in result.document["warnings"]
    assert f"{chinese_counting(ofd.MAX_PAGES)}号附表说明。" in result.document["text"]
    assert f"{chinese_counting(ofd.MAX_PAGES + 1)}号附表说明。" not in result.document["text"]


def test_without_the_ocr_extra_image_only_pages_are_quarantined_or_skipped_with_a_warning(without_ocr):
    assert reason(ofd_file([[], []], image_pages=(0, 1))) == (
        "OFD without text layer (its pages hold only images): install fazhi[ocr]"
    )
    result = parse_ofd(ofd_file([report_page(), []], image_pages=(1,)))
    assert result.document["title"] == TITLE
    assert "1 scanned page(s) without text layer not read (pages 2): install fazhi[ocr]" in result.document["warnings"]


def scanned_ofd() -> bytes:
    """An OFD whose one page is an image of report.pdf's page 1 (scanned.pdf rendered), no text."""
    import pypdfium2

    image = pypdfium2.PdfDocument((FIXTURES / "scanned.pdf").read_bytes())[0].render(scale=2).to_pil().convert("L")
    png = io.BytesIO()
    image.save(png, format="PNG")
    return ofd_file([[]], image_pages=(0,), replace={"Doc_0/Res/scan.png": png.getvalue()})


@pytest.mark.skipif(not ocr.available(), reason="needs the ocr extra (pip install fazhi[ocr])")
def test_scanned_ofd_is_read_by_ocr_and_flagged():
    result = parse_ofd(scanned_ofd())
    document = result.document
    assert document["text_source"] == "ocr"
    assert [s["marker"] for s in result.sections if s["level"]][:2] == ["一、", "（一）"]
    assert {m["span"] for m in result.metrics} >= {"12件", "8项", "100%"}
    assert {m["page"] for m in result.metrics} == {1}


@pytest.mark.skipif(not ocr.available(), reason="needs the ocr extra (pip install fazhi[ocr])")
def test_a_scan_whose_image_cannot_be_decoded_or_is_missing_is_one_quarantine_line():
    jbig2 = ofd_file([[]], image_pages=(0,), replace={"Doc_0/Res/scan.png": b"\x97JB2\r\n\x1a\n" + bytes(64)})
    assert reason(jbig2).startswith(
        "OFD without text layer (its pages hold only images): OCR could not read them (page 1: image not decodable ("
    )
    missing = ofd_file([[]], image_pages=(0,), drop=("Doc_0/Res/scan.png",))
    assert reason(missing).endswith("OCR could not read them (page 1: its image is missing)")


def test_size_limits_bound_what_one_file_can_make_the_reader_hold(monkeypatch):
    long_code = "法" * (ofd.MAX_CODE_CHARS + 1)
    [line] = ofd.read_pages(ofd_file([[long_code]])).pages[0].lines  # placed an em a glyph, DeltaX unread
    assert line.text == long_code and line.x1 - line.x0 == pytest.approx(len(long_code) * OFD_SIZE_MM * ofd.MM_TO_PT)
    monkeypatch.setattr(ofd, "MAX_CHARS", 30)
    pages = ofd.read_pages(ofd_file([["一" * 20], ["二" * 20], ["三" * 20]]))
    assert [len(page.lines) for page in pages.pages] == [1]
    assert pages.warnings == ["OFD text cut at page 2: over 30 characters"]
    monkeypatch.setattr(ofd, "MAX_XML_BYTES", 1000)
    assert reason(ofd_file([report_page()])).startswith("OFD refused: Doc_0/Pages/Page_0/Content.xml is ")
