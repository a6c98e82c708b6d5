"""Which character encoding a fetched page is in, from its bytes and its HTTP Content-Type.

Order of evidence (first that holds wins): a byte-order mark; the HTTP ``charset``; a ``<meta>``
charset (or XML declaration) in the first few KB; the bytes being valid UTF-8; charset-normalizer.

Chinese government sites commonly label GBK (and GB18030-only characters such as ``·`` U+00B7 and
``—`` U+2014) as ``gb2312``, so every GB label is read as GB18030, its superset, as browsers do.
A declared label is only trusted when it decodes the bytes (a site that says ``utf-8`` but serves
GBK is common), and Latin-1/ASCII labels, the usual unconfigured server default, are weaker than
the bytes themselves.

Pure: bytes in, names out.
"""
from __future__ import annotations

import codecs
import re

# Returned encodings are Python codec names; ``source`` says which evidence decided.
SOURCES = ("bom", "http", "meta", "utf8", "detector", "fallback")

META_SCAN_BYTES = 8192

_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels compared with everything but [a-z0-9] removed.
_GB_LABELS = {
    "gb2312", "gbk", "xgbk", "gb231280", "gb23121980", "cp936", "ms936", "windows936", "euccn",
    "csgb2312", "chinese", "csiso58gb231280", "isoir58", "gb18030", "hzgb2312",
}
_BIG5_LABELS = {"big5", "big5hkscs", "csbig5", "xxbig5", "cnbig5", "cp950"}
# Server defaults that say nothing about a Chinese page; WHATWG reads them all as windows-1252.
_WEAK_LABELS = {
    "ascii", "usascii", "iso646us", "ansix341968", "iso88591", "latin1", "l1", "cp819", "ibm819",
    "isoir100", "csisolatin1", "windows1252", "cp1252", "xcp1252",
}

_CHARSET_PARAM_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_META_RE = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)


def normalize_label(label: str | bytes | None) -> str | None:
    """A charset label as published -> the Python codec to decode it with, or None if unknown."""
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    key = re.sub(r"[^a-z0-9]", "", label.lower())
    if not key:
        return None
    if key in _GB_LABELS:
        return "gb18030"
    if key in _BIG5_LABELS:
        return "big5hkscs"
    if key in _WEAK_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label.strip()).name
    except LookupError:
        return None


def _is_weak(label: str) -> bool:
    return re.sub(r"[^a-z0-9]", "", label.lower()) in _WEAK_LABELS


def http_charset(content_type_header: str | None) -> str | None:
    """The raw ``charset`` parameter of a Content-Type header, if any."""
    if not content_type_header:
        return None
    match = _CHARSET_PARAM_RE.search(content_type_header.encode("latin-1", "ignore"))
    return match.group(1).decode("ascii") if match else None


def meta_charset(data: bytes) -> str | None:
    """The charset declared by ``<meta charset>``, ``<meta http-equiv content=...charset=>`` or an
    XML declaration in the first ``META_SCAN_BYTES`` bytes."""
    head = data[:META_SCAN_BYTES]
    head = re.sub(rb"<!--.*?-->", b"", head, flags=re.DOTALL)
    match = _XML_DECL_RE.search(head) or _META_RE.search(head)
    return match.group(1).decode("ascii") if match else None


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether ``encoding`` reads ``data`` with at most a stray bad byte per KB (pages are often
    cut or hand-edited; a wrong encoding fails on a large share of the text)."""
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
    return bad <= len(data) // 1024


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        # A body cut inside its last character is still UTF-8.
        return error.reason == "unexpected end of data" and error.start >= len(data) - 3


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return normalize_label(best.encoding) if best is not None else None


def detect_encoding(data: bytes, content_type_header: str | None = None) -> tuple[str, str]:
    """``(encoding, source)``: the Python codec for ``data`` and which evidence decided it
    (``bom``, ``http``, ``meta``, ``utf8``, ``detector``, or ``fallback`` when nothing did)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, "bom"

    weak: tuple[str, str] | None = None
    for label, source in ((http_charset(content_type_header), "http"), (meta_charset(data), "meta")):
        encoding = normalize_label(label)
        if encoding is None:
            continue
        if source == "meta" and encoding.startswith("utf-16"):
            encoding = "utf-8"  # a meta tag read in an ASCII-compatible pass cannot be UTF-16
        if _is_weak(label) and not data.isascii():
            weak = weak or (encoding, source)
            continue
        if _decodes(data, encoding):
            return encoding, source

    if _is_utf8(data):
        return "utf-8", "utf8"
    detected = _detect(data)
    if detected is not None:
        return detected, "detector"
    if weak is not None:
        return weak
    return "gb18030", "fallback"


def decode(data: bytes, encoding: str) -> str:
    """``data`` as text: undecodable bytes become U+FFFD, a leading byte-order mark is dropped."""
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text
