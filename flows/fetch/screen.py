"""Pages that stand in for content: error pages served with HTTP 200 and login walls.

Fetch screens a 2xx response's bytes (``soft_error``) so that an error page becomes an ``error`` row
instead of a snapshot; normalize screens the extracted text of a page that is not a report
(``soft_error_reason``) so that one archived before the screen existed is quarantined with the reason.
Only a short page is judged: a report quoting "404" is still a report.
"""

from __future__ import annotations

import html as html_lib
import re
from itertools import islice

from flows.core.textnorm import fold

_LETTER_RE = re.compile("[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9]")

SOFT_ERROR_MAX_CHARS = 200
_SOFT_ERROR_RE = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|此|您要访问的|您访问的|相关)?(?:页面|网页|信息|内容)|(?:页面|网页|信息|文章|内容|稿件)(?:已被?|已经被?)?(?:删除|撤下|下线|过期)"
    r"|(?:页面|网页|信息|文章|内容)不存在|无法(?:找到|访问)(?:该|此)?(?:页面|网页)|访问(?:出错|错误|受限)|服务器(?:错误|繁忙)|系统繁忙"
    r"|\b(?:HTTP\s*)?[45]0\d\s*(?:错误|error|not\s+found|forbidden|bad\s+request|internal|bad\s+gateway|service|页面|$)"
    r"|(?:错误|error)\s*(?:代码|code)?\s*:?\s*[45]0\d\b|not\s+found|forbidden|access\s+denied"
    r"|internal\s+server\s+error|bad\s+gateway|service\s+unavailable",
    re.IGNORECASE,
)
_LOGIN_RE = re.compile(
    r"请(?:先)?登录|登录后(?:查看|浏览|访问|阅读)|用户登录|统一身份认证|账号登录|密码登录|log\s?in\b|sign\s?in\b",
    re.IGNORECASE,
)
_PASSWORD_INPUT_RE = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password", re.IGNORECASE)


def letters(text: str, enough: int | None = None) -> int:
    """How many Han, Latin and digit characters ``text`` holds, counting no further than ``enough``."""
    if enough is None:
        return len(_LETTER_RE.findall(text))
    return sum(1 for _ in islice(_LETTER_RE.finditer(text), enough))


def soft_error_reason(title: str | None, text: str, html: str | None = None) -> str | None:
    """Why a short page is an error page or a login wall rather than content, or None.

    ``title`` and ``text`` are the page's title and visible text; ``html`` (optional) its markup,
    where a password field marks a login form. Long pages are never judged: they are content."""
    visible = " ".join(part for part in (title or "", text) if part)
    if letters(visible, SOFT_ERROR_MAX_CHARS + 1) > SOFT_ERROR_MAX_CHARS:
        return None
    folded = fold(" ".join(visible.split()))
    match = _SOFT_ERROR_RE.search(folded)
    if match:
        return f"error page served as content: {_quote(folded, match)}"
    match = _LOGIN_RE.search(folded)
    if match or (html is not None and _PASSWORD_INPUT_RE.search(html)):
        found = _quote(folded, match) if match else "a password field"
        return f"login wall: the page asks to log in ({found})"
    return None


def _quote(text: str, match: re.Match) -> str:
    """The start of the page's text, or the words around the match when it is further on."""
    start = 0 if match.end() <= 40 else match.start() - 10
    snippet = text[start : start + 40]
    return repr(snippet + ("..." if start + 40 < len(text) else ""))


_SOFT_ERROR_SCAN_BYTES = 256 * 1024
_INVISIBLE_RE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_TITLE_RE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_ANY_TAG_RE = re.compile(r"<[^>]*>")


def soft_error(data: bytes, encoding: str) -> str | None:
    """Why a 2xx page is an error page or a login wall (``soft_error_reason``), judged on
    its title and visible text with the markup stripped; None for content. Large pages are content."""
    if len(data) > _SOFT_ERROR_SCAN_BYTES:
        return None
    markup = data.decode(encoding, errors="replace")
    title_match = _TITLE_RE.search(markup)
    title = html_lib.unescape(_ANY_TAG_RE.sub(" ", title_match.group(1))) if title_match else None
    body = _TITLE_RE.sub(" ", _INVISIBLE_RE.sub(" ", markup))
    text = html_lib.unescape(_ANY_TAG_RE.sub(" ", body))
    return soft_error_reason(title, text, markup)
