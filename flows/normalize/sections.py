"""The heading tree of a report: numbered headings -> nested section records.

Reports number their headings in four printed styles, one per level:

    level 1  一、   (also the malformed 一) and 一.)
    level 2  (一)  （一）
    level 3  1.  1、  １．
    level 4  (1)  （1）

A marker is a heading only where a heading can start: at the start of a line (after indentation,
including the ``??`` that garbled full-width spaces become), or, where line breaks were lost, right
after a sentence end, a whitespace gap or a heading that has not ended. Headings found away from a
line start must also continue the numbering exactly (一 first, 二 after 一 under the same parent, or
3. running on from the previous parent's 1. 2.), which is what separates a heading run into a
paragraph from ``一、二季度`` or ``第一、二批`` in a sentence. Arabic-numbered items after a sentence
end without a gap count only in a body whose paragraph breaks were all lost; elsewhere they are a
list inside a paragraph.

A heading's text runs from its marker to the end of its line, or, for a run-in heading (heading
and body on one line), to the first ``。`` or ``:``. A heading cut off by the end of the text (a
truncated capture) is not a heading.

Patterns run on ``textnorm.fold(text)``; every offset is valid in ``text``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from flows.core import textnorm
from flows.core.numerals import heading_number, heading_numeral

_CN_NUMERAL = "[一二三四五六七八九十]{1,3}"
_MARKER_RE = re.compile(
    rf"(?P<paren_cn>\((?P<n_paren_cn>{_CN_NUMERAL})\)[、.]?)"
    r"|(?P<paren_ar>\((?P<n_paren_ar>\d{1,2})\)[、.]?)"
    rf"|(?P<cn>(?P<n_cn>{_CN_NUMERAL})[、).])"
    r"|(?P<ar>(?P<n_ar>\d{1,2})[.、](?!\d))"
)
_LEVEL_OF_GROUP = {"cn": 1, "paren_cn": 2, "ar": 3, "paren_ar": 4}

# Skipped when looking back from a marker for its boundary: indentation and the "??" that
# full-width spaces turn into when a page is decoded with the wrong charset.
_INDENT = " \t?"
_FULL_STOP = "。!?"
_CLAUSE_END = ";:"
_NOT_HEADING_START = "\n。:,;、.)"
_HAN_RE = re.compile("[\u4e00-\u9fff]")
# Characters after which a marker is part of a name, quote or reference, never a heading.
_NOT_BEFORE_HEADING = "“‘\"'《〈<[〔(第"
_HEADING_END_RE = re.compile("[\n。:]")
_WHITESPACE_RE = re.compile(r"\s")
# The text after a marker starts with another numeral of a list: 一、二季度, 一、二、三级, 1、2月.
_NUMERAL_LIST_RE = re.compile(r"[零〇一二三四五六七八九十百\d]+\s*[、,和及至到或月日季批级类号条款项期届]")

# A line this long holds several paragraphs whose breaks were lost (or no breaks at all), so
# Arabic-numbered headings inside it may follow a sentence end without any whitespace.
_RUN_TOGETHER_LINE = 1000
# Lines longer than this are paragraphs rather than titles, headings or page chrome.
_PARAGRAPH_MIN = 100
# A heading running to its line end is kept whole unless it is longer than this and has a
# whitespace gap (a flattened page where body text follows the heading after a space).
_STANDALONE_HEADING_MAX = 60
# A heading whose punctuation and line break were lost in capture runs on into its body: the
# whole paragraph up to its first full stop. Printed headings of this length always have a comma or
# a 、 within their first _GLUED_CLAUSE_MAX characters (none in the corpus runs longer unpunctuated);
# such a run is cut before the first verb that opens a sentence or a sub-heading.
_GLUED_HEADING_MIN = 60
_GLUED_CLAUSE_MAX = 24
_GLUED_HEADING_SHORTEST = 8
_CLAUSE_MARK_RE = re.compile("[,;、:。!?]")
_SENTENCE_VERB_RE = re.compile(
    "强化|加强|深化|推进|推动|落实|坚持|健全|完善|提升|提高|严格|规范|持续|扎实|着力|聚焦|优化|切实|"
    "不断|积极|大力|夯实|筑牢|压实|做好|抓好|开展|建立|构建|深入"
)
# How far after a marker to look for its next sibling's marker within the same sentence.
_INLINE_LIST_WINDOW = 200
# At a line start, a number further than this ahead of its predecessor (or a first number above it)
# belongs to something other than the heading sequence.
_MAX_NUMBER_GAP = 3

_SECTION_TYPES = (
    # Checked in this order: a heading naming problems and plans is about problems; plans wording
    # beats measures wording (2023年主要工作安排); a heading on "other matters" is other even though
    # it says 情况 (其他需要报告的情况).
    ("leadership_duties", ("第一责任人", "履行推进法治建设", "主要负责人履职")),
    ("problems", ("存在的", "存在问题", "不足", "短板")),
    ("plans", ("安排", "打算", "思路", "下一步", "努力方向", "工作计划", "下一年度", "今后", "明年", "展望")),
    ("other", ("其他",)),
    ("measures", ("主要举措", "主要工作", "主要做法", "成效", "情况")),
)


def section_type(heading: str) -> str:
    """Kind of a level-1 section from its heading's wording (any script)."""
    return _section_type_of_folded(textnorm.fold(heading))


def _section_type_of_folded(folded: str) -> str:
    for kind, words in _SECTION_TYPES:
        if any(word in folded for word in words):
            return kind
    return "other"


@dataclass(slots=True)
class _Heading:
    level: int
    value: int
    number_start: int
    number_end: int
    marker_start: int
    marker_end: int
    heading_start: int
    natural_end: int  # first 。/:/line break after the heading start, or the end of the text
    heading_end: int = 0


class _Lines:
    """Line breaks and heading ends of a text, for O(log n) lookups (keeps parsing linear on pages
    with thousands of markers and no full stop)."""

    def __init__(self, folded: str):
        self.breaks = [match.start() for match in re.finditer("\n", folded)]
        self.heading_ends = [match.start() for match in _HEADING_END_RE.finditer(folded)]
        self.length = len(folded)
        bounds = zip([-1] + self.breaks, self.breaks + [self.length])
        self.paragraph_count = sum(1 for start, end in bounds if end - start > _PARAGRAPH_MIN)

    def is_run_together(self, line_start: int, line_end: int) -> bool:
        """Whether a line holds a whole body whose paragraph breaks were lost: very long, or the one
        paragraph-sized line of the text (chrome lines around it are short)."""
        length = line_end - line_start
        return length >= _RUN_TOGETHER_LINE or (self.paragraph_count == 1 and length >= 2 * _PARAGRAPH_MIN)

    def heading_end(self, offset: int) -> int:
        """The first line break, 。 or : at or after ``offset``, else the end of the text."""
        index = bisect.bisect_left(self.heading_ends, offset)
        return self.heading_ends[index] if index < len(self.heading_ends) else self.length

    def span(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_left(self.breaks, offset)
        start = self.breaks[index - 1] + 1 if index else 0
        end = self.breaks[index] if index < len(self.breaks) else self.length
        return start, end


def _previous_sibling_number(stack: list[_Heading], level: int) -> int | None:
    """Number of the open section a new heading at ``level`` would follow; None if it opens a new list."""
    for open_heading in reversed(stack):
        if open_heading.level < level:
            return None
        if open_heading.level == level:
            return open_heading.value
    return None


def _find_headings(folded: str) -> list[_Heading]:
    lines = _Lines(folded)
    stack: list[_Heading] = []  # the open sections, outermost first
    found: list[_Heading] = []
    last_value = [0] * 5  # last number seen at each level, for numbering that runs on across parents
    for match in _MARKER_RE.finditer(folded):
        heading = _candidate(folded, lines, match)
        if heading is None or not _continues_tree(folded, lines, heading, stack, found, last_value):
            continue
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        stack.append(heading)
        found.append(heading)
        last_value[heading.level] = heading.value

    for current, following in zip(found, found[1:] + [None]):
        end = current.natural_end if following is None else min(current.natural_end, following.marker_start)
        current.heading_end = _trim_heading(folded, current.heading_start, end, current.natural_end)
    # A heading running into the end of the text without a break or full stop was cut off.
    if found and found[-1].natural_end == len(folded) and found[-1].heading_end >= len(folded.rstrip()):
        found.pop()
    return [heading for heading in found if heading.heading_end > heading.heading_start]


def _candidate(folded: str, lines: _Lines, match: re.Match) -> _Heading | None:
    """The heading a marker would start, or None when what follows the marker cannot be a heading."""
    group = match.lastgroup
    level = _LEVEL_OF_GROUP[group]
    digits = match.group("n_" + group)
    value = int(digits) if level in (3, 4) else heading_number(digits)
    if not value:
        return None
    heading_start = match.end()
    while heading_start < len(folded) and folded[heading_start] in " \t":
        heading_start += 1
    if heading_start >= len(folded) or folded[heading_start] in _NOT_HEADING_START:
        return None
    if _NUMERAL_LIST_RE.match(folded, heading_start):
        return None
    if not _HAN_RE.search(folded, heading_start, heading_start + 12):
        return None
    return _Heading(
        level,
        value,
        *match.span("n_" + group),
        match.start(),
        match.end(),
        heading_start,
        lines.heading_end(heading_start),
    )


def _continues_tree(
    folded: str, lines: _Lines, heading: _Heading, stack: list[_Heading], found: list[_Heading], last_value: list[int]
) -> bool:
    """Whether a candidate is a heading, given where it stands and the headings before it."""
    start = heading.marker_start
    before = start
    while before > 0 and folded[before - 1] in _INDENT:
        before -= 1
    line_start, line_end = lines.span(start)
    sibling = _previous_sibling_number(stack, heading.level)
    if sibling is not None:
        expected = heading.value == sibling + 1
    else:  # a new list starts at 1, or runs on from the previous parent's list (… 2. (二) 3.)
        expected = heading.value in (1, last_value[heading.level] + 1)

    if before == line_start:
        # At a line start only a jump in the numbering speaks against a heading.
        if sibling is None:
            return expected or heading.value <= _MAX_NUMBER_GAP
        # A repeated number is a typo in the page, a smaller one (other than a restart at 1) is not.
        return heading.value == 1 or sibling <= heading.value <= sibling + _MAX_NUMBER_GAP

    # Away from a line start a heading must continue the numbering and follow a break in the text:
    # a whitespace gap (blocks joined by spaces), a sentence end, or a heading that has not ended yet
    # (headings run together). Arabic-numbered items after a sentence end are usually a list inside
    # a paragraph (做法:1.…;2.… or 。(1)…。(2)…), unless the line is a whole body run together.
    previous_char = folded[before - 1]
    if not expected or previous_char in _NOT_BEFORE_HEADING or (previous_char.isascii() and previous_char.isalnum()):
        return False
    sentence_end = min(heading.natural_end, heading.heading_start + _INLINE_LIST_WINDOW)
    if _next_marker_re(heading.level, heading.value).search(folded, heading.heading_start, sentence_end):
        return False  # 1.建立制度;2.完善机制。: items of one sentence
    if before < start:
        return True
    if found and found[-1].heading_start < start < found[-1].natural_end:
        return True
    if heading.level <= 2:
        return previous_char in _FULL_STOP or previous_char in _CLAUSE_END
    if (
        heading.value == 1
        and previous_char in _FULL_STOP
        and found
        and found[-1].level == heading.level - 1
        and found[-1].natural_end == before - 1
    ):
        return True  # (一)…推进。1.强化思想引领。: the first item right after its parent's run-in heading
    return (previous_char in _FULL_STOP or previous_char in _CLAUSE_END) and lines.is_run_together(line_start, line_end)


@cache
def _next_marker_re(level: int, value: int) -> re.Pattern:
    """Pattern of the marker that would number the next sibling of heading ``value`` at ``level``."""
    numeral = str(value + 1) if level in (3, 4) else heading_numeral(value + 1)
    if level in (2, 4):
        return re.compile(re.escape(f"({numeral})"))
    if level == 3:
        return re.compile(rf"(?<!\d){numeral}[.、](?!\d)")
    return re.compile(rf"(?<![一二三四五六七八九十]){numeral}[、).]")


def _trim_heading(folded: str, start: int, end: int, natural_end: int) -> int:
    """End of the heading text in [start, end): trailing space dropped; cut at a whitespace gap when
    the heading does not stand alone on its line (body text follows it after a space), or before the
    body's first verb when the heading ran on into its body unpunctuated."""
    while end > start and folded[end - 1].isspace():
        end -= 1
    stands_alone = natural_end < len(folded) and folded[natural_end] == "\n"
    if not stands_alone or end - start > _STANDALONE_HEADING_MAX:
        gap = _WHITESPACE_RE.search(folded, start, end)
        if gap:
            end = gap.start()
    if end - start > _GLUED_HEADING_MIN and not _CLAUSE_MARK_RE.search(folded, start, start + _GLUED_CLAUSE_MAX):
        verb = _SENTENCE_VERB_RE.search(folded, start + _GLUED_HEADING_SHORTEST, start + _GLUED_CLAUSE_MAX + 2)
        if verb:
            end = verb.start()
    return end


def parse_sections(text: str, doc_id: str) -> list[dict]:
    """The section tree of a document's stored text: a root section (level 0) covering the whole text,
    then one section per numbered heading in text order, each spanning from its marker to the next
    heading of the same or a higher level."""
    folded = textnorm.fold(text)
    headings = _find_headings(folded)
    records = [_record(doc_id, 0, None, 0, None, None, None, None, 0, len(text))]
    open_sections: list[tuple[int, dict]] = [(0, records[0])]
    for ordinal, heading in enumerate(headings, start=1):
        while open_sections[-1][0] >= heading.level:
            open_sections.pop()[1]["end"] = heading.marker_start
        parent = open_sections[-1][1]
        title = text[heading.heading_start : heading.heading_end]
        record = _record(
            doc_id,
            ordinal,
            parent["section_id"],
            heading.level,
            text[heading.number_start : heading.number_end],
            text[heading.marker_start : heading.marker_end],
            title,
            None,
            heading.marker_start,
            len(text),
        )
        if parent["parent_id"] is None:
            # Directly under the root: the top of its branch, typed when it is a level-1 heading.
            record["top_section_id"] = record["section_id"]
            if heading.level == 1:
                record["section_type"] = _section_type_of_folded(folded[heading.heading_start : heading.heading_end])
        else:
            record["top_section_id"] = parent["top_section_id"]
            record["section_type"] = parent["section_type"]
        records.append(record)
        open_sections.append((heading.level, record))
    return records


def _record(doc_id, ordinal, parent_id, level, number, marker, heading, kind, start, end) -> dict:
    return {
        "section_id": f"{doc_id}-s{ordinal:03d}",
        "doc_id": doc_id,
        "parent_id": parent_id,
        "level": level,
        "number": number,
        "marker": marker,
        "heading": heading,
        "section_type": kind,
        "top_section_id": None,
        "start": start,
        "end": end,
        "ordinal": ordinal,
        "page": None,  # set by document.py for attachments
    }


def section_locator(records: list[dict]):
    """A function mapping a text offset to the section_id of the innermost section containing it
    (records as returned by ``parse_sections``: in text order, nested, the root first)."""
    starts = [record["start"] for record in records]
    by_id = {record["section_id"]: record for record in records}

    def innermost(offset: int) -> str:
        record = records[max(bisect.bisect_right(starts, offset) - 1, 0)]
        while record["parent_id"] is not None and not record["start"] <= offset < record["end"]:
            record = by_id[record["parent_id"]]
        return record["section_id"]

    return innermost
