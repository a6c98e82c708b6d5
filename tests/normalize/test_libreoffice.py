"""Old Word (.doc) and WPS attachments converted by a real LibreOffice (Debian's
libreoffice-writer-nogui, installed by .ci/run), and the quarantine reasons when it cannot help."""

from __future__ import annotations

import subprocess

import pytest
from attachment_files import docx_file
from attachment_files import parse_attachment as parse

from flows.normalize.attachments import libreoffice

needs_soffice = pytest.mark.skipif(libreoffice.soffice() is None, reason="LibreOffice is not installed")

PARAGRAPHS = [
    "某某县人民政府关于2023年法治政府建设情况的报告",
    "一、主要工作",
    "全年办理行政复议案件128件,同比增长12%。",
    "二、存在的问题",
    "基层执法力量仍然不足。",
]


@pytest.fixture(scope="module")
def old_word(tmp_path_factory) -> bytes:
    """A real binary .doc, saved by LibreOffice from a .docx."""
    work = tmp_path_factory.mktemp("doc")
    (work / "report.docx").write_bytes(docx_file(PARAGRAPHS))
    subprocess.run(
        [
            libreoffice.soffice(),
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(work),
            str(work / "report.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (work / "report.doc").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # OLE2: the old binary format, not a renamed .docx
    return data


@needs_soffice
@pytest.mark.parametrize(
    "content_type, name, kind",
    [("application/msword", "report.doc", "doc"), ("application/kswps", "report.wps", "wps")],
)
def test_old_word_and_wps_files_are_converted_and_parsed(old_word, content_type, name, kind):
    result = parse(old_word, content_type, name)
    document = result.document
    assert result.quarantine == []
    assert f"converted from .{kind} by LibreOffice" in document["warnings"]
    assert document["text_source"] == "docx"
    assert [section["heading"] for section in result.sections if section["level"] == 1] == ["主要工作", "存在的问题"]
    assert [(m["value"], m["unit"]) for m in result.metrics] == [(128.0, "件"), (12.0, "%")]


@needs_soffice
def test_a_file_libreoffice_cannot_read_is_quarantined_with_its_reason():
    damaged = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)  # OLE2 magic, no streams
    result = parse(damaged, "application/msword", "report.doc")
    [row] = result.quarantine
    assert row["reason"].startswith("unsupported format .doc: LibreOffice could not convert it to .docx")


def test_without_libreoffice_an_old_word_file_is_quarantined_asking_for_docx_or_pdf(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "application/msword", "report.doc")
    [row] = result.quarantine
    assert row["reason"] == "unsupported format .doc: convert to .docx or PDF"
