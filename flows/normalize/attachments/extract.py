"""An attachment's bytes -> its reading text (``Extracted``), by the kind its magic bytes say.

PDF: text layer (``pdf``), scanned pages by OCR when the ``ocr`` extra is installed (``ocr``);
Word .docx (``docx``); OFD read natively (``ofd``); .doc and .wps converted by LibreOffice when it
is installed. Every
refusal is an ``AttachmentError`` whose message is the one-line quarantine reason.
"""

from __future__ import annotations

from flows.normalize.attachments import docx, libreoffice, ocr, ofd, pdf
from flows.normalize.attachments.formats import DOC, DOCM, DOCX, OFD, PDF, WPS, AttachmentError, Extracted
from flows.normalize.attachments.reading_text import reading_text

OCR_SCALE = 2.0  # render scans at 144 dpi for OCR
SCANNED_REASON = "scanned PDF without text layer: install fazhi[ocr]"


def extract_pdf(data: bytes) -> Extracted:
    pages = pdf.read_pages(data)
    warnings = list(pages.warnings)
    text_source = "pdf"
    if pages.scanned:
        if not ocr.available():
            if len(pages.scanned) == len(pages.pages):
                raise AttachmentError(SCANNED_REASON)
            warnings.append(
                f"{len(pages.scanned)} scanned page(s) without text layer not read "
                f"(pages {', '.join(str(i + 1) for i in pages.scanned[:10])}): install fazhi[ocr]"
            )
        else:
            images = pdf.render_pages(data, pages.scanned, scale=OCR_SCALE)
            for index, image in zip(pages.scanned, images):
                pages.pages[index].lines = ocr.ocr_lines(image, OCR_SCALE)
            if len(pages.scanned) == len(pages.pages):
                text_source = "ocr"
            else:
                warnings.append(
                    f"{len(pages.scanned)} scanned page(s) read by OCR "
                    f"(pages {', '.join(str(i + 1) for i in pages.scanned[:10])})"
                )
            if len(pages.scanned) * 2 >= len(pages.pages):
                text_source = "ocr"
    result = reading_text(pages.pages)
    return Extracted(result.text, text_source, result.page_starts, warnings + result.warnings)


def extract_docx(data: bytes) -> Extracted:
    text, page_starts, warnings = docx.docx_text(data)
    return Extracted(text, "docx", page_starts, warnings)


def extract_ofd(data: bytes) -> Extracted:
    pages = ofd.read_pages(data)
    warnings = list(pages.warnings)
    text_source = "ofd"
    scanned = ", ".join(str(i + 1) for i in pages.scanned[:10])
    if pages.scanned and not ocr.available():
        if len(pages.scanned) == len(pages.pages):
            raise AttachmentError(ofd.SCANNED_REASON)
        warnings.append(
            f"{len(pages.scanned)} scanned page(s) without text layer not read (pages {scanned}): install fazhi[ocr]"
        )
    elif pages.scanned:
        unread = []
        for index in pages.scanned:
            image, box = pages.scans[index]
            try:
                if image is None:
                    raise ValueError("its image is missing")
                pages.pages[index].lines = ocr.image_lines(image, box)
            except ValueError as error:
                unread.append(f"page {index + 1}: {error}")
        if len(unread) == len(pages.pages):
            raise AttachmentError(f"{ofd.NO_TEXT_LAYER}: OCR could not read them ({unread[0]})")
        warnings.extend(f"scanned {detail}: not read by OCR" for detail in unread)
        if len(pages.scanned) * 2 >= len(pages.pages):
            text_source = "ocr"
        if len(pages.scanned) < len(pages.pages):
            warnings.append(f"{len(pages.scanned)} scanned page(s) read by OCR (pages {scanned})")
    result = reading_text(pages.pages)
    return Extracted(result.text, text_source, result.page_starts, warnings + result.warnings)


def extract(data: bytes, kind: str) -> Extracted:
    """The reading text of an attachment of ``kind`` (``formats.sniff_format``)."""
    if kind == PDF:
        return extract_pdf(data)
    if kind == DOCX:
        return extract_docx(data)
    if kind == DOCM:
        raise AttachmentError("macro-enabled Word file (.docm): not opened; save it as .docx or PDF")
    if kind == OFD:
        return extract_ofd(data)
    if kind in (DOC, WPS):
        converted, target = libreoffice.convert(data, kind)
        extracted = extract_pdf(converted) if target == "pdf" else extract_docx(converted)
        extracted.warnings.insert(0, f"converted from .{kind} by LibreOffice")
        return extracted
    raise AttachmentError(f"unsupported attachment: {kind} (expected a PDF or a Word file)")
