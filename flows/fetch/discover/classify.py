"""Is a link a rule-of-law government annual report? Pure text rules on the link's text (no I/O).

``classify_link(text, url)`` returns a ``Verdict``: ``accept`` (a report: the topic 法治政府建设 /
法治建设 / 依法行政, a report word 报告 / 情况 / 总结, a report year, and none of the near misses),
``review`` (looks like one but something is missing: no year, no issuer in a bare title) or
``reject`` with the reason. Near misses are the documents portals list beside the reports:
interpretations (解读), notices and circulars (通知, 通报, 公告, 公示), work points, plans and schemes
(工作要点, 实施方案, 计划), assessments and inspections (考核, 评估, 督察), white papers, the other
annual report every body publishes (政府信息公开工作年度报告), officials' 述法 reports and news about a
report (会议审议/听取...报告). The attachments helper uses the same function for report attachments.

Rules run on the matching view (``textnorm.fold``: full-width -> ASCII, traditional -> simplified).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flows.core.textnorm import fold

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".ofd")

# The topic: the report is about building rule-of-law government (or, in older and departmental
# reports, about administering by law).
_TOPIC_RE = re.compile(r"法治政府(?:部门)?建设|法治建设|依法行政|建设法治政府|法治政府(?=工作|年度|情况)")
# What makes it a report rather than any page on the topic.
_REPORT_RE = re.compile(r"报告|情况|总结|年报")

# Near misses: a hit rejects the link whatever else it says. Checked on the text with a trailing
# "...及2023年工作打算/安排/计划" removed (a report's own title may end that way).
_NEAR_MISSES: tuple[tuple[str, str], ...] = (
    (r"解读|图解|一图(?:读|看)懂|答记者问|问答", "an interpretation of a report"),
    (r"政府信息公开|政务公开|信息公开", "a government information disclosure report"),
    (r"述法|述职|第一责任人", "an official's duty report (述法/述职)"),
    (r"白皮书|蓝皮书", "a white paper"),
    (r"督察|督查|巡察|检查", "an inspection"),
    (r"考核|考评|评估|测评|评议|评价|指数|自查|自评", "an assessment"),
    (r"示范|创建|先进|典型|案例|评选|表彰|名单|命名", "a model-site campaign or an award"),
    (r"工作要点|要点|实施方案|方案|计划|规划|纲要|任务分工|工作安排|重点任务|清单|台账", "a plan or work points"),
    (
        r"通知|通报|公告|公示|通告|批复|决定|意见|办法|规定|细则|制度|函|征求|征集|问卷|采购|招标|中标|成交",
        "a notice, rule or procurement",
    ),
    (
        r"会议|常务会|座谈|召开|听取|审议|部署|推进会|调研|培训|讲座|宣讲|专题|新闻|发布会|动态|简报|快讯|走进|观摩",
        "news about a report or a meeting",
    ),
    (r"模板|范文|范本|写作|怎么写", "a template"),
    (r"蓝图|巡礼|回眸|综述|成效显著|取得|亮点|纪实", "a feature story"),
)
_NEAR_MISS_RES = tuple((re.compile(pattern), reason) for pattern, reason in _NEAR_MISSES)

# A report may close its title with next year's plans; those words then are not a near miss.
_PLANS_TAIL_RE = re.compile(
    r"(?:情况|报告|总结)(?:及|和|暨|与|、)(?:\d{4}年(?:度)?)?.{0,12}(?:打算|安排|计划|思路|重点)$"
)
# A summary of several years (五年, 十四五, 2018-2022年) is not the annual report.
_MULTI_YEAR_RE = re.compile(
    r"(?<![〇零○O一二三四五六七八九])[三五十]年(?!度)|十[三四五]五|\d{4}\s*[-—~至到]\s*\d{4}年|中期|以来"
)

# A year's sub-column of a report column reads like a bare title: a year and the report's name, no
# issuer, no 关于...情况 (2022年法治政府建设年度报告); a person decides.
_BARE_TITLE_RE = re.compile(r"^(?:(?:19|20)\d{2}年度?)?法治政府建设(?:年度)?报告$")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_ZH_DIGITS = {"〇": "0", "零": "0", "○": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}
_ZH_DIGITS |= {"六": "6", "七": "7", "八": "8", "九": "9"}
_ZH_YEAR_RE = re.compile(r"([二一][〇零○O一二三四五六七八九]{3})\s*年")

_ISSUER_END_RE = re.compile(
    r"(?:人民政府|政府|办事处|管委会|管理委员会|行政公署|公署|委员会|委|厅|局|办公室|办|署|院|中心|集团)$"
)
_ATTACHMENT_PREFIX_RE = re.compile(r"^(?:附件\s*\d*\s*[:：.、]?\s*|\[?附件\]?|【附件】)")
_EXTENSION_RE = re.compile(r"\.(?:pdf|docx?|wps|ofd)$", re.I)
_NAVIGATION_RE = re.compile(
    r"^(?:法治政府建设|法治政府建设年度报告|法治政府建设报告|法治建设年度报告|法治政府建设情况报告|依法行政|"
    r"法治政府|年度报告|法治政府建设专栏|法治政府建设年度报告专栏)$"
)


@dataclass(frozen=True)
class Verdict:
    decision: str  # "accept", "review" or "reject"
    reason: str  # one line: why
    report_year: int | None = None
    issuer: str | None = None  # the issuing body named at the start of the text, if any
    is_attachment: bool = False  # the url names a .pdf/.doc/.docx/.wps/.ofd file

    @property
    def is_candidate(self) -> bool:
        return self.decision != "reject"


def is_attachment_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:
        return False
    return path.endswith(ATTACHMENT_EXTENSIONS)


def link_title(text: str | None) -> str:
    """The link's text as a title: NFKC, whitespace runs as one space, an attachment prefix (附件1:) and a
    file extension dropped, surrounding quotes and 《》 removed, a truncation mark (... / …) dropped."""
    text = " ".join(unicodedata.normalize("NFKC", text or "").split())
    text = _ATTACHMENT_PREFIX_RE.sub("", text)
    text = _EXTENSION_RE.sub("", text)
    text = text.rstrip(".…")
    return text.strip("《》\"'“”「」[]【】 ")


def report_year(title: str) -> int | None:
    """The first year printed in ``title`` (2022年 / 2022年度 / 二〇二二年), or None."""
    folded = fold(title)
    found = [(m.start(), int(m.group(1))) for m in _YEAR_RE.finditer(folded)]
    found += [(m.start(), int("".join(_ZH_DIGITS.get(c, c) for c in m.group(1)))) for m in _ZH_YEAR_RE.finditer(folded)]
    found = [(at, year) for at, year in found if 1990 <= year <= 2100]
    return min(found)[1] if found else None


def issuer_of(title: str) -> str | None:
    """The issuing body named before the year or 关于 (南昌县政府2020年度..., 中共X委 X人民政府关于...)."""
    folded = fold(title)
    cut = len(folded)
    for pattern in (r"关于", r"(?:19|20)\d{2}\s*年", r"[二一][〇零○O一二三四五六七八九]{3}年"):
        match = re.search(pattern, folded)
        if match:
            cut = min(cut, match.start())
    head = title[:cut].strip(" ,、:")
    if 2 <= len(head) <= 60 and _ISSUER_END_RE.search(fold(head)):
        return head
    return None


def classify_link(text: str | None, url: str | None = None) -> Verdict:
    """The verdict on one link: its text (the anchor text, or its title attribute when that is the
    fuller one) and its url (only to tell an attachment)."""
    attachment = is_attachment_url(url)
    title = link_title(text)
    folded = fold(title).replace(" ", "")  # the rules' view: no spaces (年度 法治 政府 ...)
    if len(folded) < 4:
        return Verdict("reject", "no title in the link text", is_attachment=attachment)
    if not _TOPIC_RE.search(folded):
        return Verdict(
            "reject", "not about rule-of-law government (法治政府建设/法治建设/依法行政)", is_attachment=attachment
        )
    if _NAVIGATION_RE.match(folded):
        return Verdict("reject", "a column name, not a report", is_attachment=attachment)
    year = report_year(title)
    issuer = issuer_of(title)
    head = _strip_plans_tail(folded)
    for pattern, reason in _NEAR_MISS_RES:
        match = pattern.search(head)
        if match:
            return Verdict("reject", f"{reason} ({match.group(0)})", year, issuer, attachment)
    if not _REPORT_RE.search(folded):
        return Verdict("reject", "no report word (报告/情况/总结)", year, issuer, attachment)
    if _MULTI_YEAR_RE.search(head):
        return Verdict("reject", "a summary of several years, not one year's report", year, issuer, attachment)
    if year is None:
        return Verdict("review", "no report year in the link text", None, issuer, attachment)
    if _BARE_TITLE_RE.match(head):
        return Verdict("review", "no issuer in the link text (a year's column, or a report)", year, issuer, attachment)
    return Verdict("accept", "annual report title", year, issuer, attachment)


def _strip_plans_tail(folded: str) -> str:
    """``...情况及2016年工作打算`` -> ``...情况``: next year's plans closing a report's title."""
    match = _PLANS_TAIL_RE.search(folded)
    if not match:
        return folded
    keep = re.match(r"情况|报告|总结", match.group(0))
    return folded[: match.start()] + (keep.group(0) if keep else "")
