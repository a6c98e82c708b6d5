"""PDF and Word files built in memory for the attachment tests: minimal hand-written PDFs (many
pages, no pages, encrypted, a decompression bomb) and .docx files made with python-docx (Word's
automatic numbering, tables, page breaks, a zip bomb, a macro-enabled file)."""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from pathlib import Path

from flows.normalize.document import ParseInput, parse_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def minimal_pdf(
    pages: int = 1,
    text: str = "Annual report",
    *,
    content: bytes | None = None,
    flate: bool = False,
    encrypt: bool = False,
    declared_count: int | None = None,
    numbered: bool = False,
) -> bytes:
    """A PDF of ``pages`` pages sharing one content stream (Helvetica ``text``, or ``content``), or
    with ``numbered`` a stream of its own per page (``text`` and the page number)."""
    stream = content if content is not None else f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    stream_dict = b"/Length %d" % len(stream) + (b" /Filter /FlateDecode" if flate else b"")
    first_page = 5
    kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
    count = pages if declared_count is None else declared_count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< " + stream_dict + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    for number in range(pages):
        contents = b"4 0 R"
        if numbered:
            contents = b"%d 0 R" % (first_page + pages + number)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents "
            + contents
            + b" >>"
        )
    if numbered:
        for number in range(pages):
            lines = " 0 -20 Td ".join(f"({text} {number + 1}, line {line}) Tj" for line in range(1, 6))
            own = f"BT /F1 12 Tf 72 720 Td {lines} ET".encode()
            objects.append(b"<< /Length %d >>\nstream\n" % len(own) + own + b"\nendstream")
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -4 >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if encrypt:
        trailer += (
            b" /Encrypt %d 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"
            % len(objects)
        )
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def pdf_bomb(inflated_mb: int = 400) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * 2**20
    parts = [compressor.compress(chunk) for _ in range(inflated_mb)]
    parts.append(compressor.flush())
    return minimal_pdf(content=b"".join(parts), flate=True)


def docx_file(paragraphs: list[str] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs or ["某某县人民政府关于2023年法治政府建设情况的报告"]:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_member(data: bytes, name: str, payload_mb: int = 0, payload: bytes = b"") -> bytes:
    """``data`` (a zip) with one more member: ``payload``, or ``payload_mb`` MB of zeros streamed in."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        with target.open(name, "w", force_zip64=True) as member:
            member.write(payload)
            for _ in range(payload_mb):
                member.write(b"\0" * 2**20)
    return out.getvalue()


def parse_attachment(data: bytes, content_type: str = "application/pdf", name: str | None = None):
    """``data`` parsed as normalize parses a fetched attachment (synthetic: never published)."""
    return parse_snapshot(
        ParseInput(
            data=data,
            source_id="attachment-test",
            snapshot_sha256=hashlib.sha256(data).hexdigest(),
            content_type=content_type,
            name=name,
            is_synthetic=True,
        )
    )
