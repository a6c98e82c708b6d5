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
# Look-alikes named by their title or a header line (the raw lines, before chrome is trimmed: a
# 【政策解读】 or 议题解读: label in front of a report's title makes the page an explainer).
_LOOKALIKE_TITLE_CUES = (
    (re.compile(r"白皮书"), "white paper"),
    (re.compile(r"解读|答记者问|问答|一图读懂|图解|读懂"), "interpretation of a report, not the report"),
    (re.compile(r"议题|常务会议|常委会会议|发布会|新闻发布"), "meeting topic or press event about a report"),
    (re.compile(r"政府信息公开(?:工作)?(?:年度)?报告|信息公开年报"), "government information disclosure report"),
    (re.compile(r"述法|述职"), "述法/述职 report of an official"),
    (re.compile(r"模板|范本|范文|素材|写作|心得|体会|论文|研究|实证|综述"), "template, essay or study"),
    (
        re.compile(
            r"名单|公示|表彰|评选|命名|考核结果|考核优秀|考评结果|评估结果|先进(?:单位|个人|集体)|典型培树|通报(?:表扬)?$"
        ),
        "assessment, appraisal or list",
    ),
    (
        re.compile(
            r"(?:要点|计划|安排|方案|意见|规划|纲要|办法|规定|通知|决定|批复|函|讲话|致辞)(?:\s*[(][^()]*[)])?$"
        ),
        "plan, notice or rules",
    ),
    (re.compile(r"召开|举行|审议|听取|部署|通过了|新闻|座谈"), "news about a report"),
    (re.compile(r"申报|自查报告|评估报告"), "application or self-inspection"),
)
# A report that adds next year's plan to its title (…工作总结及2024年工作计划) is still a report.
_REPORT_AND_PLAN_RE = re.compile(r"(?:总结|情况|报告)[^。]{0,4}(?:及|和|暨|与|并)")
_LOOKALIKE_LABEL_CUES = tuple(
    (regex, why) for regex, why in _LOOKALIKE_TITLE_CUES if why.startswith(("white paper", "interpretation", "meeting"))
)
# (pattern, reason, words one of which the pattern needs: the pattern runs only where one is present)
_NEGATIVE_CUES = (
    (
        re.compile(r"小编|供大家参考|供您参考|公文范文|(?<!示)范文|网友投稿|文秘|精选\d*篇"),
        "template essay site",
        ("小编", "参考", "范文", "投稿", "文秘", "精选"),
    ),
    (
        re.compile(
            r"(?m)^[\W_]*(?:约\s*[\d.]+\s*万?字|约\s*\d+\s*页|举报|下载(?:文档|全文)?|文档分享|付费下载)[\W_]*$"
        ),
        "document-sharing page",
        ("约", "举报", "下载", "分享"),
    ),
    (re.compile(r"制定本方案|特制定本|制定如下方案|实施方案如下"), "implementation plan", ("方案", "制定本")),
    (
        re.compile(
            r"(?:工作要点|工作计划|工作安排)如下|现就[^。]{0,40}(?:安排|要点|通知)如下|现印发给你们|请认真贯彻执行|请结合实际"
        ),
        "work plan or notice",
        ("如下", "印发", "贯彻执行", "结合实际"),
    ),
    (
        re.compile(r"(?:通报|公示|公布|命名)如下|予以(?:通报|公示|表彰|命名)|现将[^。]{0,40}(?:名单|结果|等次)"),
        "assessment, appraisal or list",
        ("如下", "予以", "现将"),
    ),
    (
        re.compile(
            r"现(?:公开|公布|发布)[^。]{0,30}政府信息公开(?:工作)?年度报告|政府信息公开(?:工作)?年度报告(?:如下|由)"
        ),
        "government information disclosure report",
        ("政府信息公开",),
    ),
    (re.compile(r"同志们|我讲几点|讲几点意见"), "speech", ("同志们", "几点")),
    (
        re.compile(r"(?m)^[^。\n]{0,20}(?:关键词|摘要)\s*:|\([^()\n]{0,30}大学[^()\n]{0,30}\d{6}\)"),
        "academic article",
        ("关键词", "摘要", "大学"),
    ),
)
_NEWS_ITEM_RE = re.compile(r"^(?:本报讯|本网讯|[^。]{0,10}讯\s|[^。]{0,20}记者|近日,|日前,)")


def _any_of(cues) -> re.Pattern:
    """One pattern matching where any of ``cues`` matches (searched first: a report matches none)."""
    return re.compile("(?m)" + "|".join(f"(?:{regex.pattern.removeprefix('(?m)')})" for regex, _ in cues))


_ANY_TITLE_CUE = _any_of(_LOOKALIKE_TITLE_CUES)
_ANY_LABEL_CUE = _any_of(_LOOKALIKE_LABEL_CUES)
# A news item on a meeting that heard a report: it opens with the meeting's date and what it did.
_MEETING_NEWS_RE = re.compile(
    r"^[^。]{0,20}\d{1,2}月\d{1,2}日[^。]{0,60}(?:召开|主持|举行|审议|听取)|会议(?:指出|强调|要求|认为|审议)"
)
_REPORT_BODY_RE = re.compile(r"(?:报告|汇报)如下|主要举措|主要工作|工作情况|取得.{0,6}成效|存在的(?:问题|不足)|下一步")
_PINYIN_RE = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")


# Deleting the runs of other characters and measuring what is left counts a script's letters faster
# than listing every match.
_NOT_HAN_RE = re.compile(rf"[^{HAN}]+")
_NOT_LATIN_RE = re.compile(r"[^A-Za-z]+")


def strip_inline_pinyin(text: str) -> str:
    """Text without the garbled pinyin a traditional-script mirror prints after characters (建設(shè));
    for matching only: the result is shorter than the input."""
    if "(" not in text or not _PINYIN_RE.search(text):
        return text
    return _PINYIN_RE.sub("", text)


def judge_report(
    title: str | None, body: str, header_lines: list[str], text: str, labels: list[str] | tuple[str, ...] = ()
) -> tuple[bool, str]:
    """(is_report, reason). True only for an annual rule-of-law-government report by its issuer
    (including the older 依法行政工作情况 reports): the title, when printed, must be a report title on
    that subject; template-essay and document-sharing sites, white papers, plans, notices, assessment
    notices and lists, explainers, meeting topics, news items, 述法 reports, information-disclosure
    reports, studies and English catalogue pages are not reports. The reason says which."""
    whole = fold(text)
    han = len(_NOT_HAN_RE.sub("", whole[:3000]))
    latin = len(_NOT_LATIN_RE.sub("", whole[:3000]))
    if latin > han and len(_NOT_LATIN_RE.sub("", strip_inline_pinyin(whole[:3000]))) > han:
        return False, "mostly English text (catalogue or translation page)"
    opening = strip_inline_pinyin(fold("\n".join(header_lines) + "\n" + body[:1500]))
    if _NEWS_ITEM_RE.search(fold(body[:60])):
        return False, "news item"
    for regex, why, needles in _NEGATIVE_CUES:
        if any(needle in opening for needle in needles) and regex.search(opening):
            return False, why
    if _MEETING_NEWS_RE.search(strip_inline_pinyin(fold(body[:300]))):
        return False, "news about a meeting on a report"
    # the title names what the page is; a label printed before it on a header line (【政策解读】,
    # 议题解读:) can too, but a column name there (区内新闻, 通知公告) cannot
    named = [(strip_inline_pinyin(fold(title)), _LOOKALIKE_TITLE_CUES, _ANY_TITLE_CUE)] if title else []
    named += [(strip_inline_pinyin(fold(line)), _LOOKALIKE_LABEL_CUES, _ANY_LABEL_CUE) for line in header_lines]
    for line, cues, any_cue in named:
        if not any_cue.search(line) or not (_SUBJECT_RE.search(line) or _TITLE_REPORT_RE.search(line)):
            continue  # no cue, or a column or site name rather than a title
        subject_part = _title_subject_part(line)
        for regex, why in cues:
            if regex.search(subject_part) and not (why.startswith("plan") and _REPORT_AND_PLAN_RE.search(line)):
                return False, why
    for label in labels:  # printed before the title on its line: 【政策解读】, 常务会议议题解读:
        folded_label = strip_inline_pinyin(fold(label))
        if _ANY_LABEL_CUE.search(folded_label):
            for regex, why in _LOOKALIKE_LABEL_CUES:
                if regex.search(folded_label):
                    return False, why
    if title:
        folded_title = strip_inline_pinyin(fold(title))
        if _SUBJECT_RE.search(folded_title) and _TITLE_REPORT_RE.search(folded_title):
            return True, "report title"
    folded_body = strip_inline_pinyin(fold(body[:3000]))
    mentions = len(_SUBJECT_RE.findall(folded_body[:2000]))
    if mentions >= 2 and _REPORT_BODY_RE.search(folded_body):
        return True, "report body"
    if mentions >= 2 and (_OPENING_YEAR_RE.search(folded_body[:200]) or _HEADING_RE.match(folded_body[:20])):
        return True, "report body"
    return False, "no report title and no report-like body"


def _title_subject_part(line: str) -> str:
    """A title line without what cannot make it another kind of document: the names of plans and
    programmes it cites in 《》 keep their words (关于《…实施方案》落实情况的报告 is still a report), and
    a 法治政府建设示范 subject is the report's, not an appraisal."""
    inner = re.sub(r"《[^》]*》", "", line) if not re.search(r"解读", line) else line
    return inner
