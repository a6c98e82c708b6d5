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


OFD_NS = "http://www.ofdspec.org/2016"
OFD_SIZE_MM = 4.2  # 12 pt
OFD_LEFT_MM, OFD_TOP_MM, OFD_PITCH_MM = 25.0, 30.0, 7.0
# A 1x1 grey PNG: the image of an image-only page.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63680000008200815ad0b4a00000000049454e44ae426082"
)


def _ofd_glyphs(text: str, size: float) -> list[float]:
    """Advances of each glyph but the last: a CJK character one em, others half."""
    return [size if ord(char) >= 0x2000 else size / 2 for char in text[:-1]]


def _ofd_text_objects(text: str, x: float, baseline: float, next_id, per_glyph: bool) -> list[str]:
    size = OFD_SIZE_MM
    advances = _ofd_glyphs(text, size)
    if per_glyph:  # one object per glyph, as some writers do, written right to left
        objects, left = [], x
        for char, advance in zip(text, advances + [size]):
            objects.append((char, left))
            left += advance
        return [
            _ofd_text_object(char, left, baseline, size, [], next_id())
            for char, left in reversed(objects)
            if char != " "
        ]
    return [_ofd_text_object(text, x, baseline, size, advances, next_id())]


def _ofd_text_object(text: str, x: float, baseline: float, size: float, advances: list[float], object_id: int) -> str:
    from xml.sax.saxutils import escape

    width = sum(advances) + size
    delta = f' DeltaX="{" ".join(f"{a:g}" for a in advances)}"' if advances else ""
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{x:g} {baseline - size:g} {width:g} {size * 1.3:g}" '
        f'Font="2" Size="{size:g}"><ofd:FillColor Value="0 0 0"/>'
        f'<ofd:TextCode X="0" Y="{size:g}"{delta}>{escape(text)}</ofd:TextCode></ofd:TextObject>'
    )


def ofd_file(
    pages: list[list] | None = None,
    *,
    namespace: str = OFD_NS,
    per_glyph: bool = False,
    image_pages: tuple[int, ...] = (),
    drop: tuple[str, ...] = (),
    replace: dict[str, bytes | str] | None = None,
    extra: dict[str, bytes | str] | None = None,
) -> bytes:
    """An OFD file written as GB/T 33190-2016 lays it out: ``OFD.xml`` -> ``Doc_0/Document.xml`` ->
    ``Doc_0/Pages/Page_N/Content.xml``, each printed line a ``TextObject`` (``Boundary`` in mm,
    ``Size``, a ``TextCode`` with ``X``/``Y``/``DeltaX``). A line is a string (at the left margin)
    or ``(text, x_mm)`` or ``(text, x_mm, row)`` (rows 7 mm apart; by default each line its own row). ``per_glyph`` writes one object per glyph, in reverse
    order; ``image_pages`` (0-based) hold an image and no text; ``drop`` leaves members out,
    ``replace`` overrides them and ``extra`` adds some."""
    pages = [["某某县人民政府关于2023年法治政府建设情况的报告"]] if pages is None else pages
    ids = iter(range(10, 10**7))
    members: dict[str, bytes | str] = {}
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    members["OFD.xml"] = (
        f'{head}<ofd:OFD xmlns:ofd="{namespace}" Version="1.0" DocType="OFD"><ofd:DocBody>'
        "<ofd:DocInfo><ofd:DocID>fixture</ofd:DocID><ofd:Creator>fazhi tests</ofd:Creator></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    page_entries = "".join(
        f'<ofd:Page ID="{n + 1000}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages))
    )
    members["Doc_0/Document.xml"] = (
        f'{head}<ofd:Document xmlns:ofd="{namespace}"><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID>'
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        f"</ofd:CommonData><ofd:Pages>{page_entries}</ofd:Pages></ofd:Document>"
    )
    members["Doc_0/PublicRes.xml"] = (
        f'{head}<ofd:Res xmlns:ofd="{namespace}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    members["Doc_0/DocumentRes.xml"] = (
        f'{head}<ofd:Res xmlns:ofd="{namespace}" BaseLoc="Res"><ofd:MultiMedias>'
        '<ofd:MultiMedia ID="3" Type="Image"><ofd:MediaFile>scan.png</ofd:MediaFile></ofd:MultiMedia>'
        "</ofd:MultiMedias></ofd:Res>"
    )
    if image_pages:
        members["Doc_0/Res/scan.png"] = TINY_PNG
    for n, lines in enumerate(pages):
        objects: list[str] = []
        if n in image_pages:
            objects.append(
                f'<ofd:ImageObject ID="{next(ids)}" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" ResourceID="3"/>'
            )
        else:
            for i, line in enumerate(lines):
                text, x, row = (line, OFD_LEFT_MM, i) if isinstance(line, str) else (*line, i)[:3]
                baseline = OFD_TOP_MM + row * OFD_PITCH_MM
                objects.extend(_ofd_text_objects(text, x, baseline, lambda: next(ids), per_glyph))
        members[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'{head}<ofd:Page xmlns:ofd="{namespace}"><ofd:Content><ofd:Layer ID="{next(ids)}">'
            + "".join(objects)
            + "</ofd:Layer></ofd:Content></ofd:Page>"
        )
    members.update(replace or {})
    members.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            if name not in drop:
                archive.writestr(name, body)
    return out.getvalue()
