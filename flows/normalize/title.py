"""The printed title of a report page: header-line shapes (titles, document numbers, addressees) and the choice among them."""

from __future__ import annotations

import re

from flows.core.textnorm import fold, nfkc_compact
from flows.normalize.chrome import _SENTENCE_PUNCT_RE, _is_chrome, _is_footer, parse_breadcrumb
from flows.normalize.dates import _DATE_AT_START_RE, parse_date
from flows.normalize.organs import _parse_organs
from flows.normalize.page_fields import parse_meta_line
from flows.normalize.region_codes import _parse_chain

# Shapes of text lines.
_CN_NUM = "一二三四五六七八九十"
_HEADING_RE = re.compile(
    rf"^(?:[{_CN_NUM}]+[、.]|[(][{_CN_NUM}]+[)]|第[{_CN_NUM}]+(?:部分|章|节)|\d{{1,2}}[、.](?!\d))"
)
_TITLE_END_RE = re.compile(
    r"(?:报告|情况|打算|总结|通知|方案|要点|计划|安排|意见|决定|办法|规定|纲要|规划|汇报|通报|讲话|公告|批复|说明|解读|综述|年报|材料)"
    r"(?:\s*[(][^()]{1,20}[)])?$"
)
# A document number line, also with its signers (惠委〔2026〕17号 签发人:…).
_DOC_NUMBER_RE = re.compile(
    r"^[\w]{1,8}[〔\[(【]\s*(?:19|20)\d{2}\s*[〕\])】]\s*\d+\s*号(?:\s*(?:签发人|签发)\s*:.*)?$"
)
_ORG_SUFFIX_RE = re.compile(
    r"(?:政府|委员会|常委会|人大|政协|委|局|厅|办公室|办公厅|办|处|部门|单位|中心|机关|院|所|站|公司|街道|乡镇|镇|乡|区|县|市|省|管委会|办事处|党组|法院|检察院)$"
)


def _is_addressee(folded: str) -> bool:
    """主送机关: ``区人大常委会:`` / ``各乡镇人民政府,各街道办事处,县直有关单位:``."""
    if not folded.endswith(":") or len(folded) > 120 or _SENTENCE_PUNCT_RE.search(folded):
        return False
    parts = re.split(r"[,、]", folded[:-1])
    return bool(parts) and all(_ORG_SUFFIX_RE.search(p.strip()) for p in parts if p.strip())


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
        usable.append(_unwrap_title(trim_title(raw.strip())))
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
    while first > 0 and joinable[first] and _continues(usable[first - 1], usable[first]):
        first -= 1
    parts = [re.sub(r"\s+", " ", usable[i].strip()) for i in range(first, last + 1)]
    return _unprinted_twice("".join(parts))


def _continues(above: str, line: str) -> bool:
    """Whether the printed line ``above`` is the start of the title that goes on in ``line``: an issuer
    line above a title that does not name its issuer itself (中共海南省委 海南省人民政府 / 关于2022年…),
    or a title fragment above a line that cannot open a title (贵州省2023年度法治政府建设工作 / 情况报告).
    A column or site name above a title that opens by itself (法治政府建设 / 西安市2023年…报告) is not."""
    folded_above = fold(above).strip()
    if not _title_part(folded_above):
        return False
    if _is_organ_line(above):
        own = _parse_organs(line.strip())[0]
        # an issuer line goes on a title without issuer, or puts the Party committee before the government
        return not own or all(organ.kind == "party" for organ in _parse_organs(above.strip())[0])
    return not _opens_title(fold(line).strip())


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


def _is_organ_line(line: str) -> bool:
    """An issuer line: organs of the code tables (中共海南省委 海南省人民政府), or short names that each
    end like an organ (示范区人民政府, 区司法局) when the place is not a unit of the tables."""
    organs, _, end = _parse_organs(line.strip())
    if organs and not line.strip()[end:].strip():
        return True
    parts = fold(line).split()
    return 0 < len("".join(parts)) <= 40 and all(_ORG_END_RE.search(part) for part in parts)


_OPENER_RE = re.compile(r"关于|中共|中国共产党|《|(?:19|20)\d{2}\s*年(?!\s*\d{1,2}\s*月)")


def _opens_title(folded: str) -> bool:
    """A title can start here: 关于, a party prefix, a year (not a date), 《, an organ or a region name."""
    return bool(_OPENER_RE.match(folded)) or bool(_parse_chain(folded)[0])


# ---------------------------------------------------------------------------------------------
# Chrome glued to a title on its line: breadcrumbs, date widgets, column names, labels, bullets,
# footers, mirror-site banners before or after it; the title printed twice; a sentence about it.
_TITLE_WORD_RE = re.compile(
    r"(?:报告|情况|打算|总结|通知|方案|要点|计划|安排|意见|决定|办法|规定|纲要|规划|汇报|通报|讲话|公告|批复|说明|解读|综述|年报|材料)"
    r"(?:\s*[(][^()]{1,20}[)])?"
)
_TAIL_SEP_RE = re.compile(r"^\s*(?:[-—–_|·•»>]+|\s)\s*")
_SITE_WORDS_RE = re.compile(r"www\.|\.com|\.cn|\.net|网站|门户|网$|资源|更新|下载|首页|客户端", re.IGNORECASE)
_LEAD_SEPARATORS = " \t\u3000>›»→|:】]》—-_·•"
_ABOUT_SENTENCE_RE = re.compile(r"^《(?P<title>[^《》]{6,80})》(?:是|为|系|由)")
_ORG_END_RE = re.compile(r"(?:政府|委员会|委|局|厅|办公室|办|署|中心|街道|镇|乡)$")


def trim_title(line: str) -> str:
    """The title inside a header line that carries page chrome on the same line (see above); the line
    itself when nothing around a title-like span is chrome."""
    text = line.strip()
    folded = fold(text)
    about = _ABOUT_SENTENCE_RE.match(folded)
    if about:  # 《…报告》是…发布的通知: the sentence is about the title
        return text[about.start("title") : about.end("title")]
    end = _title_end(text, folded)
    if end is None:
        return text
    start = _title_start(text, folded, end)
    return _unprinted_twice(text[start:end].strip())


def _title_end(text: str, folded: str) -> int | None:
    """End of the last title ending (报告, 情况 …) after which only chrome follows."""
    for match in reversed(list(_TITLE_WORD_RE.finditer(folded))):
        tail = folded[match.end() :]
        if not tail.strip() or _is_chrome_tail(text[match.end() :], tail):
            return match.end()
    return None


def _is_chrome_tail(raw: str, folded: str) -> bool:
    rest = folded.strip()
    sep = _TAIL_SEP_RE.match(folded)
    if sep and sep.end() and _SITE_WORDS_RE.search(rest):
        return True  # …报告—全网资源每日更新 www….com / …报告_XX市人民政府门户网站
    return bool(
        parse_meta_line(raw)
        or _DATE_AT_START_RE.match(rest)
        or _is_footer(rest)
        or _is_chrome(rest)
        or parse_breadcrumb(rest) is not None
    )


def _title_start(text: str, folded: str, end: int) -> int:
    """Start of the title before ``end``: at 0 when the line opens with an organ, a region or another
    title opener; otherwise at the first opener after a separator (breadcrumb, widget, column name, label
    before it), or at 关于 (with the organ printed right before it) when a column name is glued to it."""
    if _starts_as_title(text, folded, 0):
        return 0
    for pos in range(1, end):
        if folded[pos - 1] in _LEAD_SEPARATORS and folded[pos] not in _LEAD_SEPARATORS:
            if _starts_as_title(text, folded, pos):
                if _YEAR_OPENER_RE.match(folded, pos) and not _is_page_structure(text[:pos]):
                    return 0  # 法治政府建设 2022年度报告: a year after words that are not chrome is the title's
                return pos
    about = folded.find("关于", 0, end)
    if about > 0:
        prefix = folded[:about]
        for back in range(max(0, about - 40), about):
            organs, _, stop = _parse_organs(text[back:about])
            if organs and stop >= about - back:
                return back
        if _ORG_END_RE.search(prefix):
            # 市政府关于…: the prefix's last segment is the issuer, written without a place name
            cut = max(prefix.rfind(c) for c in _LEAD_SEPARATORS)
            return cut + 1
        return about
    return 0


_YEAR_OPENER_RE = re.compile(r"(?:19|20)\d{2}\s*年")


def _is_page_structure(prefix: str) -> bool:
    """A breadcrumb, labels, a date widget or a bar: what may stand before a title on its line."""
    folded = fold(prefix).strip()
    return bool(
        parse_breadcrumb(prefix) is not None
        or parse_meta_line(prefix)
        or _is_chrome(folded)
        or is_site_name(folded)
        or _COLUMN_NAME_RE.fullmatch(folded)
    )


# A site's column: 区内新闻, 工作动态, 通知公告, 政策文件, 法治专栏.
_COLUMN_NAME_RE = re.compile(r"[\u4e00-\u9fff]{0,6}(?:动态|新闻|公告|公示|要闻|信息|公开|专栏|专题|文件|资讯)")


def _starts_as_title(text: str, folded: str, pos: int) -> bool:
    rest = folded[pos:]
    if _OPENER_RE.match(rest):
        return True
    organs, chain, stop = _parse_organs(text[pos:])
    if organs:
        after = rest[stop:].lstrip()
        return not re.match(r"(?:门户)?网站?|门户|文件", after)
    return bool(chain) and not re.match(r"[\u4e00-\u9fff]{0,4}(?:门户)?网站", rest[len("".join(chain)) :])


def _unprinted_twice(title: str) -> str:
    """A title printed twice in a row (…的报告关于…的报告) is the title once."""
    twice = re.fullmatch(r"(.{6,}?)\s*\1", title)
    return twice.group(1) if twice else title


def _unwrap_title(line: str) -> str:
    """A title printed inside book-title marks (《…的报告》) is the title without them."""
    if line.startswith("《") and line.endswith("》") and line.count("《") == 1 and line.count("》") == 1:
        return line[1:-1].strip()
    return line


_SITE_TITLE_SEP_RE = re.compile(r"\s*(?:_|\||--| - | – | — |——|-{1,2}(?=[^\d]))\s*")
# What a site's name looks like: a portal (XX市人民政府门户网站, XX政府网), a home page, a disclosure
# platform, a column. A site name is never a report title.
_SITE_NAME_RE = re.compile(
    r"(?:门户网站|门户网|网站|政府网|门户|平台|首页|主页|专栏|频道|栏目|政务网|在线|官网|官方网站)$"
    r"|^(?:首页|主页|政府信息公开|信息公开|政务公开|通知公告|新闻中心|新闻动态|工作动态|政务动态|要闻动态|公示公告|部门信息|政策文件|法规文件)$",
    re.IGNORECASE,
)


def is_site_name(text: str) -> bool:
    folded = fold(text).strip()
    return bool(_SITE_NAME_RE.search(folded)) or bool(re.search(r"www\.|\.com|\.gov\.cn|\.cn$", folded))


def clean_site_title(title: str) -> str | None:
    """``关于2022年…的报告_通知公告_朝阳市人民政府`` -> the segment that is the document title; None when no
    segment reads as one (``XX市人民政府门户网站``, ``首页``, ``政府信息公开``): a site name is not a title."""
    parts = [p.strip() for p in _SITE_TITLE_SEP_RE.split(title.strip()) if p and p.strip()]
    titled = [
        trim_title(p)
        for p in parts
        if (_TITLE_WORD_RE.search(fold(p)) or "关于" in p) and not is_site_name(p) and len(fold(p).strip()) >= 6
    ]
    return max(titled, key=len) if titled else None
