"""PDF and Word attachments parsed into reading text, documents, sections and metrics with pages.

The PDFs are real ones printed by Chromium (tests/fixtures/attachments/make_fixtures.py) with what
real reports have: running header, page numbers, a two-line title, indented paragraphs, a heading
split by a page break, a table, a two-column page, a scan."""

from __future__ import annotations

import io

import pytest
from attachment_files import DOCX_TYPE, FIXTURES
from attachment_files import parse_attachment as parse

from flows.core import contracts
from flows.normalize.attachments import ocr
from flows.normalize.attachments.docx import chinese_counting, docx_text, format_number
from flows.normalize.attachments.formats import sniff_format
from flows.normalize.attachments.pdf import read_pages
from flows.normalize.attachments.reading_text import Line, Page, clean_line, is_page_number, page_at, reading_text


@pytest.fixture(scope="module")
def report():
    return parse((FIXTURES / "report.pdf").read_bytes())


# -- the printed report --------------------------------------------------------------------------


def test_report_pdf_reads_as_the_text_a_web_page_gives(report):
    document = report.document
    assert document["text_source"] == "pdf"
    assert document["title"] == "某某市某某区人民政府关于2023年度法治政府建设情况的报告"  # two printed lines joined
    assert document["report_year"] == 2023
    text = document["text"]
    expected = (FIXTURES / "report.txt").read_text(encoding="utf-8").splitlines()[2:]  # after the title
    lines = text.split("\n")
    for line in expected:  # every paragraph, heading and table row is one line of the text
        if line.startswith("2023年，区政府"):
            assert lines[0] == line
        else:
            assert line in lines, line
    assert "— 1 —" not in text and "— 2 —" not in text
    assert "某某区2023年度法治政府建设情况的报告" not in text  # the running header
    assert contracts.errors(document, "document") == []


def test_heading_split_by_a_page_break_is_one_heading_on_the_page_where_it_starts(report):
    headings = [(s["level"], s["marker"] + s["heading"], s["page"]) for s in report.sections if s["level"]]
    assert headings == [
        (1, "一、2023年法治政府建设主要举措和成效", 1),
        (2, "（一）健全依法决策机制，提升行政决策公信力", 1),
        (
            2,
            "（二）坚持严格规范公正文明执法，全面推行行政执法公示制度、执法全过程记录制度和重大执法决定法制审核制度",
            1,
        ),
        (1, "二、存在的问题", 2),
        (1, "三、2024年工作安排", 2),
    ]


def test_metrics_carry_their_page_and_offsets_into_the_text(report):
    text = report.document["text"]
    got = [(m["span"], m["page"]) for m in report.metrics]
    assert got[:5] == [("12件", 1), ("8项", 1), ("100%", 1), ("5件", 1), ("3件", 1)]
    assert ("86件", 2) in got and ("3.5%", 2) in got
    for metric in report.metrics:
        assert text[metric["start"] : metric["end"]] == metric["span"]
        assert contracts.errors(metric, "metric") == []


def test_table_rows_stay_rows(report):
    lines = report.document["text"].split("\n")
    assert "东城街道 32 98" in lines and "南湖镇 25 96" in lines


def test_two_column_page_is_read_column_by_column_with_a_warning():
    result = parse((FIXTURES / "two_column.pdf").read_bytes())
    paragraphs = [line for line in result.document["text"].split("\n") if line.endswith("段。")]
    assert [p[-4:] for p in paragraphs] == [f"第{n}段。" for n in range(1, 9)]
    assert all(p.startswith("区政府常务会议专题研究") for p in paragraphs)
    assert any(w.startswith("two-column layout on page(s) 1") for w in result.document["warnings"])


def test_scan_without_the_ocr_extra_is_quarantined_with_the_reason(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)  # as without fazhi[ocr] installed
    result = parse((FIXTURES / "scanned.pdf").read_bytes())
    assert result.document is None
    assert [q["reason"] for q in result.quarantine] == ["scanned PDF without text layer: install fazhi[ocr]"]


@pytest.mark.skipif(not ocr.available(), reason="needs the ocr extra (pip install fazhi[ocr])")
def test_scan_is_read_by_ocr_and_flagged():
    result = parse((FIXTURES / "scanned.pdf").read_bytes())
    document = result.document
    assert document["text_source"] == "ocr"
    assert "法治政府建设" in document["text"]
    assert [s["marker"] for s in result.sections if s["level"]][:2] == ["一、", "（一）"]
    assert {m["span"] for m in result.metrics} >= {"12件", "8项"}
    assert {m["page"] for m in result.metrics} == {1}


def test_ocr_boxes_become_lines_in_reading_order():
    boxes = [
        Line("合法性审核率100%。", 300, 500, 101, 12),
        Line("全年审核文件12件，", 72, 290, 100, 12),
        Line("东城街道", 72, 130, 140, 12),
        Line("32", 200, 215, 141, 11),
        Line("一、主要举措", 72, 180, 120, 12),
    ]
    assert [line.text for line in ocr.rows_of(boxes)] == [
        "全年审核文件12件，合法性审核率100%。",
        "一、主要举措",
        "东城街道 32",
    ]


def test_pdf_reader_gives_positions_and_pages():
    pages = read_pages((FIXTURES / "report.pdf").read_bytes())
    assert pages.page_count == len(pages.pages) == 2 and pages.scanned == []
    first = pages.pages[0].lines
    assert all(line.has_box for line in first)
    assert first[0].top < first[-1].top  # top to bottom


# -- reading text rules on hand-made lines --------------------------------------------------------


def _line(text: str, x0: float = 72, x1: float | None = None, top: float = 100, size: float = 12) -> Line:
    return Line(text, x0, x0 + len(text) * size if x1 is None else x1, top, size)


def test_wrapped_lines_join_short_lines_end_paragraphs_and_indents_start_them():
    body = [
        _line("　　全年办理行政复议案件35件，同比增", x0=72, x1=72 + 36 * 12, top=100),
        _line("长12%。", top=120),
        _line("　　一、主要举措", top=140),
        _line("深入推进依法行政，全面提升政府治理法治化水平。全市", top=160, x1=72 + 36 * 12),
        _line("行政执法人员1200名。", top=180),
    ]
    margin_makers = [_line("x" * 36, top=200 + 20 * i, x1=72 + 36 * 12) for i in range(5)]
    result = reading_text([Page(body + margin_makers, 595, 842)])
    lines = result.text.split("\n")
    assert lines[:3] == [
        "全年办理行政复议案件35件，同比增长12%。",
        "一、主要举措",
        "深入推进依法行政，全面提升政府治理法治化水平。全市行政执法人员1200名。",
    ]


def test_sentence_end_then_heading_marker_breaks_even_at_the_margin():
    full = 72 + 36 * 12
    lines = [
        _line("依法行政水平全面提升，群众满意度不断提高。", x1=full, top=100),
        _line("（二）严格规范执法", top=120),
    ]
    lines += [_line("x" * 36, top=140 + 20 * i, x1=full) for i in range(4)]
    result = reading_text([Page(lines, 595, 842)])
    assert result.text.split("\n")[:2] == ["依法行政水平全面提升，群众满意度不断提高。", "（二）严格规范执法"]


def test_page_furniture_dropped_but_a_first_page_title_kept():
    full = 72 + 36 * 12
    bodies = {1: ("甲", "乙", "丙"), 2: ("丁", "戊", "己"), 3: ("庚", "辛", "壬")}

    def page(number: int, first: Line) -> Page:
        body = [
            _line(f"第{char}段：全年办理案件的情况。", top=140 + 20 * i, x1=full)
            for i, char in enumerate(bodies[number])
        ]
        header = _line("某某区2023年法治政府建设年度报告", x0=200, top=30, size=9)
        return Page([header, first, *body, _line(f"- {number} -", x0=290, top=800)], 595, 842)

    title = _line("某某区2023年法治政府建设年度报告", x0=168, x1=408, top=80)  # centred
    result = reading_text(
        [page(1, title), page(2, _line("（一）继续推进", top=80)), page(3, _line("二、下一步", top=80))]
    )
    lines = result.text.split("\n")
    assert lines[0] == "某某区2023年法治政府建设年度报告"  # the title, printed lower than the header
    assert lines.count("某某区2023年法治政府建设年度报告") == 1
    assert not any(line.startswith("- ") for line in lines)
    assert [result.text[start:].split("\n")[0] for start in result.page_starts] == [
        "某某区2023年法治政府建设年度报告",
        "（一）继续推进",
        "二、下一步",
    ]


def test_page_numbers_full_width_spaces_and_hyphens():
    assert all(
        is_page_number(s) for s in ("— 3 —", "- 12 -", "第3页 共10页", "第 3 页", "3/10", "7", "Page 2 of 9", "－ 4 －")
    )
    assert not any(is_page_number(s) for s in ("2023年", "一、总体情况", "受理案件35件"))
    assert clean_line("　　报　　告　") == "报告"
    assert clean_line("关于2023年　法治政府建设情况") == "关于2023年法治政府建设情况"
    assert clean_line("报 告") == "报告"
    assert clean_line("中共朝阳市委 朝阳市人民政府") == "中共朝阳市委 朝阳市人民政府"  # issuers stay apart
    full = 72 + 40 * 6
    lines = [_line("rule-of-law govern-", x1=full, size=6), _line("ment report", size=6)]
    lines += [_line("y" * 40, top=200 + 10 * i, x1=full, size=6) for i in range(4)]
    assert reading_text([Page(lines, 595, 842)]).text.split("\n")[0] == "rule-of-law government report"


def test_page_at():
    assert page_at([], 5) is None
    assert [page_at([0, 10, 10, 30], offset) for offset in (0, 9, 10, 29, 30, 99)] == [1, 1, 3, 3, 4, 4]


# -- Word ------------------------------------------------------------------------------------------


def _numbered_docx() -> bytes:
    """A .docx whose headings carry Word's automatic numbering (一、 / （一） / 1.) and a table."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.append(
        parse_xml(
            f'<w:abstractNum {ns} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
            "</w:abstractNum>"
        )
    )
    numbering.append(parse_xml(f'<w:num {ns} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int):
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )

    document.add_paragraph("某某县人民政府关于2023年法治政府建设情况的报告")
    document.add_paragraph("2023年，县政府深入学习贯彻习近平法治思想，全面推进法治政府建设。现将有关情况报告如下。")
    numbered("主要举措和成效", 0)
    numbered("健全依法决策机制", 1)
    document.add_paragraph("全年审核规范性文件12件，合法性审核率100%。")
    numbered("落实合法性审核", 2)
    numbered("严格规范执法", 1)
    run = document.add_paragraph().add_run()
    run.add_break(docx.enum.text.WD_BREAK.PAGE)
    document.add_paragraph("全年办理行政复议案件86件。")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("街道", "案件（件）", "办结率（%）"), ("东城街道", "32", "98")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    numbered("存在的问题", 0)
    document.add_paragraph("基层执法力量相对薄弱。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_numbering_printed_as_markers_tables_as_rows_pages_from_breaks():
    data = _numbered_docx()
    assert sniff_format(data) == "docx"
    text, page_starts, _ = docx_text(data)
    lines = text.split("\n")
    assert "一、主要举措和成效" in lines and "（一）健全依法决策机制" in lines and "1.落实合法性审核" in lines
    assert "（二）严格规范执法" in lines and "二、存在的问题" in lines
    assert "街道 案件（件） 办结率（%）" in lines and "东城街道 32 98" in lines
    assert len(page_starts) == 2 and text[page_starts[1] :].startswith("全年办理行政复议案件86件。")

    result = parse(data, DOCX_TYPE)
    assert result.document["text_source"] == "docx"
    headings = [(s["level"], s["marker"] + s["heading"], s["page"]) for s in result.sections if s["level"]]
    assert headings == [
        (1, "一、主要举措和成效", 1),
        (2, "（一）健全依法决策机制", 1),
        (3, "1.落实合法性审核", 1),
        (2, "（二）严格规范执法", 1),
        (1, "二、存在的问题", 2),
    ]
    assert [(m["span"], m["page"]) for m in result.metrics if m["span"] in ("12件", "86件")] == [
        ("12件", 1),
        ("86件", 2),
    ]


def test_word_number_formats():
    assert [chinese_counting(n) for n in (1, 10, 11, 20, 23, 100, 105, 110)] == [
        "一", "十", "十一", "二十", "二十三", "一百", "一百零五", "一百一十",
    ]  # fmt: skip
    assert format_number(3, "decimal") == "3" and format_number(3, "decimalFullWidth") == "３"
    assert format_number(2, "decimalEnclosedCircle") == "②" and format_number(4, "upperRoman") == "IV"
    assert format_number(2, "lowerLetter") == "b" and format_number(5, "bullet") == ""
