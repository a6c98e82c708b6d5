"""Which character encoding a fetched page is in, from its bytes and its HTTP Content-Type.

Order of evidence (first that holds wins): a byte-order mark; the HTTP ``charset``; a ``<meta>``
charset (or XML declaration) in the first few KB; the bytes being valid UTF-8; UTF-8 with pasted
GBK runs (``MIXED_UTF8_GB``); charset-normalizer.

Chinese government sites commonly label GBK (and GB18030-only characters such as ``·`` U+00B7 and
``—`` U+2014) as ``gb2312``, so every GB label is read as GB18030, its superset, as browsers do.
A declared label is only trusted when it decodes the bytes (a site that says ``utf-8`` but serves
GBK is common), and Latin-1/ASCII labels, the usual unconfigured server default, are weaker than
the bytes themselves.

A UTF-8 page into which an editor pasted GBK text decodes cleanly in neither; it is read as UTF-8
with each invalid sequence re-read as one GB18030 character, the codec ``MIXED_UTF8_GB`` that this
module registers with Python (``data.decode("utf-8-gb18030")`` once ``flows.fetch.encoding`` is imported).

Pure: bytes in, names out.
"""

from __future__ import annotations

import codecs
import re

# Returned encodings are Python codec names; ``source`` says which evidence decided.
SOURCES = ("bom", "http", "meta", "utf8", "mixed", "detector", "fallback")

MIXED_UTF8_GB = "utf-8-gb18030"
# Mixed only when the UTF-8 part is real Chinese text, and most of it.
_MIXED_MIN_UTF8_HAN = 20

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
    "gb2312",
    "gbk",
    "xgbk",
    "gb231280",
    "gb23121980",
    "cp936",
    "ms936",
    "windows936",
    "euccn",
    "csgb2312",
    "chinese",
    "csiso58gb231280",
    "isoir58",
    "gb18030",
    "hzgb2312",
}
_BIG5_LABELS = {"big5", "big5hkscs", "csbig5", "xxbig5", "cnbig5", "cp950"}
# Server defaults that say nothing about a Chinese page; WHATWG reads them all as windows-1252.
_WEAK_LABELS = {
    "ascii",
    "usascii",
    "iso646us",
    "ansix341968",
    "iso88591",
    "latin1",
    "l1",
    "cp819",
    "ibm819",
    "isoir100",
    "csisolatin1",
    "windows1252",
    "cp1252",
    "xcp1252",
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


_HAN_RE = re.compile("[\u4e00-\u9fff]")


def _gb_char(data: bytes, pos: int) -> tuple[str, int] | None:
    """The one GB18030 character at ``pos`` (two or four bytes) and its size, if there is one."""
    for size in (2, 4):
        try:
            char = data[pos : pos + size].decode("gb18030")
        except UnicodeDecodeError:
            continue
        if len(char) == 1:
            return char, size
    return None


def _gb_han(pair: bytes) -> str | None:
    """A two-byte UTF-8 character (U+0080..U+07FF, Latin to Arabic) re-read as a GB Han character:
    inside a GBK run such pairs are GBK by accident of the byte values (应 is D3 A6, also Ӧ)."""
    try:
        char = pair.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 and _HAN_RE.match(char) else None


def _is_two_byte_utf8(pair: bytes) -> bool:
    return len(pair) == 2 and 0xC2 <= pair[0] <= 0xDF and 0x80 <= pair[1] <= 0xBF


def _utf8_with_gb_runs(data: bytes, give_up_after: int | None = None) -> tuple[str, int, int, int] | None:
    """``data`` read as UTF-8, each invalid sequence re-read as one GB18030 character where it is
    one: ``(text, utf8_han, gb_chars, bad_bytes)``. Two-byte UTF-8 characters touching a GB run
    are re-read as GB Han characters. With ``give_up_after``, None as soon as the GB characters
    outnumber the UTF-8 Han characters by that many (the page is simply GBK)."""
    view = memoryview(data)
    parts: list[str] = []
    pos = utf8_han = gb_chars = bad = 0
    while pos < len(data):
        try:
            text = codecs.utf_8_decode(view[pos:], "strict", True)[0]
            stop = len(data)
        except UnicodeDecodeError as error:
            stop = pos + error.start
            text = codecs.utf_8_decode(view[pos:stop], "strict", True)[0]
        pos = stop
        if pos < len(data):  # a GB run starts here: take back two-byte characters just before it
            taken = []
            while text and "\x80" <= text[-1] < "\u0800" and (han := _gb_han(text[-1].encode("utf-8"))):
                taken.append(han)
                text = text[:-1]
            parts.append(text)
            parts.extend(reversed(taken))
            gb_chars += len(taken)
        else:
            parts.append(text)
        utf8_han += len(_HAN_RE.findall(text))
        if pos == len(data):
            break
        found = _gb_char(data, pos)
        if found is None:
            parts.append("\ufffd")
            bad += 1
            pos += 1
        else:
            parts.append(found[0])
            gb_chars += 1
            pos += found[1]
            while _is_two_byte_utf8(data[pos : pos + 2]) and (han := _gb_han(data[pos : pos + 2])):
                parts.append(han)
                gb_chars += 1
                pos += 2
        if give_up_after is not None and gb_chars + bad - utf8_han > give_up_after:
            return None
    return "".join(parts), utf8_han, gb_chars, bad


def _is_mixed_utf8_gb(data: bytes) -> bool:
    read = _utf8_with_gb_runs(data, give_up_after=200)
    if read is None:
        return False
    _, utf8_han, gb_chars, bad = read
    return gb_chars > 0 and utf8_han >= max(_MIXED_MIN_UTF8_HAN, gb_chars) and bad <= len(data) // 1024


def _decode_mixed(data, errors: str = "strict") -> tuple[str, int]:
    data = bytes(data)
    return _utf8_with_gb_runs(data)[0], len(data)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != MIXED_UTF8_GB.replace("-", "_"):
        return None
    return codecs.CodecInfo(name=MIXED_UTF8_GB, encode=codecs.utf_8_encode, decode=_decode_mixed)


codecs.register(_find_codec)


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return normalize_label(best.encoding) if best is not None else None


def detect_encoding(data: bytes, content_type_header: str | None = None) -> tuple[str, str]:
    """``(encoding, source)``: the Python codec for ``data`` and which evidence decided it
    (``bom``, ``http``, ``meta``, ``utf8``, ``mixed``, ``detector``, or ``fallback`` when nothing did)."""
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
    if _is_mixed_utf8_gb(data):
        return MIXED_UTF8_GB, "mixed"
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
