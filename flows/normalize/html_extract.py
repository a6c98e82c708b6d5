"""HTML page -> main text with paragraph breaks, plus the page fields the HTML states.

Text (selectolax): the page's largest content block, the most specific container holding most of
the page's non-link Han text (``_largest_block_text``), rendered one line per block element.
Headings stay on their own lines; table rows inside the chosen block become lines, cells separated
by a space; link text (navigation) does not count towards a block's size.

Fields (selectolax): ``title`` (the first of ``<meta name="ArticleTitle">``, the ``<title>`` segment and
``<h1>`` that reads as a document title, never a site name), ``publish_date`` (ISO; ``PubDate``-style metas, else a printed
``发布日期/发布时间/…`` line), ``source`` (``ContentSource``-style metas, else printed ``来源``),
``breadcrumb`` (printed ``您现在的位置/当前位置/首页 > …``), ``site_name`` and ``column``.

Hostile input is bounded before any parser sees it: the page is cut at ``MAX_HTML_CHARS`` and
elements nested deeper than ``MAX_DEPTH`` lose their tags (their text stays), since lexbor slows
down on very deep trees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.core.textnorm import fold
from flows.normalize.chrome import parse_breadcrumb
from flows.normalize.dates import parse_date
from flows.normalize.page_fields import DATE_LABEL_RANK, SOURCE_LABELS, parse_meta_line
from flows.normalize.title import clean_site_title

MAX_HTML_CHARS = 1_500_000
PRINTED_FIELD_LINES = 200
MAX_DEPTH = 160

_NOT_HAN_RUN_RE = re.compile(r"[^\u4e00-\u9fff\u3400-\u4dbf]+")


def _han_count(text: str) -> int:
    """Han characters in ``text`` (unified ideographs and extension A). Deleting the runs of other
    characters and measuring what is left costs a fraction of listing every Han match."""
    return len(_NOT_HAN_RUN_RE.sub("", text))


@dataclass
class Extracted:
    text: str
    fields: dict = field(default_factory=dict)
    method: str = "empty"  # "largest_block", or "empty" when the page has no text
    warnings: list[str] = field(default_factory=list)


def extract(html: str) -> Extracted:
    warnings: list[str] = []
    html = bound_html(html, warnings)
    tree = _parse(html)
    block_text = _largest_block_text(tree) if tree is not None else ""
    fields = _fields(tree) if tree is not None else {}
    if block_text:
        return Extracted(block_text, fields, "largest_block", warnings)
    warnings.append("no text found in the HTML")
    return Extracted("", fields, "empty", warnings)


# ---------------------------------------------------------------------------------------------
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "basefont",
    "frame",
    "isindex",
    "keygen",
}
# Elements closed implicitly by a sibling of the same kind (old pages rarely close them).
_SELF_CLOSING_SIBLINGS = {
    "p": {"p"},
    "li": {"li"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "tr": {"tr", "td", "th"},
    "option": {"option"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
}
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp"}
# Paragraph-level elements keep their tags when deep content is flattened: they cannot nest in
# parsed HTML (a new one closes the open one), and they carry the paragraph breaks.
_NEVER_FLATTENED = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd"}
_SCRIPT_STYLE_RE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_DATA_URI_RE = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]{256,}")
_TAG_RE = re.compile(r"<!--.*?(?:-->|$)|<(/?)([A-Za-z][A-Za-z0-9:-]*)([^>]*)>", re.S)


def bound_html(html: str, warnings: list[str]) -> str:
    """Cut oversize pages and flatten nesting beyond ``MAX_DEPTH`` (see module doc). Scripts,
    styles and inline ``data:`` payloads go first so that they cannot push the body past the cut."""
    html = _SCRIPT_STYLE_RE.sub("", html)
    html = _DATA_URI_RE.sub("data:,", html)
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        warnings.append(f"HTML cut at {MAX_HTML_CHARS} characters")
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, kept)
    pos, dropped, raw_until = 0, 0, None
    for match in _TAG_RE.finditer(html):
        closing, name = match.group(1), (match.group(2) or "").lower()
        if raw_until is not None:
            if not (closing and name == raw_until):
                continue
            raw_until = None
        if not name:  # a comment
            continue
        if name in _VOID or match.group(3).rstrip().endswith("/"):
            continue
        if not closing:
            closes = _SELF_CLOSING_SIBLINGS.get(name)
            if closes and stack and stack[-1][0] in closes:
                stack.pop()
            keep = len(stack) < MAX_DEPTH or name in _NEVER_FLATTENED
            stack.append((name, keep))
            if name in _RAW_TEXT:
                raw_until = name
            if not keep:
                out.append(html[pos : match.start()])
                pos = match.end()
                dropped += 1
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == name:
                kept = stack[depth][1]
                del stack[depth:]
                if not kept:
                    out.append(html[pos : match.start()])
                    pos = match.end()
                break
    if not dropped:
        return html
    out.append(html[pos:])
    warnings.append(f"HTML nested deeper than {MAX_DEPTH}: {dropped} inner tags flattened")
    return "".join(out)


def _parse(html: str):
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    return tree if tree.body is not None else None


# ---------------------------------------------------------------------------------------------
# Rendering a subtree as lines.
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "table",
    "tbody",
    "thead",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "ul",
    "ol",
    "center",
    "hr",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "form",
    "dl",
    "figure",
    "figcaption",
    "address",
    "caption",
}
_CELL_TAGS = {"td", "th"}
_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "select",
    "option",
    "button",
    "textarea",
    "object",
    "embed",
    "svg",
    "canvas",
    "head",
    "title",
    "meta",
    "link",
}
_SPACE_RE = re.compile(r"[ \t\n\r\f\v]+")


def render_lines(node) -> list[str]:
    """Visible text of ``node``, one line per block element (``<br>`` breaks too)."""
    parts: list[str] = []

    def walk(current) -> None:
        child = current.child
        while child is not None:
            tag = child.tag
            if tag == "-text":
                parts.append(_SPACE_RE.sub(" ", child.text_content or ""))
            elif tag in _SKIP_TAGS or tag.startswith("-"):
                pass
            elif tag in _BLOCK_TAGS:
                parts.append("\n")
                walk(child)
                parts.append("\n")
            elif tag in _CELL_TAGS:
                parts.append(" ")
                walk(child)
                parts.append(" ")
            else:
                walk(child)
            child = child.next

    walk(node)
    lines = ("".join(parts)).split("\n")
    return [line.strip(" \t\u00a0\u3000") for line in lines if line.strip(" \t\u00a0\u3000")]


_CONTAINER_TAGS = {
    "div",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "tr",
    "section",
    "article",
    "main",
    "center",
    "font",
    "span",
    "form",
    "blockquote",
    "dl",
    "ul",
    "ol",
}
DESCEND_SHARE = 0.7


def _largest_block_text(tree) -> str:
    """Text of the most specific element holding most of the page's non-link text: descend from
    <body> into the container child with the largest non-link Han count while it keeps
    ``DESCEND_SHARE`` of it. Paragraph elements are never chosen: a short report can hold most of
    its text in one paragraph."""
    scores: dict[int, int] = {}

    def score(node) -> int:
        total = 0
        child = node.child
        while child is not None:
            tag = child.tag
            if tag == "-text":
                total += _han_count(child.text_content or "")
            elif tag == "a" or tag in _SKIP_TAGS or tag.startswith("-"):
                pass  # link text is navigation, not content
            else:
                total += score(child)
            child = child.next
        scores[node.mem_id] = total
        return total

    body = tree.body
    current_total = score(body)
    current = body
    while True:
        best, best_total = None, 0
        child = current.child
        while child is not None:
            if child.tag in _CONTAINER_TAGS:
                child_total = scores.get(child.mem_id, 0)
                if child_total > best_total:
                    best, best_total = child, child_total
            child = child.next
        if best is None or best_total < DESCEND_SHARE * current_total:
            break
        current, current_total = best, best_total
    return "\n".join(render_lines(current))


# ---------------------------------------------------------------------------------------------
_META_NAMES = {
    "title": ("articletitle", "og:title", "title"),
    "publish_date": (
        "pubdate",
        "publishdate",
        "publish_date",
        "firstpublishedtime",
        "article:published_time",
        "publishtime",
        "og:release_date",
        "created",
    ),
    "source": ("contentsource", "source", "og:source"),
    "site_name": ("sitename", "og:site_name"),
    "column": ("columnname", "column"),
}


_DATE_WIDGET_RE = re.compile("今天是|星期")  # a "today is …" clock, not the page's date


def _fields(tree) -> dict:
    metas: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        name = (attrs.get("name") or attrs.get("property") or attrs.get("itemprop") or "").strip().lower()
        content = (attrs.get("content") or "").strip()
        if name and content and name not in metas:
            metas[name] = content

    def meta(key: str) -> str | None:
        return next((metas[n] for n in _META_NAMES[key] if metas.get(n)), None)

    fields: dict = {
        "title": None,
        "publish_date": None,
        "source": None,
        "breadcrumb": [],
        "site_name": meta("site_name"),
        "column": meta("column"),
    }
    # a meta title, the <title> or the first <h1> that reads as a document title: portals put their
    # own name in all three, and a site name is never the report's title
    title = clean_site_title(meta("title") or "")
    node = tree.css_first("title")
    fields["page_title"] = node.text(strip=True) or None if node is not None else None  # as the page names itself
    if not title and fields["page_title"]:
        title = clean_site_title(fields["page_title"])
    if not title:
        node = tree.css_first("h1")
        title = clean_site_title(node.text(separator="", strip=True)) if node is not None else None
    fields["title"] = title or None

    lines = render_lines(tree.body)
    if len(lines) > 2 * PRINTED_FIELD_LINES:  # page fields are printed around the title or at the foot
        lines = lines[:PRINTED_FIELD_LINES] + lines[-PRINTED_FIELD_LINES:]
    printed_date, printed_source = None, None
    for line in lines:
        if fields["breadcrumb"] == [] and (crumb := parse_breadcrumb(line)):
            fields["breadcrumb"] = crumb
            continue
        parsed = parse_meta_line(line) if not _DATE_WIDGET_RE.search(fold(line)) else None
        for item in parsed or []:
            if printed_date is None and (item.label in DATE_LABEL_RANK or item.label == ""):
                read = parse_date(item.value)
                if read and read.valid:
                    printed_date = read.iso
            if printed_source is None and item.label in SOURCE_LABELS and item.value:
                printed_source = item.value
    meta_date = meta("publish_date")
    read = parse_date(meta_date) if meta_date else None
    fields["publish_date"] = read.iso if read and read.valid else printed_date
    fields["source"] = meta("source") or printed_source
    return fields
