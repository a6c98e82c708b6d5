"""The words of the metric grammar (``metrics.py``): units and measure words by kind, change verbs,
qualifiers, the heads of programme names and the token patterns.

Kept apart from the grammar so that a new unit or verb is a one-line change here. Patterns are for
the folded view of the text (``textnorm.fold``: full-width forms are ASCII there).
"""

from __future__ import annotations

import re

from flows.core.numerals import ARABIC_PATTERN, CN_DIGITS, CN_NUMERAL_CHARS, MULTIPLIERS

# Measure words of things counted. Longer forms first where one is a prefix of another.
COUNT_UNITS = (
    "人次",
    "件次",
    "户次",
    "场次",
    "个次",
    "批次",
    "班次",
    "车次",
    "架次",
    "家次",
    "条次",
    "台次",
    "项次",
    "起次",
    "篇次",
    "期次",
    "轮次",
    "部门",
    "部委",
    "个",
    "件",
    "名",
    "人",
    "家",
    "次",
    "场",
    "项",
    "条",
    "份",
    "篇",
    "期",
    "批",
    "户",
    "起",
    "部",
    "种",
    "处",
    "所",
    "位",
    "支",
    "座",
    "本",
    "册",
    "套",
    "台",
    "辆",
    "块",
    "张",
    "幅",
    "堂",
    "轮",
    "类",
    "宗",
    "笔",
    "款",
    "组",
    "栋",
    "封",
    "卷",
)
# Durations, money and measures: the number is an amount of something, not a count of things.
AMOUNT_UNITS = (
    "个工作日",
    "工作日",
    "个小时",
    "小时",
    "分钟",
    "个月",
    "学时",
    "课时",
    "天",
    "日",
    "秒",
    "元",
    "平方公里",
    "平方米",
    "立方米",
    "公里",
    "千米",
    "公顷",
    "千瓦",
    "米",
    "亩",
    "吨",
)
PERCENT_UNITS = ("%", "‰")
CHANGE_UNITS = ("个百分点", "百分点")
RATIO_UNITS = ("倍",)
# 翻一番 / 翻两番: a doubling, counted in 番 only after 翻 (三番五次 is an idiom).
DOUBLING_UNITS = ("番",)
# Administrative areas counted as such (对2市4县开展督察, 全州8县市): only after Arabic digits, and
# only when the area word stands alone (12345市民热线 is a hotline).
AREA_UNITS = ("县市区", "县市", "市县", "县区", "区县", "乡镇", "市", "县", "区", "乡", "镇", "村", "省")
# After an area word these make it part of another word (市民, 县委, 区级, 市场, 镇政府).
NOT_AFTER_AREA = frozenset("民委长级场直属域政辖管内外情容貌里区县")
# A score (得分98.5分): Arabic only, because 十分 is an adverb.
SCORE_UNITS = ("分",)

ALL_UNITS = sorted(
    COUNT_UNITS + AMOUNT_UNITS + PERCENT_UNITS + CHANGE_UNITS + RATIO_UNITS + DOUBLING_UNITS + AREA_UNITS + SCORE_UNITS,
    key=len,
    reverse=True,
)
UNIT_KIND = {
    **{u: "count" for u in COUNT_UNITS + AREA_UNITS},
    **{u: "amount" for u in AMOUNT_UNITS + SCORE_UNITS},
    **{u: "percent" for u in PERCENT_UNITS},
    **{u: "change" for u in CHANGE_UNITS + DOUBLING_UNITS},
    **{u: "ratio" for u in RATIO_UNITS},
}
ARABIC_ONLY_UNITS = frozenset(AREA_UNITS + SCORE_UNITS)

# Wording that makes the number a change, and which way; the value itself stays positive.
CHANGE_VERBS = {
    "增长": "increase",
    "增加": "increase",
    "上升": "increase",
    "提高": "increase",
    "提升": "increase",
    "上涨": "increase",
    "增幅": "increase",
    "涨幅": "increase",
    "提速": "increase",
    "前移": "increase",
    "前进": "increase",
    "跃升": "increase",
    "下降": "decrease",
    "减少": "decrease",
    "降低": "decrease",
    "压缩": "decrease",
    "缩短": "decrease",
    "缩减": "decrease",
    "降幅": "decrease",
    "下滑": "decrease",
    "回落": "decrease",
    "后移": "decrease",
    "后退": "decrease",
    "减幅": "decrease",
    "压减": "decrease",
    "缩小": "decrease",
    "翻": "increase",
}
CHANGE_VERB_PREFIXES = tuple(CHANGE_VERBS)
CHANGE_VERB_ALTERNATION = "(?:" + "|".join(sorted(CHANGE_VERBS, key=len, reverse=True)) + ")"
CHANGE_VERB_RE = re.compile(CHANGE_VERB_ALTERNATION + r"\Z")
# A percent right after a change verb and its short object is a change too (减少材料60%,
# 压缩审批时间50%); an object holding 率/比/至/到/为/占/的 makes the figure a level (提高到95%).
CHANGE_VERB_OBJECT_RE = re.compile(
    f"(?P<verb>{CHANGE_VERB_ALTERNATION})" + r"(?:(?![率比至到为占的])[\u4e00-\u9fff]){1,6}\Z"
)
# After 个 these make the number a period (连续4个季度), not a count.
PERIOD_WORDS = ("季度", "年度", "年头", "学期", "星期", "周")

PREFIX_QUALIFIERS = ("超过", "超", "逾", "约", "近")
# 最近 / 就近 / 附近 are "recent" / "nearby", not "nearly".
NOT_QUALIFYING_BEFORE_JIN = frozenset("最就附")

# A Chinese numeral + measure word naming a programme or slogan rather than counting: 三项制度,
# 八项规定, 十项行动, 四个意识, 两个维护, 三个代表.
PROGRAMME_HEADS = (
    "行动",
    "工程",
    "制度",
    "规定",
    "禁令",
    "承诺",
    "原则",
    "战略",
    "意识",
    "自信",
    "维护",
    "确立",
    "全面",
    "代表",
    "务必",
    "体系",
    "模式",
    "格局",
    "理念",
    "机制",
    "责任",
    "清单",
)
# A 次 that numbers a session: 十九届六次全会, 人大三次会议, 二次、六次全会.
SESSION_WORDS = ("全会", "全体会议", "党代会", "代表大会")

RANK_WORDS = ("排名", "排位", "排在", "排", "位列", "位居", "名列", "居", "列", "跻身", "进入", "入围", "升至", "跃升")
WHOLE_AREAS = ("全国", "全省", "全市", "全区", "全县", "全州", "全球")

CN_RUN = f"[{CN_NUMERAL_CHARS}]+(?:[点點][{''.join(CN_DIGITS)}]+)?"
UNIT_FIRST_CHARS = "".join(sorted({u[0] for u in ALL_UNITS} | {m[0] for m in MULTIPLIERS}))
# A numeral that may start a metric: after 第/前 (a rank), or followed by what can follow a
# quantity (a unit, a multiplier, 余/多, or :digit of a ratio). The regex engine drops the rest
# (一是, 2022年, 二十大) before any Python runs; atomic groups keep it from retrying shorter runs.
# The leading lookahead lets the engine skip to the next digit quickly (measured 5x faster).
TOKEN_RE = re.compile(
    rf"(?=[\d{CN_NUMERAL_CHARS}])(?:百分之(?>{ARABIC_PATTERN}|{CN_RUN})"
    rf"|(?P<ord>(?<=[第前]))?(?:(?P<ar>(?>{ARABIC_PATTERN}))|(?P<cn>(?>{CN_RUN})))"
    rf"(?(ord)|(?=[余多]?[{re.escape(UNIT_FIRST_CHARS)}]|:\d)))"
)
# 千 before 米/瓦/克 belongs to the unit (5千米 is 5 km).
TAIL_RE = re.compile(
    r"(?P<q1>余|多)?(?P<mult>" + "|".join(MULTIPLIERS).replace("|千", "|千(?![米瓦克])") + r")?(?P<q2>余|多)?"
    r"(?P<unit>" + "|".join(re.escape(u) for u in ALL_UNITS) + r")?(?P<q3>以上|左右)?"
)
PERCENT_TAIL_RE = re.compile("(?P<q3>以上|左右)?")
ARABIC_AT_RE = re.compile(ARABIC_PATTERN)
# An Arabic number ending where a search's endpos is (the head of 6.5和4.2个百分点).
ARABIC_BEFORE_RE = re.compile(rf"(?:{ARABIC_PATTERN})\Z")
# What joins the figures of a list that prints its unit once (分别提升6.5和4.2个百分点).
LIST_JOINERS = "、和及与"

# Named things whose inner numbers are not quantities: titles in 《》, short quoted labels, document
# number years in 〔〕. Long quotations are prose and keep their numbers.
NAME_RES = (
    re.compile(r"《[^《》\n]{1,100}》"),
    re.compile(r"〈[^〈〉\n]{1,60}〉"),
    re.compile(r"“[^“”。\n]{1,20}”"),
    re.compile(r"‘[^‘’\n]{1,20}’"),
    re.compile(r"「[^「」\n]{1,20}」"),
    re.compile(r"【[^【】\n]{1,20}】"),
    re.compile(r"〔[^〔〕\n]{1,12}〕"),
    # Undirected ASCII quotes can pair the wrong way round ("a"上线,共100件,"b"): no clause inside.
    re.compile(r"\"[^\"\n,;:。!?]{1,20}\""),
)
SENTENCE_END_RE = re.compile("[。!?\n]")
CLAUSE_BREAK_RE = re.compile("[,;、]")
CLAUSE_ENDS = frozenset("。!?\n,;:、()“”《》 \t")
# A subject may run through quotes and brackets (10个精品“一件事一次办”改革任务, 13家商(协)会), and
# through a list's 、 inside brackets (18个县(市、区)); before the number it takes the whole list
# (学习宪法、民法典等法律法规11次), up to a clause break.
SUBJECT_ENDS = frozenset("。!?\n,;:、 \t")
SUBJECT_LEFT_ENDS = frozenset("。!?\n,;: \t")
OPENING_BRACKETS, CLOSING_BRACKETS = "(“《[【", ")”》]】"
# The predicate after a counted noun phrase (10个县市区全部建立…, 400名干部参加考试).
PREDICATE_STARTS = ("全部", "均", "都", "已", "实现", "参加", "参与")
LIST_CONNECTORS = frozenset(["和", "及", "与", "、", "以及"])
# Characters glued to an Arabic number that make it part of a code, date, period, version or label.
GLUE_BEFORE = frozenset("./+·•_#×*@")
GLUE_AFTER = frozenset("-—–~/+·•_#×*@")
# A dash joins numbers only between digits or letters (2021—2025, l379250-0303); after words it is
# punctuation (成效显著——全年办理500件).
DASHES = frozenset("-—–~")
SUBJECT_LEADS = (
    "全年",
    "全市",
    "全省",
    "全区",
    "全县",
    "全州",
    "其中",
    "累计",
    "共计",
    "合计",
    "先后",
    "共有",
    "现有",
    "共",
    "已",
    "今年",
    "当年",
)
SUBJECT_TAILS = tuple(
    sorted(
        (
            "达到",
            "共计",
            "合计",
            "累计",
            "达",
            "为",
            "共",
            "计",
            "超过",
            "超",
            "逾",
            "约",
            "近",
            "将近",
            "保持",
            "的",
            "分别",
            "均",
            "由",
            "由原来的",
            "由平均",
        ),
        key=len,
        reverse=True,
    )
)
# 下降至 / 提高到 / 压减为 before a level: the verb says how the level was reached, not what it is.
TO_WORDS = "至到为"
