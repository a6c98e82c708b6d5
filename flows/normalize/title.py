"""The printed title of a report page: header-line shapes (titles, document numbers, addressees) and the choice among them."""

from __future__ import annotations

import re

from flows.core.textnorm import fold, nfkc_compact
from flows.normalize.chrome import _SENTENCE_PUNCT_RE
from flows.normalize.dates import parse_date

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
