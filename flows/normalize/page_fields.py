"""Labelled page fields (发布时间:, 来源:, 索引号: …): reading them off a line and choosing the publish date and source."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.core.textnorm import fold
from flows.normalize.chrome import _BULLETS, _SENTENCE_PUNCT_RE, _STRONG_CHROME_RE, _WEAK_CHROME_RE, HAN
from flows.normalize.dates import _DATE_AT_START_RE, _TIME_RE, parse_date

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
    "公文生成日期": 2,
    "生成时间": 2,
    "成文时间": 2,
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
    "时效",
    "栏目",
    "所属栏目",
    "信息类别",
    "制发机构",
    "发布单位",
    "签发人",
    "备注",
)
_ALL_LABELS = sorted(set(DATE_LABEL_RANK) | set(SOURCE_LABELS) | set(OTHER_LABELS), key=len, reverse=True)
# A label must not be the tail of a longer word (资金来源: is prose, not a page field).
# Info-disclosure tables space their labels out (索 引 号: / 标　　题:), hence the optional spaces.
_LABEL_RE = re.compile(
    rf"(?<![{HAN}])(?P<label>{'|'.join(r'[ ]*'.join(map(re.escape, label)) for label in _ALL_LABELS)})\s*[:]"
)


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
    if "|" in folded and ":" not in folded:
        # an info table row (成文日期 | 2025-06-13 | 发布日期 | 2025-06-30 |): a label's cell bar is its colon
        bars = [m.end() - 1 for m in _CELL_LABEL_RE.finditer(folded)]
        stripped, folded = _bars_as_colons(stripped, bars), _bars_as_colons(folded, bars)
    fields: list[MetaField] = []
    # pages box their fields in brackets: 【发布时间:…】【来源:…】, [ 2017-03-06 ] [ 来源:… ]
    opening = _OPEN_BRACKETS_RE.match(folded).end()
    lead = _DATE_AT_START_RE.match(folded, opening)
    if not lead and not _LABEL_RE.match(folded, opening):
        if len(folded) > 50:
            return None  # prose, not scanned for labels
        empty = _EMPTY_LABEL_RE.match(folded) if folded.endswith(":") else None
        if empty:  # a label with nothing after it (时效:), not an addressee (区人大常委会:)
            return [MetaField(empty.group("label"), "")]
        media = _MEDIA_DATE_RE.match(folded) if folded[-1:].isdigit() or folded.endswith("日") else None
        if media:  # 陕西日报 2026-03-16 08:15: the source and its timestamp on one line
            return [
                MetaField("来源", stripped[: media.end("source")].strip()),
                MetaField("", stripped[media.end("source") :].strip()),
            ]
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


_CELL_LABEL_RE = re.compile(
    rf"(?<![{HAN}])(?P<label>{'|'.join(r'[ ]*'.join(map(re.escape, label)) for label in _ALL_LABELS)})\s*\|"
)


def _bars_as_colons(row: str, bars: list[int]) -> str:
    """The row with the bars after its label cells read as the labels' colons (same length)."""
    chars = list(row)
    for at in bars:
        chars[at] = ":"
    return "".join(chars)


def _leftover(rest: str) -> bool:
    """True when ``rest`` holds more than chrome and a short tag (公文范文)."""
    residual = _STRONG_CHROME_RE.sub("", rest)
    residual = _WEAK_CHROME_RE.sub("", residual)
    return len(residual) > 8 or bool(_SENTENCE_PUNCT_RE.search(rest))


_EMPTY_LABEL_RE = re.compile(
    rf"^(?P<label>[{HAN}]{{2,6}}(?<![会委府局厅办处室部院所站司区县市省镇乡道位关组团队下是为有的]))\s*:\s*$"
)
# A news source printed before the timestamp: a paper, a site or an organ (陕西日报, 人民网, 县司法局).
_MEDIA_DATE_RE = re.compile(
    rf"^(?P<source>[{HAN}A-Za-z·]{{2,16}}(?:日报|晚报|晨报|时报|报|网|新闻|电视台|广播电视台|融媒体中心|客户端|发布|政府|局|委|办|厅|中心))"
    r"\s+(?=(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$)"
)
_OPEN_BRACKETS_RE = re.compile(r"[【\[\s]*")
_VALUE_STOP_RE = re.compile(r"【|】|\[|\]|\s{2,}|\||打印|关闭|字体|字号|分享")


def _clean_value(raw: str) -> str:
    stop = _VALUE_STOP_RE.search(fold(raw))
    value = raw[: stop.start()] if stop else raw
    return value.strip(" \t\u3000:,;").strip()


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
