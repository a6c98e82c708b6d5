"""What a fetched body holds, judged from its bytes: the media type its magic bytes say, an
attachment whose bytes are not what its type says (error pages and login walls: ``screen``)."""

from __future__ import annotations

import html as html_lib
import re


def sniff_media_type(data: bytes) -> str | None:
    """A media type from the first bytes, for servers that send none or application/octet-stream."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if data.startswith(b"PK\x03\x04") and b"word/document.xml" in data:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if data.startswith(b"PK\x03\x04") and b"OFD.xml" in data:
        return "application/ofd"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head or b"<head" in head:
        return "text/html"
    return None


_INVISIBLE_RE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TITLE_RE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_ANY_TAG_RE = re.compile(r"<[^>]*>")


_ATTACHMENT_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/ofd": (b"PK\x03\x04",),
}
_NAMES = {
    "application/pdf": "a PDF",
    "application/msword": "a Word .doc file",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word .docx file",
    "application/ofd": "an OFD file",
}


def attachment_problem(data: bytes, kind: str) -> str | None:
    """Why bytes served as the attachment type ``kind`` are not one (an HTML error page served as
    application/pdf), or None."""
    magics = _ATTACHMENT_MAGIC.get(kind)
    if not magics or any(data.startswith(magic) or (magic == b"%PDF-" and magic in data[:1024]) for magic in magics):
        return None
    name = _NAMES[kind]
    if sniff_media_type(data) == "text/html" or b"<html" in data[:2048].lower():
        title_match = _TITLE_RE.search(data[:8192].decode("utf-8", errors="replace"))
        title = " ".join(html_lib.unescape(title_match.group(1)).split())[:60] if title_match else ""
        return f"not {name}: an HTML page served as {kind}" + (f" (title {title!r})" if title else "")
    return f"not {name}: the body starts with {data[:8]!r}"


def visible_text(markup: str) -> str:
    """A page's visible text, roughly: scripts, styles, comments and tags removed."""
    return html_lib.unescape(_ANY_TAG_RE.sub(" ", _INVISIBLE_RE.sub(" ", markup)))
