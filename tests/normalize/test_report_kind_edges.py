"""flows.normalize.report_kind at the edges of its rules: the reasons it gives, the report year's fallbacks
and their warnings, inline pinyin, the combined look-alike pattern (found by mutation testing,
docs/MUTATION.md)."""

from __future__ import annotations

import re

import pytest

from flows.normalize import report_kind

NEWS = "本报讯 2023年3月7日,市政府召开常务会议,听取法治政府建设情况的报告。"
MEETING = "3月7日,市政府召开常务会议,听取2022年法治政府建设情况的报告。会议强调,要坚持依法行政。"
BODY = "2022年,我市坚持法治政府建设,推进依法行政。现将有关情况报告如下。"
ENGLISH = "This is an English catalogue page of the government website, with many words and few characters."


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (None, ENGLISH, (False, "mostly English text (catalogue or translation page)")),
        (None, NEWS, (False, "news item")),
        (None, MEETING, (False, "news about a meeting on a report")),
        ("关于2022年法治政府建设情况的报告", BODY, (True, "report title")),
        (None, BODY, (True, "report body")),
    ],
    ids=["english", "news", "meeting", "title", "body"],
)
def test_the_reason_of_each_judgement(title, body, expected):
    assert report_kind.judge_report(title, body, [], body) == expected


def test_a_report_title_needs_both_its_subject_and_a_report_word():
    assert (
        report_kind.judge_report("关于法治政府建设的通知", "我市坚持依法行政。", [], "我市坚持依法行政。")[0] is False
    )
    assert report_kind.judge_report("2022年工作情况报告", "我市坚持依法行政。", [], "我市坚持依法行政。")[0] is False


def test_the_report_body_needs_two_mentions_of_the_subject():
    one = "2022年,我市推进依法行政。现将有关情况报告如下。"
    assert report_kind.judge_report(None, one, [], one)[0] is False
    assert report_kind.judge_report(None, BODY, [], BODY)[0] is True


@pytest.mark.parametrize(
    ("body", "publish_date", "year", "warning"),
    [
        ("我市坚持依法行政。", "2023-03-07", 2022, "report_year taken as the publish year minus one"),
        (
            "我市贯彻民法典,坚持依法行政。",
            None,
            2020,
            "report_year inferred from the latest dated national event the body mentions",
        ),
        ("我市坚持依法行政。", None, None, "report_year unknown"),
        ("一年来,全市上下坚持依法行政。2021年以来,成效明显。2022年,继续推进。", None, None, "report_year unknown"),
        ("2022年以来,全市上下坚持依法行政。2021年,成效明显。", None, 2022, None),  # the first sentence's year
        ("全市上下2022年以来,坚持依法行政。", None, 2022, None),  # inside the first sentence
    ],
    ids=["publish-year", "event", "unknown", "year-after-first-sentence", "first-sentence", "inside-first-sentence"],
)
def test_the_report_year_fallbacks_and_their_warnings(body, publish_date, year, warning):
    warnings: list[str] = []
    assert report_kind._report_year(None, body, publish_date, warnings) == year
    assert warnings == ([warning] if warning else [])


def test_inline_pinyin_is_stripped_only_inside_brackets():
    assert report_kind.strip_inline_pinyin("法治政府建設(shè)情況(kuàng)") == "法治政府建設情況"
    assert report_kind.strip_inline_pinyin("法治(一)建设") == "法治(一)建设"
    assert report_kind.strip_inline_pinyin("shè kuàng") == "shè kuàng"


def test_the_combined_cue_pattern_matches_where_any_cue_does_with_each_cues_flags():
    cues = ((re.compile(r"(?m)^下载$"), "sharing"), (re.compile("白皮书"), "white paper"))
    combined = report_kind._any_of(cues)
    assert combined.pattern == "(?m)(?:^下载$)|(?:白皮书)"
    assert combined.search("说明\n下载\n正文") and combined.search("年度白皮书") and not combined.search("下载全文")


def _judge(title, body, header_lines=()):
    return report_kind.judge_report(title, body, list(header_lines), body)


def test_each_report_body_rule_on_its_own():
    words = "我市坚持法治政府建设,推进依法行政。现将有关情况报告如下。"  # report words, no opening year
    assert _judge(None, words) == (True, "report body")
    assert _judge(None, "我市推进依法行政。现将有关情况报告如下。") == (
        False,
        "no report title and no report-like body",
    )
    opening = "2022年,我市推进法治政府建设,深化依法行政改革。"  # an opening year, no report words
    assert _judge(None, opening) == (True, "report body")
    assert _judge(None, "2022年,我市深化依法行政改革。") == (False, "no report title and no report-like body")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("关于《法治政府建设实施纲要》落实情况的报告", (True, "report title")),  # a cited plan keeps its words
        ("《法治政府建设实施纲要》解读", (False, "interpretation of a report, not the report")),
        ("关于印发法治政府建设实施纲要的通知", (False, "plan, notice or rules")),
        ("法治政府建设示范创建工作情况的报告", (True, "report title")),
        ("关于落实《法治政府建设白皮书》情况的报告", (True, "report title")),  # a cue inside the citation
        ("《法治政府建设白皮书》解读", (False, "white paper")),  # an explainer's title keeps its citation
    ],
    ids=["cited-plan", "interpretation", "notice", "model", "cited-cue", "explained-citation"],
)
def test_the_title_names_what_the_page_is_outside_its_citations(title, expected):
    assert _judge(title, BODY) == expected


def test_a_column_name_before_a_look_alike_header_line_does_not_stop_the_search():
    # the first named line has no cue (a column name), the second is an explainer's label
    assert _judge(None, BODY, ["区内新闻", "政策解读:法治政府建设情况"]) == (
        False,
        "interpretation of a report, not the report",
    )


def test_latin_letters_count_as_english_only_beyond_the_han_after_inline_pinyin():
    # 10 Han, 15 Latin letters of which 5 are inline pinyin: 10 left, not more than the Han
    text = "法治政府建设情况报告 abcdefghij (abcde)"
    assert report_kind.judge_report(None, text, [], text)[1] != "mostly English text (catalogue or translation page)"
    more = "法治政府建设情况报告 abcdefghijk (abcde)"  # 11 left
    assert report_kind.judge_report(None, more, [], more) == (
        False,
        "mostly English text (catalogue or translation page)",
    )
