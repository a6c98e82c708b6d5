"""What a page is: the year a report reports on, and whether the page is an annual rule-of-law-government report."""

from __future__ import annotations

import re

from flows.core.textnorm import fold
from flows.normalize.chrome import HAN
from flows.normalize.title import _HEADING_RE

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
