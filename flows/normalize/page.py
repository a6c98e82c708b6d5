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

import datetime as _dt
import re
from dataclasses import dataclass, field

from flows.core.textnorm import fold, nfkc_compact

HAN = r"\u4e00-\u9fff\u3400-\u4dbf"

# ---------------------------------------------------------------------------------------------
# Labelled page fields. Longer labels first so that 信息来源 wins over 来源 and 发布时间 over 时间.
DATE_LABEL_RANK = {
    "发布日期": 0,
    "发布时间": 0,
    "发表日期": 0,
    "发表时间": 0,
    "发稿时间": 0,
    "公开日期": 0,
    "时间": 1,
    "日期": 1,
    "生成日期": 2,
    "成文日期": 2,
    "发文日期": 2,
    "印发日期": 2,
    "更新时间": 3,
    "更新日期": 3,
    "上传时间": 3,
    "录入时间": 3,
}
SOURCE_LABELS = ("信息来源", "文章来源", "稿件来源", "新闻来源", "来源")
OTHER_LABELS = (
    "索引号",
    "发布机构",
    "发文机关",
    "主题分类",
    "体裁分类",
    "组配分类",
    "服务对象",
    "信息分类",
    "主题词",
    "文件编号",
    "发文字号",
    "文号",
    "有效性",
    "效力状态",
    "公开范围",
    "公开方式",
    "公开形式",
    "公开时限",
    "所属机构",
    "所属主题",
    "关键词",
    "作者",
    "编辑",
    "责任编辑",
    "审核",
    "校对",
    "撰稿",
    "摄影",
    "浏览量",
    "浏览次数",
    "访问量",
    "点击数",
    "点击量",
    "点击率",
    "阅读量",
    "阅读次数",
    "字号",
    "字体",
    "分享到",
    "标题",
    "名称",
)
_ALL_LABELS = sorted(set(DATE_LABEL_RANK) | set(SOURCE_LABELS) | set(OTHER_LABELS), key=len, reverse=True)
# A label must not be the tail of a longer word (资金来源: is prose, not a page field).
# Info-disclosure tables space their labels out (索 引 号: / 标　　题:), hence the optional spaces.
_LABEL_RE = re.compile(
    rf"(?<![{HAN}])(?P<label>{'|'.join(r'[ ]*'.join(map(re.escape, label)) for label in _ALL_LABELS)})\s*[:]"
)

# Dates as pages print them (on the folded view: full-width digits are ASCII there).
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_YMD_RE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?")
_DMY_RE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>(?:19|20)\d{2})(?!\d)")
_CN_YMD_RE = re.compile(
    r"(?P<y>[〇○零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日"
)
_TIME_RE = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?")
_DATE_AT_START_RE = re.compile(
    r"\s*(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*日?|\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}(?!\d))"
)


@dataclass
class DateRead:
    iso: str | None
    text: str
    valid: bool


def _cn_number(chars: str) -> int:
    if "十" in chars:
        tens, _, ones = chars.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in chars))


def parse_date(value: str) -> DateRead | None:
    """The first printed date in ``value`` (2023-03-07, 2023/3/7, 2023年03月07日, 二〇二三年三月七日,
    25.02.2016 day.month.year). ``valid`` is False for impossible dates such as 2023-02-30."""
    folded = fold(value)
    found = []
    for regex in (_YMD_RE, _DMY_RE, _CN_YMD_RE):
        match = regex.search(folded)
        if match:
            found.append((match.start(), regex, match))
    if not found:
        return None
    _, regex, match = min(found, key=lambda item: item[0])
    if regex is _CN_YMD_RE:
        year = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
        month, day = _cn_number(match["m"]), _cn_number(match["d"])
    else:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    try:
        iso = _dt.date(year, month, day).isoformat()
    except ValueError:
        return DateRead(None, value[match.start() : match.end()], False)
    return DateRead(iso, value[match.start() : match.end()], True)


# ---------------------------------------------------------------------------------------------
# Line classes.
BLANK, BREADCRUMB, CHROME, META, TEXT = "blank", "breadcrumb", "chrome", "meta", "text"

_BULLETS = "•·▪■□◆◇●○►▶※*-—>"
_LOCATION_RE = re.compile(
    r"^(?:您现在的位置|您当前的位置|您当前位置|您的位置|当前位置|所在位置|当前所在位置|现在位置|位置)\s*[:]?\s*"
)
_CRUMB_SEP_RE = re.compile(r"\s*(?:>>|>|›|»|→|/|\\|≫)\s*")
_HOME_CRUMB_RE = re.compile(r"^(?:网站首页|首页|主页)\s*(?:>>|>|›|»|→|/|≫)")
_CRUMB_TAIL = {"正文", "正文内容", "详细内容", "详情", "内容", "阅读"}

# Chrome: tokens that make up print/share/font/counter bars. A line is chrome when it holds at
# least one strong token and next to nothing else.
_STRONG_CHROME_RE = re.compile(
    r"打印本页|打印本文|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回列表|返回首页|返回|收藏本页|加入收藏|"
    r"设为首页|收藏|分享到|分享|字体|字号|浏览量|浏览次数|访问量|点击数|点击量|阅读次数|阅读量|扫一扫|"
    r"在手机打开当前页|手机打开|我要纠错|纠错|相关文章|相关链接|相关新闻|相关阅读|相关稿件|视力保护色|繁体|简体|无障碍|长者模式"
)
_WEAK_CHROME_RE = re.compile(r"[【】\[\]()|:,:\s\d大中小默认标准TtAa+\-次人微信博QQ空间新浪腾讯朋友圈]")
_WIDGET_RE = re.compile(r"今天是|现在是|当前时间")
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
    original = line.strip().lstrip(_BULLETS).strip()
    folded = fold(original)  # same length: offsets found here are valid in ``original``
    label = _LOCATION_RE.match(folded)
    if label:
        rest_start = label.end()
    elif _HOME_CRUMB_RE.match(folded):
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


def _is_chrome(folded: str) -> bool:
    if not folded:
        return False
    if _WIDGET_RE.search(folded):
        residual = _WEEKDAY_RE.sub("", _WIDGET_RE.sub("", folded))
        residual = _TIME_RE.sub("", _YMD_RE.sub("", residual))
        if len(re.sub(r"[\s:,]", "", residual)) <= 3:
            return True
    if _STRONG_CHROME_RE.search(folded):
        residual = _WEAK_CHROME_RE.sub("", _STRONG_CHROME_RE.sub("", folded))
        if len(residual) <= 2:
            return True
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


@dataclass
class MetaField:
    label: str
    value: str


def parse_meta_line(line: str) -> list[MetaField] | None:
    """Labelled fields on a page-information line (``发布时间:2023-01-18 13:21 信息来源:XX 点击数:``);
    a leading unlabelled date-time (``2023-03-27 17:05 来源: …``) is reported under the label ``""``.
    None when the line is not such a line."""
    stripped = line.strip().lstrip(_BULLETS).strip()
    folded = fold(stripped)
    if not folded:
        return None
    fields: list[MetaField] = []
    # pages box their fields in brackets: 【发布时间:…】【来源:…】, [ 2017-03-06 ] [ 来源:… ]
    opening = _OPEN_BRACKETS_RE.match(folded).end()
    lead = _DATE_AT_START_RE.match(folded, opening)
    if not lead and not _LABEL_RE.match(folded, opening):
        return None  # neither a date nor a label opens the line: prose, not scanned for labels
    labels = list(_LABEL_RE.finditer(folded))
    if lead:
        end = lead.end()
        time = _TIME_RE.match(folded, end)
        if time:
            end = time.end()
        labels = [m for m in labels if m.start() >= end]
        # a date line, not prose that opens with a date: only chrome or a short tag before the labels
        if _leftover(folded[end : labels[0].start()] if labels else folded[end:]):
            return None
        fields.append(MetaField("", stripped[:end].strip()))
    elif not labels or labels[0].start() != opening:
        return None
    for index, match in enumerate(labels):
        stop = labels[index + 1].start() if index + 1 < len(labels) else len(folded)
        fields.append(MetaField(match["label"].replace(" ", ""), _clean_value(stripped[match.end() : stop])))
    return fields


def _leftover(rest: str) -> bool:
    """True when ``rest`` holds more than chrome and a short tag (公文范文)."""
    residual = _STRONG_CHROME_RE.sub("", rest)
    residual = _WEAK_CHROME_RE.sub("", residual)
    return len(residual) > 8 or bool(_SENTENCE_PUNCT_RE.search(rest))


_OPEN_BRACKETS_RE = re.compile(r"[【\[\s]*")
_VALUE_STOP_RE = re.compile(r"【|】|\[|\]|\s{2,}|\||打印|关闭|字体|字号|分享")


def _clean_value(raw: str) -> str:
    stop = _VALUE_STOP_RE.search(fold(raw))
    value = raw[: stop.start()] if stop else raw
    return value.strip(" \t\u3000:,;").strip()


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


# ---------------------------------------------------------------------------------------------
# Shapes of text lines.
_CN_NUM = "一二三四五六七八九十"
_HEADING_RE = re.compile(
    rf"^(?:[{_CN_NUM}]+[、.]|[(][{_CN_NUM}]+[)]|第[{_CN_NUM}]+(?:部分|章|节)|\d{{1,2}}[、.](?!\d))"
)
_TITLE_END_RE = re.compile(
    r"(?:报告|情况|打算|总结|通知|方案|要点|计划|安排|意见|决定|办法|规定|纲要|规划|汇报|通报|讲话|公告|批复|说明|解读|综述|年报|材料)"
    r"(?:\s*[(][^()]{1,20}[)])?$"
)
_DOC_NUMBER_RE = re.compile(r"^[\w]{1,8}[〔\[(【]\s*(?:19|20)\d{2}\s*[〕\])】]\s*\d+\s*号$")
_ORG_SUFFIX_RE = re.compile(
    r"(?:政府|委员会|常委会|人大|政协|委|局|厅|办公室|办公厅|办|处|部门|单位|中心|机关|院|所|站|公司|街道|乡镇|镇|乡|区|县|市|省|管委会|办事处|党组|法院|检察院)$"
)


def _is_addressee(folded: str) -> bool:
    """主送机关: ``区人大常委会:`` / ``各乡镇人民政府,各街道办事处,县直有关单位:``."""
    if not folded.endswith(":") or len(folded) > 120 or _SENTENCE_PUNCT_RE.search(folded):
        return False
    parts = re.split(r"[,、]", folded[:-1])
    return bool(parts) and all(_ORG_SUFFIX_RE.search(p.strip()) for p in parts if p.strip())


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


# ---------------------------------------------------------------------------------------------
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
    for raw in text.split("\n"):
        end = pos + len(raw)
        for start, stop in _flattened_parts(folded_text, pos, end, len(text)):
            piece = text[start:stop]
            lines.append(_Line(start, stop, piece, _strip_line(folded_text[start:stop]), classify(piece)))
        pos = end + 1
    return lines


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
    values in the text win over them. ``url`` is accepted for callers' symmetry and not used for
    any decision (page addresses say nothing reliable about the report)."""
    del url
    page_fields = page_fields or {}
    warnings: list[str] = []
    lines = _lines(text)

    # Site navigation ends at the last breadcrumb / site bar before the body.
    body_index = None
    nav_end = 0  # index of the first line after the navigation
    breadcrumb: list[str] = []
    for index, line in enumerate(lines):
        if line.kind == BREADCRUMB:
            breadcrumb = parse_breadcrumb(line.raw) or breadcrumb
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

    publish_date = _pick_date(meta_head, meta_tail, page_fields.get("publish_date"), warnings)
    source_org = _pick_source(meta_head + meta_tail, page_fields.get("source"))
    if not breadcrumb and page_fields.get("breadcrumb"):
        breadcrumb = list(page_fields["breadcrumb"])

    body, body_start = _body_text(text, lines, body_index, body_end_index, warnings)
    report_year = _report_year(title, body, publish_date, warnings)
    is_report, why = judge_report(title, body, header_lines, text)
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
    )


def _body_end(lines: list[_Line], body_index: int) -> int:
    """Index of the first trailing line that is not body: the first chrome/footer line after which
    no prose follows, extended upwards over blank and page-information lines."""
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
    if end < len(lines):  # trailing page chrome found: labelled page-information lines above it go too;
        # a bare date there is the report's signature date and stays
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


# ---------------------------------------------------------------------------------------------
def _pick_title(blocks: list[list[str]]) -> str | None:
    """The printed title: per block of adjacent header text lines, the lines up to the last one that
    ends like a document title, joined (two-line issuer + title blocks); repeated blocks count once
    and a later block that adds the issuer in front of the same title wins."""
    chosen: str | None = None
    for block in blocks:
        candidate = _block_title(block)
        if candidate is None:
            continue
        if chosen is None:
            chosen = candidate
            continue
        new, old = nfkc_compact(candidate), nfkc_compact(chosen)
        if new != old and new.endswith(old):
            chosen = candidate
    return chosen


def _block_title(block: list[str]) -> str | None:
    usable: list[str] = []
    joinable: list[bool] = []  # whether the line may continue the title printed on the line above
    cut = False
    for raw in block:
        folded = fold(raw).strip()
        if _is_addressee(folded) or _DOC_NUMBER_RE.match(folded) or parse_date(raw) and len(folded) <= 16:
            cut = True  # a document number or date line separates a red header from the title
            continue
        usable.append(_unwrap_title(raw.strip()))
        joinable.append(not cut)
        cut = False
    last = None
    for index, raw in enumerate(usable):
        folded = fold(raw).strip()
        if _TITLE_END_RE.search(folded) or folded.startswith("关于"):
            last = index
    if last is None:
        return None
    first = last
    while first > 0 and joinable[first] and _title_part(fold(usable[first - 1]).strip()):
        first -= 1
    parts = [re.sub(r"\s+", " ", usable[i].strip()) for i in range(first, last + 1)]
    return "".join(parts)


def _title_part(folded: str) -> bool:
    """A printed line that can open a multi-line title: an issuer line (``中共海南省委 海南省人民政府``)
    or a title fragment, not a sentence, not a site name (``XX市人民政府网``) and not a red document
    header (``XX县人民政府文件``)."""
    return (
        len(folded) <= 60
        and not _SENTENCE_PUNCT_RE.search(folded)
        and "," not in folded
        and not re.search(r"(?:网|网站|门户|平台|文件)$", folded)
    )


def _unwrap_title(line: str) -> str:
    """A title printed inside book-title marks (《…的报告》) is the title without them."""
    if line.startswith("《") and line.endswith("》") and line.count("《") == 1 and line.count("》") == 1:
        return line[1:-1].strip()
    return line


_SITE_TITLE_SEP_RE = re.compile(r"\s*(?:_|\||--| - | — |——)\s*")


def clean_site_title(title: str) -> str | None:
    """``关于2022年…的报告_通知公告_朝阳市人民政府`` -> the segment that is the document title."""
    parts = [p for p in _SITE_TITLE_SEP_RE.split(title.strip()) if p]
    if not parts:
        return None
    titled = [p for p in parts if _TITLE_END_RE.search(fold(p)) or "关于" in p]
    return max(titled or parts, key=len)


def _pick_date(head: list[MetaField], tail: list[MetaField], field_date: str | None, warnings: list[str]) -> str | None:
    candidates = []
    for order, item in enumerate(head + tail):
        if item.label == "":
            rank = 1
        elif item.label in DATE_LABEL_RANK:
            rank = DATE_LABEL_RANK[item.label]
        else:
            continue
        read = parse_date(item.value)
        if read is None:
            continue
        candidates.append((rank, order, read))
    for _, _, read in sorted(candidates, key=lambda c: (c[0], c[1])):
        if read.valid:
            return read.iso
        warnings.append(f"impossible publish date {read.text!r} ignored")
    if field_date:
        read = parse_date(field_date)
        if read and read.valid:
            return read.iso
        warnings.append(f"impossible publish date {field_date!r} in page metadata ignored")
    return None


def _pick_source(fields: list[MetaField], field_source: str | None) -> str | None:
    for label in SOURCE_LABELS:
        for item in fields:
            if item.label == label:
                return item.value or None
    return (field_source or "").strip() or None


# ---------------------------------------------------------------------------------------------
# Report year.
_YEAR_RE = re.compile(r"(?<![\d\-—–~至到])((?:19|20)\d{2})\s*年(?!\))")
_OPENING_YEAR_RE = re.compile(r"^[\s\u3000?]*((?:19|20)\d{2})\s*年(?:度)?(?:以来|上半年)?\s*[,、是,]")
_REPORT_AS_FOLLOWS_RE = re.compile(r"现(?:将|就)[^。]{0,40}?((?:19|20)\d{2})\s*年[^。]{0,60}?(?:报告|汇报)如下")
_HEADING_YEAR_RE = re.compile(r"(?m)^[\s\u3000]*[一二三四五六七八九十]+[、.][^\n]{0,6}?((?:19|20)\d{2})\s*年")
_FIRST_SENTENCE_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?(?:以来)?,")

# Dated national events (political calendar) as a last resort: a report that mentions one was
# written in or after that year. Used only when neither title, body opening nor publish date tells.
_EVENT_YEARS = (
    (re.compile(r"十八届四中全会"), 2014),
    (re.compile(r"十八届五中全会"), 2015),
    (re.compile(r"十八届六中全会"), 2016),
    (re.compile(r"十九大"), 2017),
    (re.compile(r"十九届[二三]中全会"), 2018),
    (re.compile(r"十九届四中全会"), 2019),
    (re.compile(r"不忘初心、牢记使命.?主题教育"), 2019),
    (re.compile(r"民法典|习近平法治思想|十九届五中全会"), 2020),
    (re.compile(r"十九届六中全会|党史学习教育|八五.?普法"), 2021),
    (re.compile(r"二十大"), 2022),
    (re.compile(r"二十届二中全会|(?<!使命.)(?<!使命)主题教育|一规划两纲要.{0,20}中期评估"), 2023),
    (re.compile(r"二十届三中全会"), 2024),
    (re.compile(r"二十届四中全会"), 2025),
)


def _first_year(folded: str) -> int | None:
    match = _YEAR_RE.search(folded)
    return int(match.group(1)) if match else None


def _report_year(title: str | None, body: str, publish_date: str | None, warnings: list[str]) -> int | None:
    if title:
        year = _first_year(fold(title))
        if year:
            return year
    opening = fold(body[:600])
    for regex in (_OPENING_YEAR_RE, _REPORT_AS_FOLLOWS_RE, _HEADING_YEAR_RE):
        match = regex.search(opening)
        if match:
            return int(match.group(1))
    first_sentence = opening.split("。", 1)[0]
    match = _FIRST_SENTENCE_YEAR_RE.search(first_sentence)
    if match:
        return int(match.group(1))
    if publish_date:
        warnings.append("report_year taken as the publish year minus one")
        return int(publish_date[:4]) - 1
    folded = fold(body)
    years = [year for regex, year in _EVENT_YEARS if regex.search(folded)]
    if years:
        warnings.append("report_year inferred from the latest dated national event the body mentions")
        return max(years)
    warnings.append("report_year unknown")
    return None


# ---------------------------------------------------------------------------------------------
# Is this page an annual rule-of-law-government report by its issuer?
_SUBJECT_RE = re.compile(r"法治政府|依法行政|法治建设")
_TITLE_REPORT_RE = re.compile(r"报告|情况|总结|工作打算|年报")
_TITLE_NOT_REPORT_RE = re.compile(
    r"(?:通知|方案|要点|计划|安排|意见|决定|办法|规定|讲话|解读|答记者问|问答|一图读懂|图解|通报|发布会|批复|函)(?:\s*[(][^()]*[)])?$"
    r"|关于印发|召开|举行|审议|听取|部署|通过了|新闻|述职|述法|申报|评估报告|自查报告"
)
_NEGATIVE_CUES = (
    (re.compile(r"小编|供大家参考|供您参考|公文范文|(?<!示)范文|网友投稿|文秘|精选\d*篇"), "template essay site"),
    (re.compile(r"制定本方案|特制定本|制定如下方案|实施方案如下"), "implementation plan"),
    (
        re.compile(
            r"(?:工作要点|工作计划|工作安排)如下|现就[^。]{0,40}(?:安排|要点|通知)如下|现印发给你们|请认真贯彻执行|请结合实际"
        ),
        "work plan or notice",
    ),
    (re.compile(r"同志们|我讲几点|讲几点意见"), "speech"),
    (re.compile(r"^(?:本报讯|本网讯|[^。]{0,10}讯\s|[^。]{0,20}记者|近日,|日前,)"), "news item"),
)
_REPORT_BODY_RE = re.compile(r"(?:报告|汇报)如下|主要举措|主要工作|工作情况|取得.{0,6}成效|存在的(?:问题|不足)|下一步")


def judge_report(title: str | None, body: str, header_lines: list[str], text: str) -> tuple[bool, str]:
    """(is_report, reason). True only for an annual rule-of-law-government report by its issuer
    (including the older 依法行政工作情况 reports): the title, when printed, must be a report title on
    that subject; template-essay sites, plans, notices, speeches, explainers, news items and
    English catalogue pages are not reports."""
    whole = fold(text)
    han = len(re.findall(rf"[{HAN}]", whole[:3000]))
    latin = len(re.findall(r"[A-Za-z]", whole[:3000]))
    if latin > han:
        return False, "mostly English text (catalogue or translation page)"
    opening = fold("\n".join(header_lines) + "\n" + body[:1500])
    for regex, why in _NEGATIVE_CUES:
        if regex.search(opening if why != "news item" else fold(body[:60])):
            return False, why
    if title:
        folded_title = fold(title)
        if _TITLE_NOT_REPORT_RE.search(folded_title):
            return False, "title names another kind of document"
        if _SUBJECT_RE.search(folded_title) and _TITLE_REPORT_RE.search(folded_title):
            return True, "report title"
    mentions = len(_SUBJECT_RE.findall(fold(body[:2000])))
    if mentions >= 2 and _REPORT_BODY_RE.search(fold(body[:3000])):
        return True, "report body"
    if mentions >= 2 and (_OPENING_YEAR_RE.search(fold(body[:200])) or _HEADING_RE.match(fold(body[:20]))):
        return True, "report body"
    return False, "no report title and no report-like body"
