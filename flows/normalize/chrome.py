"""Site chrome on a captured page: line classes, breadcrumbs, print/share/counter bars, date widgets, footers."""

from __future__ import annotations

import re

from flows.core.textnorm import fold
from flows.normalize.dates import _TIME_RE, _YMD_RE

HAN = r"\u4e00-\u9fff\u3400-\u4dbf"

# Line classes.
BLANK, BREADCRUMB, CHROME, META, TEXT = "blank", "breadcrumb", "chrome", "meta", "text"

_BULLETS = "•·▪■□◆◇●○►▶※*-—>"
_LOCATION_RE = re.compile(
    r"^(?:您现在的位置|您当前的位置|您当前位置|您的位置|当前位置|所在位置|当前所在位置|现在位置|位置)\s*[:]?\s*"
)
_CRUMB_SEP_RE = re.compile(r"\s*(?:-+>|—+>|=>|>>|>|›|»|→|/|\\|≫)\s*")
_HOME_CRUMB_RE = re.compile(r"^(?:网站首页|首页|主页)\s*(?:-+>|—+>|=>|>>|>|›|»|→|/|≫)")
# A breadcrumb printed over two lines goes on with a separator (当前位置: 首页 / > 政务公开 > …).
_CRUMB_OPENERS = "->›»→—=≫－＞＝"
_CRUMB_GOES_ON_RE = re.compile(r"^(?:-+>|—+>|=>|>>|>|›|»|→|≫)\s*(?=\S)")
_CRUMB_TAIL = {"正文", "正文内容", "详细内容", "详情", "内容", "阅读"}

# Chrome: tokens that make up print/share/font/counter bars. A line is chrome when it holds at
# least one strong token and next to nothing else.
_STRONG_CHROME_RE = re.compile(
    r"打印本页|打印本文|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回列表|返回首页|返回|收藏本页|加入收藏|"
    r"设为首页|收藏|分享到|分享|字体|字号|浏览量|浏览次数|访问量|点击数|点击量|阅读次数|阅读量|扫一扫|"
    r"在手机打开当前页|手机打开|我要纠错|纠错|相关文章|相关链接|相关新闻|相关阅读|相关稿件|视力保护色|繁体|简体|无障碍|长者模式"
)
_WEAK_CHROME_RE = re.compile(r"[【】\[\]()|:,:\s\d大中小默认标准TtAa+\-次人微信博QQ空间新浪腾讯朋友圈]")
_WIDGET_RE = re.compile(r"今天是|今天:|现在是|当前时间|农历")
_WEEKDAY_RE = re.compile(r"星期[一二三四五六日天]|礼拜[一二三四五六日天]")
_FOOTER_RE = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|网站地图|联系我们|扫一扫)"
    r"|^(?:主办单位|主办|承办单位|承办|协办|技术支持|运维单位|责任编辑|编辑|审核|校对)\s*:"
    r"|ICP备|公网安备|网站标识码|版权所有|copyright|©",
    re.IGNORECASE,
)
_SITE_BAR_PART_RE = re.compile(r"(?:网|网站|门户|政府|平台|APP|客户端)$", re.IGNORECASE)
_SENTENCE_PUNCT_RE = re.compile(r"[。;!?]")


def _strip_line(folded_line: str) -> str:
    return folded_line.strip().lstrip(_BULLETS).strip()


def parse_breadcrumb(line: str) -> list[str] | None:
    """The items of a breadcrumb line (``您现在的位置:首页 > 要闻动态>通知公告``, ``首页/ 公开 / …``),
    without the location label and a trailing ``正文``; None when the line is not a breadcrumb."""
    stripped = line.strip()
    # only a line opening with a separator is folded whole (the opener can be ----> and spaces)
    goes_on = _CRUMB_GOES_ON_RE.match(fold(stripped)) if stripped[:1] in _CRUMB_OPENERS else None
    original = stripped[goes_on.end() :] if goes_on else stripped.lstrip(_BULLETS).strip()
    folded = fold(original)  # same length: offsets found here are valid in ``original``
    label = _LOCATION_RE.match(folded)
    if label:
        rest_start = label.end()
        if not folded[rest_start:].strip():
            return []  # the label alone: the items follow on the next line
    elif _HOME_CRUMB_RE.match(folded):
        rest_start = 0
    elif goes_on and (_CRUMB_SEP_RE.search(folded) or len(folded) <= 12):
        rest_start = 0
    else:
        return None
    items, pos = [], rest_start
    for sep in _CRUMB_SEP_RE.finditer(folded, rest_start):
        items.append(original[pos : sep.start()].strip())
        pos = sep.end()
    items.append(original[pos:].strip())
    items = [item for item in items if item]
    while items and items[-1] in _CRUMB_TAIL:
        items.pop()
    if not items or len(items) > 12:
        return None
    return items


_SEPARATOR_CHARS = " \t\u3000|/\\_-—=·•*#~,.:、"
_LUNAR_RE = re.compile(r"农历\s*[正一二三四五六七八九十冬腊]{1,2}月\s*[初十廿卅一二三四五六七八九十]{1,3}")


def _is_chrome(folded: str) -> bool:
    if not folded:
        return False
    if _WIDGET_RE.search(folded):
        residual = _WEEKDAY_RE.sub("", _WIDGET_RE.sub("", _LUNAR_RE.sub("", folded)))
        residual = _TIME_RE.sub("", _YMD_RE.sub("", residual))
        if len(re.sub(r"[\s:,]", "", residual)) <= 3:
            return True
    if _STRONG_CHROME_RE.search(folded):
        residual = _WEAK_CHROME_RE.sub("", _STRONG_CHROME_RE.sub("", folded))
        if len(residual) <= 2:
            return True
    if len(folded) <= 40 and not folded.strip(_SEPARATOR_CHARS):
        return True  # separators only (| | | |): the remains of a table row or a bar
    parts = [p.strip() for p in folded.split("|")]
    if len(parts) >= 2 and all(parts) and all(len(p) <= 20 and not _SENTENCE_PUNCT_RE.search(p) for p in parts):
        if sum(1 for p in parts if _SITE_BAR_PART_RE.search(p)) >= 1 or all(len(p) <= 6 for p in parts):
            return True
    tokens = folded.split()
    if len(tokens) >= 4 and all(len(t) <= 6 and re.fullmatch(rf"[{HAN}]+", t) for t in tokens):
        return True  # a navigation row: 首页 政务公开 政务服务 互动交流
    return False


def _is_footer(folded: str) -> bool:
    return bool(_FOOTER_RE.search(folded))
