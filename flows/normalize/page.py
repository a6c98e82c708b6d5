"""Page-level reading of one report page: chrome, header block, title, date, source, year, ``is_report``.

Input is the stored text (``textnorm.clean_text``) of an HTML-extracted page or of a captured text.
Every rule runs on ``textnorm.fold(text)`` (same length), so line offsets found there are valid in
the stored text.

How a page is read, top to bottom:

* Lines are classified as blank, breadcrumb, chrome (print/close/share/font-size bars, view
  counters, site-name bars, navigation rows, date widgets such as ``今天是:…星期三``), meta
  (labelled values such as ``发布时间:`` ``来源:`` ``索引号:``, or a bare date-time printed under the
  title), or text.
* Everything above the last breadcrumb or site-name bar is site navigation. The body starts at the
  first text line that reads like prose or a numbered heading; the text lines between the
  navigation and the body are the header block (issuer + title lines, document number, the
  addressee such as ``区人大常委会:``).
* The body ends before the trailing chrome (``打印本页`` ``关闭窗口`` ``上一篇`` copyright footers …) after
  which no prose follows. The body is kept as published, with one repair: ``?`` runs at line starts
  (full-width indentation mis-decoded upstream) become the same number of U+3000 spaces, which keeps
  every offset and restores the published indentation; the first line starts after them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.core.textnorm import fold, nfkc_compact
from flows.normalize.chrome import (
    _CRUMB_GOES_ON_RE,
    _SENTENCE_PUNCT_RE,
    _WEEKDAY_RE,
    _WIDGET_RE,
    BLANK,
    BREADCRUMB,
    CHROME,
    META,
    TEXT,
    _is_chrome,
    _is_footer,
    _strip_line,
    parse_breadcrumb,
)
from flows.normalize.dates import url_date
from flows.normalize.page_fields import (
    DATE_LABEL_RANK,
    OTHER_LABELS,
    SOURCE_LABELS,
    MetaField,
    _pick_date,
    _pick_source,
    parse_meta_line,
)
from flows.normalize.report_kind import _report_year, judge_report
from flows.normalize.title import (
    _ABOUT_SENTENCE_RE,
    _HEADING_RE,
    _is_addressee,
    _pick_title,
    _title_end,
    _title_start,
    clean_site_title,
)


def classify(line: str) -> str:
    folded = _strip_line(fold(line))
    if not folded:
        return BLANK
    if parse_breadcrumb(line) is not None:
        return BREADCRUMB
    if _WIDGET_RE.search(folded) and _is_chrome(folded):
        return CHROME
    if parse_meta_line(line) is not None:
        return META
    if _is_chrome(folded):
        return CHROME
    return TEXT


def _is_body_start(folded: str) -> bool:
    if _HEADING_RE.match(folded):
        return True
    if _is_addressee(folded):
        return False
    if _SENTENCE_PUNCT_RE.search(folded):
        return True
    if "," in folded and len(folded) >= 30:
        return True
    if folded.endswith(":") and len(folded) >= 8:
        return True
    return len(folded) >= 80


def _strip_garble(folded: str) -> str:
    return folded.lstrip(" \t?")


@dataclass
class PageInfo:
    text: str
    title: str | None
    publish_date: str | None
    source_org: str | None
    breadcrumb: list[str]
    report_year: int | None
    is_report: bool
    header_lines: list[str]
    warnings: list[str]
    body_start: int = 0  # offset of ``text`` in the input: body offsets + body_start = input offsets
    meta: dict[str, str] = field(default_factory=dict)  # other labelled page fields (索引号, 发布机构 …)
    not_report_reason: str | None = None  # why the page is not an annual report (None for a report)


@dataclass
class _Line:
    start: int
    end: int
    raw: str
    folded: str
    kind: str


def _lines(text: str) -> list[_Line]:
    folded_text = fold(text)
    lines, pos = [], 0
    header = True  # titles are printed above the first prose paragraph: only header lines are split
    for raw in text.split("\n"):
        end = pos + len(raw)
        for start, stop in _flattened_parts(folded_text, pos, end, len(text)):
            parts = _glued_title_parts(text, folded_text, start, stop) if header else [(start, stop, None)]
            for first, last, kind in parts:
                piece = text[first:last]
                lines.append(_Line(first, last, piece, _strip_line(folded_text[first:last]), kind or classify(piece)))
                if header and lines[-1].kind == TEXT and _is_body_start(_strip_garble(lines[-1].folded)):
                    header = False
        pos = end + 1
    return lines


_GLUED_MAX = 300


def _glued_title_parts(text: str, folded_text: str, start: int, stop: int) -> list[tuple[int, int, str | None]]:
    """A header line that holds a title with page chrome before or after it on the same line (a
    breadcrumb, a date widget, a column name, labels, a footer, a banner) is read as the lines it was:
    (start, end, kind or None to classify). Text glued to a title that is not page structure is chrome."""
    folded = folded_text[start:stop]
    if stop - start > _GLUED_MAX or _SENTENCE_PUNCT_RE.search(folded) or "," in folded:
        return [(start, stop, None)]  # prose, not a header line
    piece = text[start:stop]
    title_end = _title_end(piece, folded)
    if title_end is None:
        return [(start, stop, None)]
    title_start = _title_start(piece, folded, title_end)
    lead = len(piece) - len(piece.lstrip())
    parts: list[tuple[int, int, str | None]] = []
    if title_start > lead:
        kind = classify(piece[:title_start])
        parts.append((start, start + title_start, CHROME if kind == TEXT else kind))
    parts.append((start + title_start, start + title_end, TEXT))
    if piece[title_end:].strip():
        kind = classify(piece[title_end:])
        parts.append((start + title_end, stop, CHROME if kind == TEXT else kind))
    return parts if len(parts) > 1 else [(start, stop, None)]


# A line holding most of a page whose line breaks were lost (breadcrumb, title, page fields and body
# joined by spaces) is read as the lines it was: it is cut at the whitespace gaps before its first
# sentence, except inside brackets (【字体:大 中 小】) and around breadcrumb separators, and the rest is
# one line. Kept only when a cut-off piece is page structure (breadcrumb, page field, chrome).
_FLATTENED_MIN = 100
_GAP_RE = re.compile(r"\s+")
_CRUMB_SIDE = ">›»→/\\≫"


def _flattened_parts(folded_text: str, start: int, end: int, total: int) -> list[tuple[int, int]]:
    if end - start < _FLATTENED_MIN or end - start < total // 2:
        return [(start, end)]
    sentence = _SENTENCE_PUNCT_RE.search(folded_text, start, end)
    limit = sentence.start() if sentence else end
    cuts, depth, scanned = [], 0, start
    for gap in _GAP_RE.finditer(folded_text, start, limit):
        depth, scanned = _bracket_depth(folded_text, scanned, gap.start(), depth), gap.start()
        before, after = folded_text[gap.start() - 1 : gap.start()], folded_text[gap.end() : gap.end() + 1]
        if depth == 0 and gap.start() > start and before not in _CRUMB_SIDE and after not in _CRUMB_SIDE:
            cuts.append((gap.start(), gap.end()))
    if not cuts:
        return [(start, end)]
    parts, pos = [], start
    for gap_start, gap_end in cuts:
        parts.append((pos, gap_start))
        pos = gap_end
    parts.append((pos, end))
    if not any(classify(folded_text[a:b]) in (BREADCRUMB, META, CHROME) for a, b in parts[:-1]):
        return [(start, end)]
    return parts


def _bracket_depth(folded: str, start: int, stop: int, depth: int) -> int:
    for char in folded[start:stop]:
        if char in "【[":
            depth += 1
        elif char in "】]" and depth:
            depth -= 1
    return depth


def read_page(text: str, *, url: str | None = None, page_fields: dict | None = None) -> PageInfo:
    """Read a page's stored text (see module doc). ``page_fields`` are fields read from the HTML
    (``html_extract``): ``title``, ``publish_date`` (ISO), ``source``, ``breadcrumb``; printed
    values in the text win over them. ``url`` decides nothing here: a date in its path is reported in
    a ``publish_date_from_url`` warning when the page prints none (the publish date stays null; the
    address can carry a column's or a re-post's date)."""
    page_fields = page_fields or {}
    warnings: list[str] = []
    lines = _lines(text)

    # Site navigation ends at the last breadcrumb / site bar before the body.
    body_index = None
    nav_end = 0  # index of the first line after the navigation
    breadcrumb: list[str] = []
    for index, line in enumerate(lines):
        if line.kind == BREADCRUMB:
            items = parse_breadcrumb(line.raw) or []
            glued = lines[index + 1] if index + 1 < len(lines) else None
            if glued is not None and glued.start == line.end and glued.kind == TEXT:
                items.append(glued.raw.strip())  # the title printed as the last item (首页 > … > 关于…的报告)
            above = _line_above(lines, index)
            if _CRUMB_GOES_ON_RE.match(fold(line.raw.strip())) and above is not None:
                # a breadcrumb printed over two lines (当前位置: 首页 / > 政务公开 > …)
                home = [] if above.kind == BREADCRUMB else [above.raw.strip()] if _HOME_RE.match(above.folded) else []
                breadcrumb = (breadcrumb if above.kind == BREADCRUMB else home) + items
            elif items:
                breadcrumb = items
            nav_end = index + 1
        elif line.kind == TEXT and _is_body_start(_strip_garble(line.folded)):
            body_index = index
            break
    if body_index is None:
        warnings.append("no prose line found; body is every text line after the navigation")
        body_index = next((i for i in range(nav_end, len(lines)) if lines[i].kind == TEXT), len(lines))
    for index in range(nav_end, body_index):
        if lines[index].kind == TEXT:
            break
        if lines[index].kind == CHROME and "|" in lines[index].folded:
            nav_end = index + 1  # a site-name bar (中国政府网|重庆市人民政府网) heading the page is navigation

    head = lines[nav_end:body_index]
    body_end_index = _body_end(lines, body_index)
    tail = lines[body_end_index:]

    blocks: list[list[str]] = [[]]
    meta_head: list[MetaField] = []
    for line in head:
        if line.kind == TEXT:
            blocks[-1].append(line.raw.strip())
        elif line.kind != BLANK:
            if blocks[-1]:
                blocks.append([])
            if line.kind == META:
                fields = parse_meta_line(line.raw) or []
                if len(blocks) == 1 and not blocks[0] and _WEEKDAY_RE.search(line.folded):
                    # a bare date with its weekday above the title is a site date widget
                    fields = [f for f in fields if f.label]
                meta_head.extend(fields)
    header_lines, seen = [], set()
    for block in blocks:  # a header block printed twice (page title + document head) counts once
        key = nfkc_compact("".join(block))
        if block and key not in seen:
            seen.add(key)
            header_lines.extend(block)
    meta_tail = [f for line in tail if line.kind == META for f in (parse_meta_line(line.raw) or [])]

    title = _pick_title(blocks)
    if title is None:
        title = next((f.value for f in meta_head if f.label in ("标题", "名称") and f.value), None)
    if title is None and page_fields.get("title"):
        title = clean_site_title(page_fields["title"])
        if title:
            warnings.append("title taken from the page metadata, not from printed lines")

    if title is None and body_index < len(lines):
        about = _ABOUT_SENTENCE_RE.match(lines[body_index].folded)
        if about:  # 《…的报告》是…发布的通知。: a sentence about the title opens the page
            title = lines[body_index].raw.strip()[about.start("title") : about.end("title")]
    if title is None:
        warnings.append("title: no title line printed on the page (title left null)")
    publish_date = _pick_date(meta_head, meta_tail, page_fields.get("publish_date"), warnings)
    if publish_date is None:
        from_url = url_date(url)
        warnings.append(
            f"publish_date_from_url: {from_url} (the page prints no date; only its address holds one, publish date left null)"
            if from_url
            else "publish date: none printed on the page"
        )
    source_org = _pick_source(meta_head + meta_tail, page_fields.get("source"))
    if not breadcrumb and page_fields.get("breadcrumb"):
        breadcrumb = list(page_fields["breadcrumb"])

    body, body_start = _body_text(text, lines, body_index, body_end_index, warnings)
    report_year = _report_year(title, body, publish_date, warnings)
    # a label printed before the title on its line (【政策解读】, 议题解读:) tells what the page is too
    labels = [a.raw.strip() for a, b in zip(head, head[1:]) if a.kind != TEXT and b.start == a.end and b.kind == TEXT]
    is_report, why = judge_report(title, body, header_lines, text, labels)
    if not is_report:
        warnings.append(f"not an annual report: {why}")
    meta = {
        f.label: f.value
        for f in meta_head + meta_tail
        if f.label and f.value and f.label not in DATE_LABEL_RANK and f.label not in SOURCE_LABELS
    }
    return PageInfo(
        text=body,
        title=title,
        publish_date=publish_date,
        source_org=source_org,
        breadcrumb=breadcrumb,
        report_year=report_year,
        is_report=is_report,
        header_lines=header_lines,
        warnings=warnings,
        body_start=body_start,
        meta=meta,
        not_report_reason=None if is_report else why,
    )


_HOME_RE = re.compile(r"^(?:网站首页|首页|主页)$")


def _line_above(lines: list[_Line], index: int) -> _Line | None:
    """The nearest non-blank line above ``index``."""
    for above in range(index - 1, -1, -1):
        if lines[above].kind != BLANK:
            return lines[above]
    return None


def _body_end(lines: list[_Line], body_index: int) -> int:
    """Index of the first trailing line that is not body: the first chrome/footer line after which
    no prose follows (else the end of the page), extended upwards over blank and labelled
    page-information lines."""
    last_prose = body_index
    for index in range(len(lines) - 1, body_index - 1, -1):
        line = lines[index]
        if (
            line.kind == TEXT
            and not _is_footer(line.folded)
            and (_SENTENCE_PUNCT_RE.search(line.folded) or len(line.folded) >= 40 or index == body_index)
        ):
            last_prose = index
            break
    end = len(lines)
    for index in range(last_prose + 1, len(lines)):
        line = lines[index]
        if (
            line.kind in (CHROME, BREADCRUMB)
            or (line.kind == TEXT and _is_footer(line.folded))
            or (
                line.kind == META
                and any(f.label in SOURCE_LABELS or f.label in OTHER_LABELS for f in parse_meta_line(line.raw) or [])
            )
        ):
            end = index
            break
    # labelled page-information lines above the trailing chrome, or ending the page, go too (发布日期:… printed
    # at the foot is read as a page field); a bare date there is the report's signature date and stays
    while end - 1 > body_index and (
        lines[end - 1].kind == BLANK
        or (lines[end - 1].kind == META and any(f.label for f in parse_meta_line(lines[end - 1].raw) or []))
    ):
        end -= 1
    return end


def _body_text(text: str, lines: list[_Line], first: int, stop: int, warnings: list[str]) -> tuple[str, int]:
    if first >= stop:
        return "", len(text)
    start = lines[first].start
    end = lines[stop - 1].end
    body = text[start:end].rstrip()
    # Line-initial '?' runs are mis-decoded full-width indentation: restore U+3000 (same length).
    repaired = re.sub(
        r"(?m)^([ \t\u3000]*)([?？]{1,4})(?=[^?？\s])", lambda m: m.group(1) + "\u3000" * len(m.group(2)), body
    )
    if repaired != body:
        warnings.append("garbled indentation: '?' at line starts read as full-width spaces")
    lead = len(repaired) - len(repaired.lstrip(" \t\u3000"))
    return repaired[lead:], start + lead
