"""A listing page's links, dates and further pages (pure: decoded markup in, records out).

* Links: every ``<a href>`` made absolute (``<base href>``, relative, protocol-relative), fragment and
  tracking parameters dropped; its text and ``title`` attribute; the date printed beside it (in the
  smallest enclosing ``li``/``tr``/``dd``/``p``/``div`` that holds no other link).
* Lists built by an inline script: ``document.write('<li><a ...>')`` strings and ``var x = [{...}]``
  arrays of objects with a url and a title are read like markup. A script that loads the list from
  elsewhere (ajax) cannot be read: the page says so in ``script_loaded``.
* Pagination: 下一页/尾页 and numbered page links, ``index_1.html``-style names, and the
  ``createPageHTML(n, current, "index", "html")`` call of TRS-built portals. Only pages on the
  listing's own host are followed.
* Sitemaps: ``<url><loc>`` entries are links (with ``<lastmod>`` as the date), ``<sitemap><loc>``
  entries further pages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

TRACKING_PARAMS = frozenset(
    {"spm", "from", "isappinstalled", "scene", "clicktime", "enterid", "fbclid", "gclid", "share_token", "wxshare"}
)
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_NEXT_TEXTS = frozenset(
    {"下一页", "下页", "后一页", "下一頁", "尾页", "末页", "最后一页", "尾頁", ">", ">>", "»", "next"}
)
_PAGE_NAME_RE = re.compile(r"(?:^|/)(index|list|default)(?:_\d+)?\.s?html?$", re.I)
_CREATE_PAGE_RE = re.compile(
    r"createPage(?:HTML|Html)\s*\(\s*([\w.]+)\s*,\s*([\w.]+)\s*,\s*['\"]([\w-]*)['\"]\s*,\s*['\"](\w+)['\"]"
)
_VAR_NUMBER_RE = r"(?:var|let|const)\s+{name}\s*=\s*['\"]?(\d+)"
_WRITE_RE = re.compile(r"document\.write(?:ln)?\s*\(\s*(['\"])((?:\\.|(?!\1).)*)\1", re.S)
_ARRAY_RE = re.compile(r"(?:var|let|const)\s+\w+\s*=\s*(\[\s*\{.*?\}\s*\])\s*;", re.S)
_LOADER_RE = re.compile(r"\$\.(?:ajax|get|post|getJSON)\s*\(|XMLHttpRequest|\bfetch\s*\(|\.load\s*\(\s*['\"]")
_URL_KEYS = ("url", "href", "link", "docpuburl", "linkurl", "path")
_TITLE_KEYS = ("title", "doctitle", "name", "text", "filename")
_DATE_KEYS = ("date", "pubdate", "publishdate", "time", "docreltime", "releasedate", "created")
_BLOCKS = frozenset({"li", "tr", "dd", "dt", "p", "div", "td", "span"})


@dataclass(frozen=True)
class Link:
    url: str
    text: str  # the anchor's text, whitespace collapsed
    title: str | None  # its title attribute
    date: str | None  # ISO date printed beside the link, if any

    @property
    def label(self) -> str:
        """The fuller of text and title (portals cut long titles in the text and keep them whole in
        the title attribute)."""
        text, title = self.text, (self.title or "").strip()
        if title and (len(title) > len(text) or text.endswith(("...", "…"))):
            return title
        return text


@dataclass
class Page:
    links: list[Link] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # further pages of the listing, in order
    script_loaded: bool = False  # a script fetches (part of) the list from elsewhere
    script_links: int = 0  # links read from inline scripts


def normalize_url(href: str, base: str) -> str | None:
    """``href`` made absolute against ``base``; fragment and tracking parameters dropped. None for
    anything that is not http(s) (javascript:, mailto:, a bare #)."""
    href = (href or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        parts = urlsplit(urljoin(base, href))
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def iso_date(text: str) -> str | None:
    match = _DATE_RE.search(text or "")
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _date_beside(anchor) -> str | None:
    """The date in the smallest enclosing block that holds no other link."""
    node, found = anchor.parent, None
    for _ in range(4):
        if node is None or node.tag in ("body", "html", "ul", "ol", "table", "tbody"):
            break
        if len(node.css("a[href]")) > 1:
            break
        if node.tag in _BLOCKS:
            found = iso_date(node.text(separator=" ")) or found
            if found:
                return found
        node = node.parent
    return found


def _links_from_tree(tree, base: str) -> list[Link]:
    links = []
    for anchor in tree.css("a[href]"):
        url = normalize_url(anchor.attributes.get("href") or "", base)
        if url is None:
            continue
        title = anchor.attributes.get("title")
        links.append(Link(url, _squash(anchor.text(separator=" ")), _squash(title) or None, _date_beside(anchor)))
    return links


def _unescape_js(text: str) -> str:
    try:
        return json.loads('"' + text.replace('"', '\\"').replace("\\'", "'") + '"')
    except ValueError:
        return text.replace("\\'", "'").replace('\\"', '"').replace("\\/", "/")


def _script_links(script: str, base: str) -> list[Link]:
    links: list[Link] = []
    written = "".join(_unescape_js(m.group(2)) for m in _WRITE_RE.finditer(script))
    if "<a" in written.lower():
        links += _links_from_tree(LexborHTMLParser(written), base)
    for match in _ARRAY_RE.finditer(script):
        try:
            items = json.loads(match.group(1))
        except ValueError:
            continue
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            lowered = {str(k).lower(): v for k, v in item.items()}
            href = next((lowered[k] for k in _URL_KEYS if isinstance(lowered.get(k), str)), None)
            text = next((lowered[k] for k in _TITLE_KEYS if isinstance(lowered.get(k), str)), None)
            url = normalize_url(href, base) if href else None
            if url and text:
                date = next((iso_date(str(lowered[k])) for k in _DATE_KEYS if lowered.get(k)), None)
                links.append(Link(url, _squash(text), None, date))
    return links


def _same_host(url: str, host: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == host


def _create_page_urls(script: str, url: str) -> list[str]:
    """Pages named by ``createPageHTML(count, current, "index", "html")``: index.html, index_1.html..."""
    pages = []
    for match in _CREATE_PAGE_RE.finditer(script):
        count = _number(match.group(1), script)
        if count is None:
            continue
        prefix, suffix = match.group(3) or "index", match.group(4)
        for n in range(min(count, 1000)):
            pages.append(urljoin(url, f"{prefix}.{suffix}" if n == 0 else f"{prefix}_{n}.{suffix}"))
    return pages


def _number(token: str, script: str) -> int | None:
    if token.isdigit():
        return int(token)
    match = re.search(_VAR_NUMBER_RE.format(name=re.escape(token.split(".")[-1])), script)
    return int(match.group(1)) if match else None


def _is_page_link(link: Link, url: str, host: str) -> bool:
    if not _same_host(link.url, host) or link.url == url:
        return False
    text = link.text.strip().lower()
    if text in _NEXT_TEXTS or (text.isdigit() and len(text) <= 4) or text.strip("[]").isdigit():
        return True
    here, there = urlsplit(url), urlsplit(link.url)
    same_dir = here.path.rsplit("/", 1)[0] == there.path.rsplit("/", 1)[0]
    return same_dir and bool(_PAGE_NAME_RE.search(there.path)) and text in ("", "首页", "上一页", "上页")


def read_listing_page(markup: str, url: str) -> Page:
    """Links and further pages of one HTML listing page (``url`` is where it was fetched from)."""
    tree = LexborHTMLParser(markup)
    base_node = tree.css_first("base[href]")
    base = normalize_url(base_node.attributes.get("href") or "", url) if base_node is not None else None
    base = base or url
    page = Page(links=_links_from_tree(tree, base))
    host = (urlsplit(url).hostname or "").lower()
    scripts = [node.text() or "" for node in tree.css("script")]
    for script in scripts:
        found = _script_links(script, base)
        page.script_links += len(found)
        page.links += found
        page.pages += [p for p in _create_page_urls(script, url) if _same_host(p, host)]
        page.script_loaded = page.script_loaded or bool(_LOADER_RE.search(script))
    page.pages += [link.url for link in page.links if _is_page_link(link, url, host)]
    page.pages = [p for p in dict.fromkeys(page.pages) if p != url]
    return page


_LOC_RE = re.compile(r"<(url|sitemap)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
_FIELD_RE = r"<{name}\b[^>]*>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</{name}\s*>"


def read_sitemap(markup: str, url: str) -> Page:
    """A sitemap's urls (links with ``lastmod`` as their date; no text) and, for a sitemap index,
    its child sitemaps as further pages."""
    page = Page()
    for kind, body in _LOC_RE.findall(markup):
        loc = re.search(_FIELD_RE.format(name="loc"), body, re.S | re.I)
        target = normalize_url(_unescape_xml(loc.group(1)), url) if loc else None
        if target is None:
            continue
        if kind.lower() == "sitemap":
            page.pages.append(target)
            continue
        lastmod = re.search(_FIELD_RE.format(name="lastmod"), body, re.S | re.I)
        title = re.search(r"<(?:news:)?title\b[^>]*>(.*?)</(?:news:)?title\s*>", body, re.S | re.I)
        page.links.append(
            Link(
                target,
                _squash(_unescape_xml(title.group(1))) if title else "",
                None,
                iso_date(lastmod.group(1)) if lastmod else None,
            )
        )
    return page


def _unescape_xml(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
        .strip()
    )
