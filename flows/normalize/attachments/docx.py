"""Word .docx bytes -> reading text (python-docx), with Word's automatic numbering printed.

Pure: bytes in, text out. Body paragraphs and tables in document order; a paragraph numbered by
Word's automatic numbering gets the marker Word prints for it (``一、``, ``（一）``, ``1.``, ``（1）``),
computed from the numbering definitions (format, level text, start, restarts); a table row becomes
one line, its cells separated by a space (as html_extract does for web tables). Page breaks that
Word recorded (explicit breaks and the breaks of its last layout) give page numbers; a file without
any has none.

A zip bomb is refused from the archive's directory before anything is inflated (the declared sizes
bound what zipfile will inflate), and so is a macro-enabled file (.docm).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from flows.normalize.attachments.formats import AttachmentError
from flows.normalize.attachments.reading_text import clean_line

MAX_UNPACKED_BYTES = 200 * 2**20
MAX_MEMBERS = 5000
MAX_PARAGRAPHS = 200_000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"
_LEVEL_REF_RE = re.compile(r"%([1-9])")


def open_bounded_zip(data: bytes, kind: str, corrupt: str) -> zipfile.ZipFile:
    """The zip package of a Word or OFD file, open, once it is known not to be a zip bomb (part count and
    unpacked size). ``kind`` names the file in the reasons ("Word file"), ``corrupt`` prefixes the reason
    for an unreadable archive ("corrupt Word file")."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise AttachmentError(f"{corrupt}: not a readable zip archive ({error})") from None
    if len(infos) > MAX_MEMBERS:
        archive.close()
        raise AttachmentError(f"{kind} with {len(infos)} parts: over the {MAX_MEMBERS} limit (a zip bomb?)")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        archive.close()
        raise AttachmentError(
            f"zip bomb: the {kind}'s {len(data)} bytes unpack to {unpacked} bytes "
            f"(over the {MAX_UNPACKED_BYTES // 2**20} MB limit)"
        )
    return archive


def check_package(data: bytes) -> None:
    """Refuse a zip bomb and a macro-enabled document before python-docx opens the package."""
    with open_bounded_zip(data, "Word file", "corrupt Word file") as archive:
        names = {info.filename for info in archive.infolist()}
    if "word/document.xml" not in names:
        raise AttachmentError("not a Word document: the zip archive has no word/document.xml")
    if "word/vbaProject.bin" in names:
        raise AttachmentError("macro-enabled Word file (.docm): not opened; save it as .docx or PDF")


# -- numbering ------------------------------------------------------------------------------------


def _roman(n: int) -> str:
    out = ""
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out, n = out + letters, n - value
    return out


def chinese_counting(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else chinese_counting(rest))
        if 10 <= rest < 20:
            tail = "一" + tail
        return _CN_DIGITS[n // 100] + "百" + tail
    return str(n)


def format_number(n: int, fmt: str) -> str:
    """A list number in one of Word's number formats (``w:numFmt``)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return chinese_counting(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str
    text: str
    start: int


class Numbering:
    """Word's numbering definitions and the running counters of each list."""

    def __init__(self, root) -> None:
        self.levels: dict[str, dict[int, _Level]] = {}  # abstractNumId -> ilvl -> level
        self.nums: dict[str, str] = {}  # numId -> abstractNumId
        self.overrides: dict[str, dict[int, int]] = {}  # numId -> ilvl -> start
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for abstract in root.iter(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.iter(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                fmt = _val(lvl.find(f"{_W}numFmt"), "decimal")
                text = _val(lvl.find(f"{_W}lvlText"), "")
                start = int(_val(lvl.find(f"{_W}start"), "1") or 1)
                levels[ilvl] = _Level(fmt, text, start)
            self.levels[abstract.get(f"{_W}abstractNumId")] = levels
        for num in root.iter(f"{_W}num"):
            num_id = num.get(f"{_W}numId")
            self.nums[num_id] = _val(num.find(f"{_W}abstractNumId"), "")
            for override in num.iter(f"{_W}lvlOverride"):
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    ilvl = int(override.get(f"{_W}ilvl", "0"))
                    self.overrides.setdefault(num_id, {})[ilvl] = int(_val(start, "1"))

    def marker(self, num_id: str, ilvl: int) -> str:
        """The printed marker of the next paragraph of list ``num_id`` at level ``ilvl``."""
        abstract = self.nums.get(num_id)
        levels = self.levels.get(abstract or "")
        if num_id in ("0", None) or not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for level, start in self.overrides.get(num_id, {}).items():
                counters[level] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        level = levels[ilvl]

        def number(match: re.Match) -> str:
            referenced = int(match.group(1)) - 1
            ref_level = levels.get(referenced)
            value = counters.get(referenced, ref_level.start if ref_level else 1)
            return format_number(value, ref_level.fmt if ref_level else "decimal")

        if level.fmt == "bullet":
            return ""
        return _LEVEL_REF_RE.sub(number, level.text)


def _val(element, default: str) -> str:
    if element is None:
        return default
    return element.get(f"{_W}val", default)


# -- text -----------------------------------------------------------------------------------------


def _num_pr(paragraph, styles: dict[str, tuple[str, int] | None]) -> tuple[str, int] | None:
    p_pr = paragraph.find(f"{_W}pPr")
    if p_pr is not None:
        num_pr = p_pr.find(f"{_W}numPr")
        if num_pr is not None:
            num_id = _val(num_pr.find(f"{_W}numId"), "0")
            return num_id, int(_val(num_pr.find(f"{_W}ilvl"), "0") or 0)
        style = p_pr.find(f"{_W}pStyle")
        if style is not None:
            return styles.get(_val(style, ""))
    return None


def _style_numbering(document) -> dict[str, tuple[str, int] | None]:
    """styleId -> (numId, ilvl) for paragraph styles that carry numbering (heading styles)."""
    found: dict[str, tuple[str, int] | None] = {}
    try:
        root = document.styles.element
    except (AttributeError, KeyError, ValueError):
        return found
    for style in root.iter(f"{_W}style"):
        p_pr = style.find(f"{_W}pPr")
        num_pr = p_pr.find(f"{_W}numPr") if p_pr is not None else None
        if num_pr is not None:
            num_id = _val(num_pr.find(f"{_W}numId"), "0")
            found[style.get(f"{_W}styleId")] = (num_id, int(_val(num_pr.find(f"{_W}ilvl"), "0") or 0))
    return found


def _paragraph_text(paragraph) -> tuple[str, list[int]]:
    """The paragraph's text and the offsets in it where a new page starts (an explicit page break,
    or where Word's last layout broke the page)."""
    parts, breaks, length = [], [], 0
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}lastRenderedPageBreak"):
        tag = node.tag
        if tag == f"{_W}lastRenderedPageBreak" or (tag == f"{_W}br" and node.get(f"{_W}type") == "page"):
            breaks.append(length)
            continue
        piece = (node.text or "") if tag == f"{_W}t" else "\t" if tag == f"{_W}tab" else "\n"
        parts.append(piece)
        length += len(piece)
    return "".join(parts), breaks


def docx_text(data: bytes) -> tuple[str, list[int], list[str]]:
    """(reading text, page starts or [] when Word recorded no page breaks, warnings)."""
    check_package(data)
    import docx  # python-docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds for a broken package
        raise AttachmentError(
            f"corrupt Word file: python-docx cannot open it ({type(error).__name__}: {error})"
        ) from None
    try:
        numbering_root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        numbering_root = None
    numbering = Numbering(numbering_root)
    styles = _style_numbering(document)
    lines: list[str] = []
    breaks_at: list[int] = []  # offsets in the text where a page starts
    offset = 0
    warnings: list[str] = []

    def add(line: str, breaks: list[int]) -> None:
        nonlocal offset
        breaks_at.extend(offset + min(b, len(line)) for b in breaks)
        lines.append(line)
        offset += len(line) + 1

    for block in document.element.body.iterchildren():
        if len(lines) > MAX_PARAGRAPHS:
            warnings.append(f"Word file cut after {MAX_PARAGRAPHS} paragraphs")
            break
        if block.tag == f"{_W}p":
            text, breaks = _paragraph_text(block)
            num = _num_pr(block, styles)
            marker = numbering.marker(*num) if num else ""
            pos = -len(marker)
            for piece in (marker + text).split("\n"):
                cleaned = clean_line(piece.replace("\t", " "))
                here = [b - pos for b in breaks if pos <= b <= pos + len(piece)]
                breaks = [b for b in breaks if b > pos + len(piece)]
                pos += len(piece) + 1
                if cleaned:
                    add(cleaned, here)
                elif here:
                    breaks_at.append(offset)
        elif block.tag == f"{_W}tbl":
            for row in block.iter(f"{_W}tr"):
                cells, row_breaks = [], []
                for cell in row.iter(f"{_W}tc"):
                    texts = []
                    for p in cell.iter(f"{_W}p"):
                        cell_text, breaks = _paragraph_text(p)
                        row_breaks.extend(breaks)
                        texts.append(clean_line(cell_text.replace("\t", " ").replace("\n", " ")))
                    cell_text = " ".join(t for t in texts if t)
                    if cell_text:
                        cells.append(cell_text)
                if cells:
                    add(" ".join(cells), [0] if row_breaks else [])
    text = "\n".join(lines)
    page_starts: list[int] = []
    if breaks_at:
        page_starts = [0] + sorted(min(b, len(text)) for b in breaks_at if b > 0)
    return text, page_starts, warnings
