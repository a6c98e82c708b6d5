"""PDF bytes -> printed lines with positions (pypdfium2), then the reading text.

Pure: bytes in, lines and text out (PDFium works on the bytes in memory). The library was chosen by
measurement (docs/DEVELOPING.md, "PDF text"): pypdfium2 reads the printed corpus in about 5 ms a
page with every CJK character right; pdfminer.six/pdfplumber is ten times slower, pypdf slower and
lossy on some fonts.

Hostile input is refused before or while PDFium reads it, each with a one-line reason
(``AttachmentError``): bytes that are not a PDF (an HTML error page served as application/pdf),
compressed streams that inflate past ``MAX_INFLATED_BYTES`` (a decompression bomb: checked by
inflating every Flate stream in bounded chunks before PDFium sees the file), a password, a file
PDFium cannot open, no pages, and no text layer (a scan: OCR when the ``ocr`` extra is installed).
More than ``MAX_PAGES`` pages are cut with a warning.
"""

from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass, field

from flows.normalize.attachments.formats import AttachmentError, describe_not_pdf
from flows.normalize.attachments.reading_text import Line, Page, ReadingText, reading_text

MAX_PAGES = 300
MAX_INFLATED_BYTES = 256 * 2**20
# A page with fewer characters than this but an image is a scanned page.
MIN_PAGE_CHARS = 5
INFLATE_CHUNK = 1 << 20

_STREAM_RE = re.compile(rb"stream\r?\n")
_FLATE_RE = re.compile(rb"/(?:FlateDecode|Fl)\b")
_NO_PAGES_RE = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b|/Count\s+0\b[^>]*?/Type\s*/Pages\b")
_PAGE_RE = re.compile(rb"/Type\s*/Page\b(?!s)")
_DICT_BEFORE = 400  # bytes before ``stream`` searched for the stream's filter

# PDFium is not thread-safe: one document at a time per process (normalize runs batches in threads).
_PDFIUM_LOCK = threading.RLock()


@dataclass
class PdfPages:
    pages: list[Page]
    page_count: int  # pages in the file (more than len(pages) when capped)
    scanned: list[int] = field(default_factory=list)  # 0-based indexes of pages without a text layer
    warnings: list[str] = field(default_factory=list)


def check_inflation(data: bytes, limit: int = MAX_INFLATED_BYTES) -> None:
    """Raise ``AttachmentError`` when the Flate streams of ``data`` inflate past ``limit`` bytes in
    all. Each stream is inflated in chunks and thrown away, so the check itself holds little memory."""
    total = 0
    for match in _STREAM_RE.finditer(data):
        head = data[max(0, match.start() - _DICT_BEFORE) : match.start()]
        if not _FLATE_RE.search(head[head.rfind(b"<<") :] if b"<<" in head else head):
            continue
        inflater = zlib.decompressobj()
        pos = match.end()
        end = data.find(b"endstream", pos)
        end = len(data) if end < 0 else end
        while pos < end:
            chunk = data[pos : min(end, pos + 65536)]
            pos += len(chunk)
            try:
                out = inflater.decompress(chunk, INFLATE_CHUNK)
                total += len(out)
                while inflater.unconsumed_tail and total <= limit:
                    out = inflater.decompress(inflater.unconsumed_tail, INFLATE_CHUNK)
                    total += len(out)
            except zlib.error:
                break  # a damaged stream: PDFium decides what to make of it
            if total > limit or inflater.eof:
                break
        if total > limit:
            raise AttachmentError(
                f"PDF decompression bomb: compressed streams inflate past {limit // 2**20} MB "
                f"(file is {len(data)} bytes)"
            )


def _open(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        # PDFium's error code is process-global and can be left over from an earlier file: the
        # bytes are asked too.
        message = str(error)
        if _NO_PAGES_RE.search(data) and not _PAGE_RE.search(data):
            raise AttachmentError("PDF has no pages") from None
        if "password" in message.lower() and b"/Encrypt" in data:
            raise AttachmentError("encrypted PDF: a password is needed to open it") from None
        detail = message.split("(", 1)[-1].rstrip(").") if "(" in message else message
        detail = detail.removeprefix("PDFium: ").lower()
        raise AttachmentError(f"corrupt PDF: PDFium cannot open it ({detail})") from None


def _page_lines(page, textpage, height: float) -> list[Line]:
    text = textpage.get_text_range()
    count = textpage.count_chars()
    positioned = count == len(text)
    lines: list[Line] = []
    pos = 0
    for raw in text.split("\r\n"):
        stripped = raw.rstrip()
        if stripped.strip():
            if positioned:
                first = pos + (len(raw) - len(raw.lstrip()))
                last = pos + len(stripped) - 1
                left, bottom, _, top = textpage.get_charbox(first, loose=True)
                _, _, right, _ = textpage.get_charbox(last, loose=True)
                lines.append(Line(raw, left, right, height - top, max(top - bottom, 0.1)))
            else:
                lines.append(Line(raw))
        pos += len(raw) + 2
    return lines


def _has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c

    for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        return True
    return False


def read_pages(data: bytes, *, max_pages: int = MAX_PAGES) -> PdfPages:
    """The printed lines of each page (up to ``max_pages``), and which pages are scans."""
    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise AttachmentError(describe_not_pdf(data))
    check_inflation(data)
    with _PDFIUM_LOCK:
        pdf = _open(data)
        try:
            count = len(pdf)
            if count == 0:
                raise AttachmentError("PDF has no pages")
            warnings = []
            if count > max_pages:
                warnings.append(f"PDF has {count} pages: only the first {max_pages} were read")
            pages, scanned = [], []
            for index in range(min(count, max_pages)):
                page = pdf[index]
                try:
                    width, height = page.get_size()
                    textpage = page.get_textpage()
                    try:
                        lines = _page_lines(page, textpage, height)
                        chars = sum(len(line.text.strip()) for line in lines)
                    finally:
                        textpage.close()
                    if chars < MIN_PAGE_CHARS and _has_image(page):
                        scanned.append(index)
                    pages.append(Page(lines, width, height))
                finally:
                    page.close()
        finally:
            pdf.close()
    return PdfPages(pages, count, scanned, warnings)


def render_pages(data: bytes, indexes: list[int], scale: float = 2.0) -> list:
    """The pages at ``indexes`` rendered as RGB numpy arrays (for OCR)."""
    with _PDFIUM_LOCK:
        pdf = _open(data)
        try:
            images = []
            for index in indexes:
                page = pdf[index]
                try:
                    bitmap = page.render(scale=scale)
                    images.append(bitmap.to_numpy().copy())
                    bitmap.close()
                finally:
                    page.close()
            return images
        finally:
            pdf.close()


def pdf_reading_text(pages: PdfPages) -> ReadingText:
    result = reading_text(pages.pages)
    result.warnings = pages.warnings + result.warnings
    return result
