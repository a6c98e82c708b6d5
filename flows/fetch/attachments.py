"""Which attachment of a report page to fetch: the report itself, published as a PDF or Word file
linked from a short page (附件：XX区2023年法治政府建设年度报告.pdf).

Pure: the page's markup and url in, links out. A page qualifies when its visible text holds little
prose (``SHORT_PAGE_PROSE_CHARS`` Han characters in sentences) and it links a file by extension
(.pdf .docx .doc .wps .ofd, in the address, its query or the link text). Of those links, the ones whose link
text or file name looks like the report (``looks_like_report_attachment``) come first; a page with a
single attachment link gets that one. Only files on the page's own registrable domain or on a
government host (``*.gov.cn``) are fetched.

``looks_like_report_attachment`` applies the discovery classifier's rules
(``flows.fetch.discover.classify``) to the link text and the file name.
"""

from __future__ import annotations

import html as html_lib
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from flows.fetch.content import visible_text
from flows.fetch.discover.classify import classify_link

ATTACHMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".wps", ".ofd")
SHORT_PAGE_PROSE_CHARS = 400
GOVERNMENT_HOST_SUFFIXES = (".gov.cn",)
_SECOND_LEVEL_CN = {"gov", "com", "net", "org", "edu", "ac"}

_ANCHOR_RE = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]*>")
_PROSE_RE = re.compile(r"[^。！？；;!?\n]{8,}[。！？；;!?]")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_EXTENSION_RE = re.compile(r"\.(pdf|docx|doc|wps|ofd)(?:$|[?#\s)）])", re.IGNORECASE)


@dataclass(frozen=True)
class AttachmentLink:
    url: str
    text: str  # the link text as shown, or the file name
    looks_like_report: bool


def looks_like_report_attachment(name: str) -> bool:
    """Whether a link text or file name reads like the annual report itself
    (XX区2023年法治政府建设年度报告.pdf), not a plan, an explainer or a form: the discovery
    classifier's rules, where a missing year or issuer (review) still counts on a report's own page."""
    return classify_link(name).decision != "reject"


def prose_chars(markup: str) -> int:
    """Han characters in sentences (runs ending in 。！？；) of the page's visible text."""
    return sum(len(_HAN_RE.findall(match.group(0))) for match in _PROSE_RE.finditer(visible_text(markup)))


def registrable_domain(host: str) -> str:
    """``www.xx.gov.cn`` -> ``xx.gov.cn``, ``a.b.example.com`` -> ``example.com``; an IP address is
    its own domain."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and labels[-1] == "cn" and labels[-2] in _SECOND_LEVEL_CN:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def host_allowed(page_url: str, link_url: str) -> bool:
    """Same registrable domain as the page, or a government host."""
    page_host = (urlsplit(page_url).hostname or "").lower()
    link_host = (urlsplit(link_url).hostname or "").lower()
    if not link_host:
        return False
    if registrable_domain(page_host) == registrable_domain(link_host):
        return True
    return link_host.endswith(GOVERNMENT_HOST_SUFFIXES) or link_host == "gov.cn"


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def report_attachment(markup: str, page_url: str) -> AttachmentLink | None:
    """The attachment of a short report page to fetch as the report: the first link whose text or
    file name looks like the report, else the page's only attachment link; None for a page with
    its report in the page itself."""
    if prose_chars(markup) >= SHORT_PAGE_PROSE_CHARS:
        return None
    found: dict[str, AttachmentLink] = {}
    for match in _ANCHOR_RE.finditer(markup):
        href_match = _HREF_RE.search(match.group(1))
        if not href_match:
            continue
        href = html_lib.unescape(next(g for g in href_match.groups() if g is not None)).strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(page_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        text = " ".join(html_lib.unescape(_TAG_RE.sub(" ", match.group(2))).split())
        name = _file_name(url)
        query = unquote(urlsplit(url).query)
        if not (_EXTENSION_RE.search(name) or _EXTENSION_RE.search(text + " ") or _EXTENSION_RE.search(query)):
            continue
        if not host_allowed(page_url, url) or url in found:
            continue
        is_report = looks_like_report_attachment(text) or looks_like_report_attachment(name)
        found[url] = AttachmentLink(url, text or name, is_report)
    links = list(found.values())
    reports = [link for link in links if link.looks_like_report]
    if reports:
        return reports[0]
    return links[0] if len(links) == 1 else None
