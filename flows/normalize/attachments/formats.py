"""Which kind of attachment a snapshot's bytes are, judged by their magic bytes (the declared
content type and the file name only break ties), and the error every attachment reader raises."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

PDF = "pdf"
DOCX = "docx"
DOCM = "docm"
DOC = "doc"
WPS = "wps"
OFD = "ofd"

MEDIA_TYPES = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.ms-word.document.macroenabled.12": DOCM,
    "application/msword": DOC,
    "application/vnd.ms-works": WPS,
    "application/kswps": WPS,
    "application/wps-office.wps": WPS,
    "application/ofd": OFD,
}
SUFFIXES = {".pdf": PDF, ".docx": DOCX, ".docm": DOCM, ".doc": DOC, ".wps": WPS, ".ofd": OFD}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_HTML_RE = re.compile(rb"<(?:!doctype\s+html|html|head|body|title|meta|div|script)\b", re.IGNORECASE)
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


class AttachmentError(Exception):
    """An attachment that cannot be read; the message is the one-line quarantine reason."""


@dataclass
class Extracted:
    """An attachment's reading text and where it came from."""

    text: str  # textnorm.clean_text form
    text_source: str  # pdf, docx, ofd, ocr
    page_starts: list[int] = field(default_factory=list)  # offset of each page in text; [] for no pages
    warnings: list[str] = field(default_factory=list)


def media_kind(content_type: str | None) -> str | None:
    return MEDIA_TYPES.get((content_type or "").split(";", 1)[0].strip().lower())


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML_RE.search(data[:2048]))


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "OFD.xml" in names or any(name.lower() == "ofd.xml" for name in names):
                return OFD
            if "word/document.xml" not in names:
                return "zip"
            if "word/vbaProject.bin" in names:
                return DOCM
            try:
                types = archive.read("[Content_Types].xml")[:200_000] if "[Content_Types].xml" in names else b""
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
                types = b""
            if b"macroEnabled" in types:
                return DOCM
            return DOCX
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"


def sniff_format(data: bytes, content_type: str | None = None, name: str | None = None) -> str | None:
    """``pdf``, ``docx``, ``docm``, ``doc``, ``wps``, ``ofd`` or ``zip`` from the bytes; None for
    anything else (a web page, text). An OLE2 file is ``wps`` only when its type or name says so."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head:
        return PDF
    if data.startswith(_ZIP_MAGIC):
        kind = _zip_kind(data)
        # A damaged zip, or one without OFD.xml, served or named as OFD: the OFD reader says what is wrong.
        if kind == "zip" and OFD in (media_kind(content_type), SUFFIXES.get(_suffix(name))):
            return OFD
        return kind
    if data.startswith(_OLE_MAGIC):
        declared = media_kind(content_type)
        suffix = SUFFIXES.get(_suffix(name))
        return WPS if WPS in (declared, suffix) else DOC
    return None


def _suffix(name: str | None) -> str:
    if not name:
        return ""
    tail = name.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return ("." + tail.rsplit(".", 1)[-1].lower()) if "." in tail else ""


def describe_not_pdf(data: bytes) -> str:
    """The reason for bytes served as a PDF that are not one."""
    if not data:
        return "not a PDF: empty"
    if looks_like_html(data):
        match = _TITLE_RE.search(data[:8192])
        title = " ".join(match.group(1).decode("utf-8", "replace").split())[:60] if match else ""
        return "not a PDF: an HTML page served as a PDF" + (f" (title {title!r})" if title else "")
    return f"not a PDF: the file starts with {data[:8]!r}, not %PDF-"
