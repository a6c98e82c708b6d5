"""Metric rules at their edges: each case tells a surviving mutant of ``flows/normalize/metrics.py``
apart from the code (docs/MUTATION.md, metrics). Parametrize ids are ASCII, so that mutmut selects
tests by their node ids without escaping (``mutmut run NAME``)."""

from __future__ import annotations

import json

import pytest

from flows.core import contracts
from flows.normalize.metrics import MAX_SENTENCE_CHARS, extract_metrics

DOC = "0123456789abcdef"
C, A, R = "count", "amount", "rank"
UP = ("change", "increase")


def metrics(text: str) -> list[tuple]:
    """(span, value, unit, qualifier, kind, direction) for every metric found."""
    return [
        (m["span"], m["value"], m["unit"], m["qualifier"], m["kind"], m["direction"])
        for m in extract_metrics(text, DOC, [])
    ]


def subjects(text: str) -> list[str | None]:
    return [m["subject"] for m in extract_metrics(text, DOC, [])]


def only(text: str, span: str) -> dict:
    (found,) = [m for m in extract_metrics(text, DOC, []) if m["span"] == span]
    return found


def cases(*items):
    """pytest.param for each (id, text, expected)."""
    return [pytest.param(text, expected, id=name) for name, text, expected in items]


# --- the first and last characters of a text ----------------------------------------------------
# Before these were fixed, "" (no character: before the text's start, after its end) counted as one
# of the characters a rule looks for, since "" is in every string.


@pytest.mark.parametrize(
    "text, expected",
    cases(
        ("ratio-at-the-end", "比例为3:2", [("3:2", 1.5, None, None, "ratio", None)]),
        ("jin-at-the-start", "近3000件", [("近3000件", 3000, "件", "近", C, None)]),
        ("score-at-the-start", "95分", [("95分", 95, "分", None, A, None)]),
        ("rank-at-the-start", "第7名", [("第7名", 7, "名", None, R, None)]),
        ("meetings-at-the-start", "三次会议", [("三次", 3, "次", None, C, None)]),
        ("time-limit-at-the-start", "15日以内办结", [("15日", 15, "日", None, A, None)]),
    ),
)
def test_a_metric_at_the_very_start_or_end_of_the_text(text, expected):
    assert metrics(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    cases(
        # 于第7名 as 在第7名: a position, not a rank, without a ranking word
        ("yu-before-di", "考核于第7名。", []),
        # 于/到/至 N日以内 is a date, each of them
        ("yu-dao-zhi-before-days", "于5日以内,到5日以内,至5日以内。", []),
        # the second number of a ratio followed by a colon (a clock time) or a full stop (a dotted code)
        ("clock-time", "时间为11:33:28。", []),
    ),
)
def test_each_word_of_a_rule_is_read(text, expected):
    assert metrics(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    cases(
        # the later numbers of a ratio of three or of a clock time are no ratio, and no score
        ("three-part-ratio", "比例为1:2:3。", []),
        ("clock-with-seconds", "时间为9:30:5。", []),
        ("clock-then-fen", "于上午9:30分召开。", []),
        # a colon after a label is no ratio's
        ("label-then-count", "办理案件:518件。", [("518件", 518, "件", None, C, None)]),
    ),
)
def test_the_later_numbers_of_a_clock_time_or_a_longer_ratio_are_no_metrics(text, expected):
    assert metrics(text) == expected


# --- numbers, units and ranks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    cases(
        # 附近 is no 近, wherever it stands
        ("fujin-inside-the-text", "走访附近30家企业。", [("30家", 30, "家", None, C, None)]),
        # 达 alone is dropped between a change verb and its figure, as 达到 is
        ("da-after-the-verb", "同比增长达12件。", [("12件", 12, "件", None, *UP)]),
        # a ranking word counts up to ten characters before 第/前, not eleven
        ("rank-word-eleven-back-di", "排名全省各个地市州之中第7。", []),
        ("rank-word-eleven-back-qian", "排名全省各个地市州之中前5。", []),
        # 在第N名 is a position, not a rank, one character before 第 (not two)
        ("zai-before-di", "考核在第7名。", []),
        # a decimal ratio may have a two-digit second number (only 17:05 with no point is a clock time)
        ("decimal-ratio-two-digits", "比例为15.5:10。", [("15.5:10", 1.55, None, None, "ratio", None)]),
        # 百分之千万 is no share of anything, whatever follows 千
        ("percent-of-ten-million", "提高百分之千万。", []),
        # a Chinese numeral with 余 before its multiplier
        ("chinese-yu-wan", "参与群众三十余万人。", [("三十余万人", 300000, "人", "余", C, None)]),
        # an area unit at most three characters after the number's start
        ("area-three-digits", "涉及123县。", [("123县", 123, "县", None, C, None)]),
        ("area-four-digits", "涉及1234县。", []),
        # 届 right before the number: a session, not a count
        ("jie-before-count", "召开十三届3次会议。", []),
        # a Chinese count at the end of a text
        ("chinese-count-at-the-end", "举办培训三次", [("三次", 3, "次", None, C, None)]),
        # a numeral after a list marker is no idiom's second numeral (三番五次)
        ("after-a-list-marker", "（三）五个工作日内办结。", [("五个工作日", 5, "个工作日", None, A, None)]),
        # 排名第3: before a colon is a rank, not a ratio
        ("rank-before-a-colon", "考评排名第3:", [("第3", 3, None, None, R, None)]),
        # 统一 keeps its 一; 一二十 (ten or twenty) is no figure
        ("tongyi-then-twenty", "统一二十个部门。", [("二十个", 20, "个", None, C, None)]),
        ("yi-er-shi", "一二十个部门。", []),
        # 第一二 is re-read without 一 and gives nothing; the text after it is still read
        ("di-yi-er", "第一二,办理案件5件。", [("5件", 5, "件", None, C, None)]),
    ),
)
def test_numbers_units_and_ranks_at_their_edges(text, expected):
    assert metrics(text) == expected


# --- lists that print their unit once (分别…) ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    cases(
        # a figure with a qualifier, a figure without a unit, and a rank share nothing
        ("qualified-last", "分别为3、5、8件以上。", [("8件以上", 8, "件", "以上", C, None)]),
        ("no-unit-last", "受访量分别达12、36.43万。", [("36.43万", 364300, None, None, C, None)]),
        ("rank-last", "分别为3、第5位。", [("第5位", 5, "位", None, R, None)]),
        # only 、和及与 join a list
        ("semicolon-is-no-joiner", "分别为3;8件。", [("8件", 8, "件", None, C, None)]),
        # a head may start right where the previous metric ends
        (
            "head-at-the-previous-end",
            "分别为3件5、8件。",
            [("3件", 3, "件", None, C, None), ("5", 5, "件", None, C, None), ("8件", 8, "件", None, C, None)],
        ),
        # the heads have the kind and direction of the figure printing the unit
        (
            "heads-of-a-count",
            "分别增加3、5件。",
            [("3", 3, "件", None, C, None), ("5件", 5, "件", None, C, None)],
        ),
        # 分别 is looked for twelve characters before the first head, not thirteen
        ("fenbie-thirteen-back", "分别在全省各个部门单位中为3、5件。", [("5件", 5, "件", None, C, None)]),
        # a head joined by 和 to a change before it continues that change
        (
            "head-after-a-change",
            "分别增长12%和3、5个百分点。",
            [("12%", 12, "%", None, *UP), ("3", 3, "个百分点", None, *UP), ("5个百分点", 5, "个百分点", None, *UP)],
        ),
    ),
)
def test_lists_sharing_a_unit(text, expected):
    assert metrics(text) == expected


# --- an ASCII X: the character mutmut adds to strings; no word list holds it ------------------------


@pytest.mark.parametrize(
    "text, expected",
    cases(
        ("x-between-verb-and-figure", "同比增加X十二件。", [("十二件", 12, "件", None, C, None)]),
        ("x-after-a-rank", "进入全省前五X。", [("前五", 5, None, None, R, None)]),
        ("x-between-numerals", "三X五个工作日。", [("五个工作日", 5, "个工作日", None, A, None)]),
    ),
)
def test_an_ascii_letter_is_no_word(text, expected):
    assert metrics(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    cases(
        ("x-ending-the-phrase-after", "聘请18名法律顾问X。", ["法律顾问X"]),
        ("x-starting-the-clause-before", "X受理案件518件。", ["X受理案件"]),
    ),
)
def test_an_ascii_letter_stays_in_a_subject(text, expected):
    assert subjects(text) == expected


# --- subjects ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    cases(
        # the phrase after the unit may start with 一 or U+9FFF, the ends of the CJK range
        ("phrase-starting-with-yi", "培训18名一线干部。", ["一线干部"]),
        ("phrase-starting-with-u9fff", "培训18名\u9fff线干部。", ["\u9fff线干部"]),
        # 的 after an amount's unit is skipped
        ("de-after-an-amount", "办理涉及金额300万元的案件。", ["案件"]),
        # a phrase starting with 内 (15日内) is a time limit, not a subject: the clause before is
        ("nei-after-days", "审批事项在15日内完成办理。", ["审批事项在"]),
        # a level reached (增加到) has its own subject when the clause names one
        ("level-with-its-own-subject", "受理案件20件,结案数增加到30件。", ["受理案件", "结案数"]),
        # and none when the clause is the verb alone and nothing came before
        ("level-alone-first", "办理时限,压缩至3个工作日。", [None]),
        # a change verb is cut off only before 至/到/为
        ("verb-before-le", "受理案件同比增长了518件。", ["受理案件同比增长了"]),
        # a lead (全年, 其中) is dropped only when two characters follow it; a tail only when one is left
        ("lead-and-one", "全年受518件。", ["全年受"]),
        ("lead-and-two", "全年受理518件。", ["受理"]),
        ("lead-alone", "受理案件600件,其中518件。", ["受理案件", "其中"]),
        ("tail-alone", "受理案件600件,达518件。", ["受理案件", "达"]),
        ("tail-alone-at-the-start", "共518件。", ["共"]),
        # a list's 、 before the number is not part of the subject
        ("dun-before-the-number", "全年受理行政复议案件、518件。", ["受理行政复议案件"]),
        # brackets inside brackets: a clause break inside them does not end the phrase
        ("nested-brackets", "聘请18名法律顾问(含(兼职)律师,顾问)参与审查。", ["法律顾问(含(兼职)律师,顾问)"]),
        # the phrase after a unit is at most 24 characters
        (
            "phrase-of-24",
            "聘请18名法律顾问律师公证员调解员仲裁员司法鉴定人员和基层法律服务工作者参与审查。",
            ["法律顾问律师公证员调解员仲裁员司法鉴定人员和基层"],
        ),
        # cut there inside brackets, it loses a trailing 、
        ("phrase-cut-after-dun", "覆盖18个县(" + "市、" * 11 + "区)。", ["县(" + "市、" * 10 + "市"]),
        # the clause before the number is at most 30 characters
        (
            "clause-of-30",
            "深入推进严格规范公正文明执法全面落实行政执法三项制度持续开展专项整治行动办理案件518件。",
            ["文明执法全面落实行政执法三项制度持续开展专项整治行动办理案件"],
        ),
    ),
)
def test_subjects_at_their_edges(text, expected):
    assert subjects(text) == expected


# --- sentences ------------------------------------------------------------------------------------------


def test_a_sentence_of_exactly_the_limit_ending_a_line_is_whole():
    sentence = "开展执法检查工作," * 32 + "今年全年办理案件518件"
    assert len(sentence) == MAX_SENTENCE_CHARS
    text = "第一句话。" + sentence + "\n下一段。"
    # not cut (the line break is not counted), without the sentence before it or the line after it
    assert only(text, "518件")["sentence"] == sentence


def test_a_run_on_sentence_with_no_clause_break_before_the_span_is_cut_at_the_window():
    text = "开展执法检查" * 40 + "全年办理案件518件," + "持续推进," * 80 + "。"
    sentence = only(text, "518件")["sentence"]
    start = text.index("518件") - MAX_SENTENCE_CHARS * 2 // 3
    # two thirds of the window before the span, and whole clauses after it
    assert sentence == text[start : start + MAX_SENTENCE_CHARS] and sentence.endswith("持续推进,")


def test_a_run_on_sentence_keeps_its_start_when_the_span_is_near_it():
    text = "开展检查," + "全年办理案件518件" + "持续推进依法行政" * 40 + "。"
    assert only(text, "518件")["sentence"] == text[:MAX_SENTENCE_CHARS]


def test_a_run_on_sentence_keeps_its_tail_when_it_fits():
    text = "开展执法检查工作," * 33 + "全年办理案件518件," + "持续推进依法行政" + "。"
    sentence = only(text, "518件")["sentence"]
    assert sentence.endswith("518件,持续推进依法行政。")
    assert sentence.startswith("开展执法检查工作,") and len(sentence) == 209


# --- sections and values ----------------------------------------------------------------------------


def test_a_metric_starting_where_a_section_ends_is_in_its_parent():
    text = "概述全年办理案件。办理案件518件。"
    at = text.index("518件")
    sections = [
        {"section_id": "s1", "start": 0, "end": len(text), "level": 1},
        {"section_id": "s1.1", "start": 0, "end": at, "level": 2},
    ]
    (found,) = extract_metrics(text, DOC, sections)
    assert found["section_id"] == "s1"


def test_whole_decimal_values_are_integers_in_the_record():
    records = extract_metrics("比例为3:1.5,聘请2.0万人,增长91.5%。", DOC, [])
    assert [json.dumps(r["value"]) for r in records] == ["2", "20000", "91.5"]
    assert all(contracts.errors(record, "metric") == [] for record in records)
