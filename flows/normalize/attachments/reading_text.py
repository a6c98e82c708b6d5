"""Printed lines of a paginated document -> the reading text the text parser expects.

A PDF holds lines as printed: a paragraph is wrapped over several lines, a heading may wrap too or
be cut by a page break, every page repeats a running header and footer with its page number, a
title is spread with full-width spaces. The text parser (``page``, ``sections``, ``metrics``)
expects what a web page gives: one line per paragraph, headings on their own lines, no page
furniture. This module rebuilds that from the lines and their positions (pure: lines in, text out).

Rules, in order:

1. Page furniture is dropped: among the first and last two lines of each page, page numbers
   (``— 3 —``, ``- 3 -``, ``第3页 共10页``, ``3/10``, a bare number) and lines printed at the same
   height on at least two pages with the same text once digits are ignored (running headers and
   footers, a title repeated at the top of each page).
2. Lines are joined into paragraphs. A line break is kept after a line that stops short of the
   right margin (the paragraph ended), before a line indented past the left margin (a new
   paragraph), around a centred line (titles), and between a line that ended a sentence and one
   that starts with a heading marker. Otherwise the line was wrapped and the next line continues it,
   also across a page break (a heading split by a page break is one heading again).
3. Each line is cleaned: surrounding spaces, full-width spaces between Han characters (``报　告``),
   a hyphen that split a Latin word at a line end.

A line of a table (cells far apart on one line) is kept as its own line: it never reaches the
right margin as prose does, so it is never joined. Lines without positions (docx, OCR without
boxes) are taken as they are, with rule 1 applied to their first and last lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flows.core.textnorm import clean_text, fold

# How close to the right margin a wrapped line ends, in character widths: CJK wraps character by
# character, and line-breaking rules can push one or two characters (a closing bracket and a
# comma) to the next line.
WRAP_SLACK_CHARS = 2.6
# Latin text wraps at word boundaries: a wrapped line may stop a word's width short.
WRAP_SLACK_LATIN_SHARE = 0.18
# A line starting this many character widths right of the left margin starts a paragraph.
INDENT_CHARS = 1.2
# A line is centred when both sides are at least this many character widths from the margins and
# the two gaps differ by less than CENTRE_TOLERANCE_CHARS.
CENTRE_MIN_CHARS = 3.0
CENTRE_TOLERANCE_CHARS = 2.5
# Running headers and footers: lines among the first/last FURNITURE_LINES of a page.
FURNITURE_LINES = 2
SAME_HEIGHT_PT = 3.0

_PAGE_NUMBER_RES = (
    re.compile(r"^[-—–－~·•\s]*\d{1,4}[-—–－~·•\s]*$"),
    re.compile(r"^第\s*\d{1,4}\s*页\s*[,，/、]?\s*(?:共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^共\s*\d{1,4}\s*页\s*[,，/、]?\s*第\s*\d{1,4}\s*页$"),
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),
    re.compile(r"^(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE),
    re.compile(r"^[-—–－\s]*[一二三四五六七八九十百]{1,4}[-—–－\s]*$"),
)
_SENTENCE_END = '。!?;:！？；：”"'
_HEADING_START_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十]{1,3}[)）]|\d{1,2}[.、．](?!\d)|[(（]\d{1,2}[)）])"
)
_HAN = "\u4e00-\u9fff\u3400-\u4dbf"
_SPREAD_SPACE_RE = re.compile(rf"(?<=[{_HAN}])[\u3000 ]+(?=[{_HAN}])")
_FULLWIDTH_GAP_RE = re.compile(rf"(?<=[{_HAN}，。、：；）》”])\u3000+|\u3000+(?=[{_HAN}（《“])")
_HYPHEN_END_RE = re.compile(r"[A-Za-z]-$")
_LATIN_END_RE = re.compile(r"[A-Za-z0-9,.;:%)]$")
_LATIN_START_RE = re.compile(r"^[A-Za-z0-9(]")
_DIGITS_RE = re.compile(r"\d+")
_UNIT_RE = re.compile(r"[“‘《〈（(【\[\"']*[A-Za-z0-9.%,\-]+[^A-Za-z0-9]?|[“‘《〈（(【\[\"']+.")


def _width_chars(text: str) -> float:
    """Printed width of ``text`` in CJK character widths (Latin letters and digits about half)."""
    return sum(0.55 if ord(char) < 0x2000 else 1.0 for char in text)


@dataclass
class Line:
    """One printed line. Positions in points from the page's left and top edges (``None`` when the
    source has no positions); ``size`` is the character height, standing for one character width."""

    text: str
    x0: float | None = None
    x1: float | None = None
    top: float | None = None
    size: float | None = None

    @property
    def has_box(self) -> bool:
        return self.x0 is not None and self.x1 is not None and self.size is not None and self.size > 0


@dataclass
class Page:
    lines: list[Line]
    width: float | None = None
    height: float | None = None


@dataclass
class ReadingText:
    text: str  # in textnorm.clean_text form
    page_starts: list[int]  # offset in text where each page's text begins (one per page)
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # page furniture removed, for tests and debugging


def is_page_number(text: str) -> bool:
    line = fold(text).strip()
    return bool(line) and len(line) <= 20 and any(regex.match(line) for regex in _PAGE_NUMBER_RES)


def _furniture_key(text: str) -> str:
    return _DIGITS_RE.sub("#", "".join(fold(text).split()))


def clean_line(text: str) -> str:
    """One printed line without its surrounding spaces, with Han characters spread by (full-width)
    spaces pulled together and full-width spaces beside Chinese punctuation removed."""
    text = clean_text(text).strip(" \t\u3000")
    if not text:
        return text
    han = len(re.findall(f"[{_HAN}]", text))
    if han >= 2 and "\u3000" in text:
        text = _FULLWIDTH_GAP_RE.sub("", text)
    # A title printed with a space between each character (报 告): every token is one character.
    tokens = text.split()
    if len(tokens) >= 2 and all(len(t) == 1 for t in tokens) and han >= 2:
        text = _SPREAD_SPACE_RE.sub("", text)
    return text


def _furniture(pages: list[Page]) -> set[tuple[int, int]]:
    """(page index, line index) of page numbers and running headers/footers."""
    found: set[tuple[int, int]] = set()
    seen: dict[str, list[tuple[int, int, float | None]]] = {}
    for p, page in enumerate(pages):
        lines = page.lines
        candidates = sorted(
            set(range(min(FURNITURE_LINES, len(lines)))) | set(range(max(0, len(lines) - FURNITURE_LINES), len(lines)))
        )
        for i in candidates:
            text = lines[i].text
            if is_page_number(text):
                found.add((p, i))
                continue
            key = _furniture_key(text)
            if key:
                seen.setdefault(key, []).append((p, i, lines[i].top))
    if len(pages) < 2:
        return found
    for places in seen.values():
        pages_with = {p for p, _, _ in places}
        if len(pages_with) < 2:
            continue
        tops = Counter(round(top / SAME_HEIGHT_PT) for _, _, top in places if top is not None)
        if tops:
            # Only where printed at the same height on two pages or more (a title on page 1 that a
            # running header repeats elsewhere stays).
            common = {key for key, n in tops.items() if n >= 2}
            for p, i, top in places:
                if top is not None and round(top / SAME_HEIGHT_PT) in common:
                    found.add((p, i))
        elif len(pages_with) >= max(2, len(pages) // 2):
            found.update((p, i) for p, i, _ in places)
    return found


@dataclass
class _Margins:
    left: float
    right: float
    size: float


def _margins(lines: list[Line]) -> _Margins | None:
    boxed = [line for line in lines if line.has_box and line.text.strip()]
    if len(boxed) < 3:
        return None
    size = sorted(line.size for line in boxed)[len(boxed) // 2]
    lefts = Counter(round(line.x0 / (size / 2)) for line in boxed)
    left_bin = max(lefts.items(), key=lambda item: (item[1], -item[0]))[0]
    left = min(line.x0 for line in boxed if round(line.x0 / (size / 2)) == left_bin)
    rights = sorted(line.x1 for line in boxed)
    right = rights[int(0.9 * (len(rights) - 1))]
    if right - left < 10 * size:
        return None
    return _Margins(left, right, size)


def _columns(page: Page, margins: _Margins | None) -> list[_Margins] | None:
    """Two columns of text on the page: their margins, or None for one column."""
    if margins is None or page.width is None:
        return None
    boxed = [line for line in page.lines if line.has_box and len(line.text.strip()) >= 4]
    if len(boxed) < 6:
        return None
    middle = (margins.left + margins.right) / 2
    left_col = [line for line in boxed if line.x1 < middle]
    right_col = [line for line in boxed if line.x0 > middle - margins.size]
    if len(left_col) < 3 or len(right_col) < 3 or len(left_col) + len(right_col) < 0.7 * len(boxed):
        return None
    left_margins = _margins(left_col) or _Margins(margins.left, max(line.x1 for line in left_col), margins.size)
    right_margins = _margins(right_col) or _Margins(min(line.x0 for line in right_col), margins.right, margins.size)
    return [left_margins, right_margins]


def _continues(prev: Line, nxt: Line, margins: _Margins | None) -> bool:
    """Whether ``nxt`` continues the paragraph of ``prev`` (``prev`` was wrapped)."""
    a, b = prev.text, nxt.text
    if not a or not b:
        return False
    if a[-1] in _SENTENCE_END and _HEADING_START_RE.match(fold(b)):
        return False
    if margins is None or not (prev.has_box and nxt.has_box):
        return False
    size = margins.size
    width = margins.right - margins.left
    slack = WRAP_SLACK_CHARS * size
    if _LATIN_END_RE.search(a):
        slack = max(slack, WRAP_SLACK_LATIN_SHARE * width)
    # Line breaking keeps an opening bracket or quote with what follows and a Latin word or number
    # whole: a wrapped line stops short by the width of the unit that did not fit.
    unit = _UNIT_RE.match(b)
    if unit:
        slack = max(slack, (_width_chars(unit.group(0)) + 1.5) * size)
    if prev.x1 < margins.right - slack:
        return False  # stopped short: the paragraph ended
    if nxt.x0 > margins.left + INDENT_CHARS * size:
        return False  # indented: a new paragraph
    if _centred(prev, margins) or _centred(nxt, margins):
        return False
    return True


def _centred(line: Line, margins: _Margins) -> bool:
    size = margins.size
    gap_left = line.x0 - margins.left
    gap_right = margins.right - line.x1
    return (
        gap_left >= CENTRE_MIN_CHARS * size
        and gap_right >= CENTRE_MIN_CHARS * size
        and abs(gap_left - gap_right) <= CENTRE_TOLERANCE_CHARS * size
    )


def _join(a: str, b: str) -> str:
    if _HYPHEN_END_RE.search(a) and b[:1].islower():
        return a[:-1] + b
    if _LATIN_END_RE.search(a) and _LATIN_START_RE.match(b) and not a.endswith(" "):
        return a + " " + b
    return a + b


def reading_text(pages: list[Page]) -> ReadingText:
    """The reading text of ``pages`` (see the module doc) and where each page starts in it."""
    warnings: list[str] = []
    furniture = _furniture(pages)
    dropped = [pages[p].lines[i].text for p, i in sorted(furniture)]
    all_lines = [line for page in pages for line in page.lines]
    margins = _margins(all_lines)

    paragraphs: list[str] = []  # finished lines of the reading text
    done = 0  # length of the finished lines with their line breaks
    page_starts = [0] * len(pages)
    current: Line | None = None
    current_text = ""
    current_margins = margins
    two_column_pages = []

    def finish() -> None:
        nonlocal current, current_text, done
        if current is not None:
            paragraphs.append(current_text)
            done += len(current_text) + 1
        current, current_text = None, ""

    for p, page in enumerate(pages):
        columns = _columns(page, margins)
        if columns:
            two_column_pages.append(p + 1)
        page_starts[p] = done + len(current_text)  # until a line of this page is placed
        first_of_page = True
        for i, raw in enumerate(page.lines):
            if (p, i) in furniture:
                continue
            text = clean_line(raw.text)
            if not text:
                continue
            line = Line(text, raw.x0, raw.x1, raw.top, raw.size)
            line_margins = margins
            if columns and line.has_box:
                line_margins = columns[1] if line.x0 > columns[1].left - margins.size else columns[0]
            if current is not None and _continues(
                Line(current_text, current.x0, current.x1, current.top, current.size), line, current_margins
            ):
                joined = _join(current_text, text)
                if first_of_page:
                    page_starts[p] = done + len(joined) - len(text)
                current_text = joined
                current = Line(current_text, current.x0, line.x1, line.top, line.size)
                current_margins = line_margins
            else:
                finish()
                if first_of_page:
                    page_starts[p] = done
                current, current_text, current_margins = line, text, line_margins
            first_of_page = False
    finish()
    if two_column_pages:
        warnings.append(
            f"two-column layout on page(s) {_page_list(two_column_pages)}: read column by column, "
            "left column first; check the reading order"
        )
    text = "\n".join(paragraphs)
    page_starts = [min(start, len(text)) for start in page_starts]
    return ReadingText(text, page_starts, warnings, dropped)


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def page_at(page_starts: list[int], offset: int) -> int | None:
    """1-based page holding ``offset`` of the text, or None when the text has no pages."""
    if not page_starts:
        return None
    low, high = 0, len(page_starts)
    while low < high:  # last page whose start <= offset
        mid = (low + high) // 2
        if page_starts[mid] <= offset:
            low = mid + 1
        else:
            high = mid
    return max(1, low)
