"""page.read_page: where the body starts and ends, two-line breadcrumbs, pages without prose, the HTML's
page fields and the page-information lines, each rule on the inputs at its edges (found by mutation
testing of flows/normalize/page.py, docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.core.textnorm import clean_text
from flows.normalize import page

TITLE = "关于2022年法治政府建设情况的报告"
OPENING = "2022年,我市坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新成效。现将有关情况报告如下。"
BODY = (
    f"{OPENING}\n"
    "一、主要举措和成效\n"
    "(一)依法全面履行政府职能。全年取消行政许可事项12项。\n"
    "二、下一步打算\n"
    "持续深化法治政府建设。"
)
MORE = "三、其他情况\n全年办理行政复议案件35件。"
NO_DATE = "publish date: none printed on the page"


def read(text: str, **kwargs) -> page.PageInfo:
    return page.read_page(clean_text(text), **kwargs)


# --- where the body starts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        "一、主要举措和成效",  # a numbered heading, however short
        "2022年,我区坚持以习近平法治思想为指导全面推进依法行政工",  # 30 characters with a comma
        "现报告情况如下:",  # 8 characters ending with a colon
        "法治政府建设" * 13 + "法治",  # 80 characters, no punctuation at all
    ],
)
def test_a_line_that_reads_as_prose_opens_the_body(first):
    info = read(f"{TITLE}\n{first}\n{BODY}")
    assert info.text == f"{first}\n{BODY}"
    assert info.header_lines == [TITLE] and info.title == TITLE


@pytest.mark.parametrize(
    "line",
    [
        "2022年,我区坚持以习近平法治思想为指导全面推进依法行政",  # 29 characters with a comma
        "法治政府建设" * 13 + "法",  # 79 characters without punctuation
    ],
)
def test_a_short_line_without_sentence_punctuation_stays_in_the_header(line):
    info = read(f"{TITLE}\n{line}\n{BODY}")
    assert info.text == BODY
    assert info.header_lines == [TITLE, line]


def test_a_heading_right_under_the_title_opens_the_body():
    body = "一、主要举措和成效\n(一)依法全面履行政府职能。全年取消行政许可事项12项。"
    info = read(f"{TITLE}\n{body}")
    assert info.text == body and info.header_lines == [TITLE]


def test_an_addressee_with_garbled_indentation_is_still_a_header_line():
    garbled = "\n".join("??" + line for line in BODY.split("\n"))
    info = read(f"{TITLE}\n??区人大常委会:\n{garbled}")
    assert info.header_lines == [TITLE, "??区人大常委会:"]
    assert info.text.startswith(OPENING)
    assert info.warnings == [NO_DATE, "garbled indentation: '?' at line starts read as full-width spaces"]


# --- where the body ends ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inside",
    ["信息来源:示例市统计局", "打印本页", "上一篇:关于2021年的报告"],  # a source line, chrome, a footer
)
@pytest.mark.parametrize("foot", ["", "\n打印本页 关闭窗口"])
def test_page_chrome_inside_the_body_does_not_end_it_when_prose_follows(inside, foot):
    info = read(f"{TITLE}\n{BODY}\n{inside}\n{MORE}{foot}")
    assert info.text == f"{BODY}\n{inside}\n{MORE}"


def test_a_long_unpunctuated_last_line_is_prose_kept_before_the_trailing_chrome():
    last = "法治政府建设" * 6 + "法治政府"  # 40 characters
    info = read(f"{TITLE}\n{BODY}\n{last}\n打印本页 关闭窗口")
    assert info.text == f"{BODY}\n{last}"


def test_labelled_page_information_above_the_trailing_chrome_leaves_the_body_but_the_signature_stays():
    info = read(
        f"{TITLE}\n{BODY}\n中共示例市委 示例市人民政府\n2023年3月1日\n\n发布日期:2023-03-07\n索引号:123\n\n打印本页 关闭窗口"
    )
    assert info.text == f"{BODY}\n中共示例市委 示例市人民政府\n2023年3月1日"
    assert (info.publish_date, info.meta, info.warnings) == ("2023-03-07", {"索引号": "123"}, [])
    bare = read(f"{TITLE}\n{BODY}\n2023年3月1日\n打印本页 关闭窗口")
    assert bare.text == f"{BODY}\n2023年3月1日" and bare.publish_date is None


def test_a_one_sentence_body_keeps_its_sentence_when_page_information_follows():
    info = read(f"{TITLE}\n2022年,我市全面推进依法行政。\n发布日期:2023-03-07\n打印本页")
    assert info.text == "2022年,我市全面推进依法行政。"
    assert (info.title, info.publish_date, info.warnings) == (TITLE, "2023-03-07", [])


# --- breadcrumbs over two lines, or ending the page --------------------------------------------------


@pytest.mark.parametrize(
    "head, crumb",
    [
        ("首页\n> 政务公开 > 法治政府建设", ["首页", "政务公开", "法治政府建设"]),  # home on the line above
        ("首页\n\n> 政务公开 > 法治政府建设", ["首页", "政务公开", "法治政府建设"]),  # a blank line between
        ("当前位置:首页\n> 政务公开 > 法治政府建设", ["首页", "政务公开", "法治政府建设"]),  # a breadcrumb above
        ("网站导航\n> 政务公开 > 法治政府建设", ["政务公开", "法治政府建设"]),  # not a home link above
        ("> 政务公开 > 法治政府建设", ["政务公开", "法治政府建设"]),  # nothing above
    ],
)
def test_a_breadcrumb_going_on_from_the_line_above(head, crumb):
    info = read(f"{head}\n{TITLE}\n{BODY}")
    assert info.breadcrumb == crumb
    assert (info.title, info.text, info.header_lines) == (TITLE, BODY, [TITLE])


def test_a_page_that_is_only_navigation_has_no_body_and_is_not_a_report():
    only = read("首页 > 政务公开 > 法治政府建设")
    assert (only.text, only.title, only.is_report) == ("", None, False)
    assert only.breadcrumb == ["首页", "政务公开", "法治政府建设"]
    assert only.warnings[0] == "no prose line found; body is every text line after the navigation"
    ending = read(f"首页 > 政务公开 > {TITLE}")  # the title printed as the breadcrumb's last item
    assert ending.breadcrumb == ["首页", "政务公开", TITLE]
    assert (ending.text, ending.title, ending.is_report) == (TITLE, None, False)


@pytest.mark.parametrize(
    "text, body",
    [
        (f"{TITLE}\n法治政府建设\n主要成效", f"{TITLE}\n法治政府建设\n主要成效"),
        (f"首页 > 政务公开\n{TITLE}\n法治政府建设", f"{TITLE}\n法治政府建设"),  # after the navigation
    ],
)
def test_without_a_prose_line_the_body_is_every_text_line_after_the_navigation(text, body):
    info = read(text)
    assert (info.text, info.title, info.report_year, info.is_report) == (body, None, None, False)
    assert info.warnings[0] == "no prose line found; body is every text line after the navigation"


# --- the header block and page-information lines -----------------------------------------------------


@pytest.mark.parametrize("date_line", ["2023-03-07", "2023-03-07 10:00"])
def test_a_bare_date_above_the_title_without_a_weekday_is_the_publish_date(date_line):
    info = read(f"{date_line}\n{TITLE}\n{BODY}")
    assert (info.publish_date, info.header_lines, info.warnings) == ("2023-03-07", [TITLE], [])


def test_a_title_printed_again_over_two_lines_is_one_header_block():
    info = read(f"{TITLE}\n打印本页\n关于2022年法治政府\n建设情况的报告\n{BODY}")
    assert info.header_lines == [TITLE] and info.title == TITLE


@pytest.mark.parametrize("label", ["标题", "名称"])
def test_a_labelled_title_field_names_the_page_when_no_title_line_is_printed(label):
    info = read(f"{label}:{TITLE}\n发布日期:2023-03-07\n{BODY}")
    assert (info.title, info.publish_date, info.meta) == (TITLE, "2023-03-07", {})


def test_an_empty_title_field_and_other_fields_are_not_a_title():
    info = read(f"标题:\n索引号:123\n{BODY}")
    assert info.title is None and info.meta == {"索引号": "123"}
    assert info.warnings == ["title: no title line printed on the page (title left null)", NO_DATE]


def test_other_page_fields_are_kept_without_dates_sources_and_empty_values():
    info = read(f"{TITLE}\n发布日期:2023-03-07\n来源:示例市司法局\n索引号:0001\n发文字号:\n{BODY}")
    assert (info.publish_date, info.source_org, info.meta) == ("2023-03-07", "示例市司法局", {"索引号": "0001"})


def test_a_label_on_its_own_line_above_the_title_is_a_header_line_not_a_page_label():
    info = read(f"政策解读\n{TITLE}\n{BODY}")
    assert info.is_report and info.header_lines == ["政策解读", TITLE]
    glued = read(f"【政策解读】{TITLE}\n{BODY}")  # printed before the title on its line: what the page is
    assert not glued.is_report and glued.not_report_reason == "interpretation of a report, not the report"


# --- the HTML's page fields --------------------------------------------------------------------------

FIELDS = {
    "title": TITLE + "_示例市人民政府",
    "publish_date": "2023-03-07",
    "source": "示例市司法局",
    "breadcrumb": ["首页", "政务公开"],
}


def test_the_html_page_fields_fill_what_the_page_does_not_print():
    info = read(BODY, page_fields=FIELDS)
    assert (info.title, info.publish_date, info.source_org, info.breadcrumb) == (
        TITLE,
        "2023-03-07",
        "示例市司法局",
        ["首页", "政务公开"],
    )
    assert info.warnings == ["title taken from the page metadata, not from printed lines"]


def test_printed_values_win_over_the_html_page_fields():
    info = read(f"首页 > 通知\n{TITLE}\n发布日期:2023-03-08\n来源:甲\n{BODY}", page_fields=FIELDS)
    assert (info.title, info.publish_date, info.source_org, info.breadcrumb) == (
        TITLE,
        "2023-03-08",
        "甲",
        ["首页", "通知"],
    )


def test_a_page_without_a_date_says_so():
    assert read(f"{TITLE}\n{BODY}").warnings == [NO_DATE]


@pytest.mark.parametrize("foot", ["\n发布日期:2023-03-07", "\n\n发布日期:2023-03-07\n"])
def test_a_labelled_date_ending_the_page_is_its_publish_date_not_body(foot):
    # found by mutation testing: without chrome after it, the line stayed in the body and was never read
    info = read(f"{TITLE}\n{BODY}{foot}")
    assert (info.text, info.publish_date, info.warnings) == (BODY, "2023-03-07", [])


@pytest.mark.parametrize("foot", ["信息来源:示例市司法局", "上一篇:关于2021年法治政府建设情况的报告"])
def test_a_source_line_or_a_footer_ending_the_page_ends_the_body(foot):
    info = read(f"{TITLE}\n{BODY}\n{foot}")
    assert info.text == BODY
    assert info.source_org == ("示例市司法局" if "来源" in foot else None)


# --- where the body ends: chrome followed by more lines ------------------------------------------------


@pytest.mark.parametrize(
    "after, kept",
    [
        ("法治政府建设" * 6 + "法治政府", True),  # 40 characters without punctuation: prose, the chrome stays in
        ("法治政府建设" * 6 + "法治政", False),  # 39: not prose, the body ends at the chrome
        ("示例市人民政府", False),  # a site name under the chrome
    ],
)
def test_what_follows_chrome_decides_whether_the_body_ends_there(after, kept):
    info = read(f"{TITLE}\n{BODY}\n打印本页\n{after}\n关闭窗口")
    assert info.text == (f"{BODY}\n打印本页\n{after}" if kept else BODY)


def test_a_short_heading_opening_the_body_is_kept_when_chrome_follows_it():
    info = read(f"{TITLE}\n一、主要工作\n打印本页\n二、下一步\n关闭窗口")
    assert info.text == "一、主要工作"


# --- header lines with the title glued to page fields -------------------------------------------------


def test_a_dated_line_with_a_full_stop_above_the_title_does_not_end_the_header():
    info = read(f"发布日期:2023-03-07。\n{TITLE} 来源:示例市司法局\n{BODY}")
    assert (info.title, info.publish_date, info.source_org, info.header_lines) == (
        TITLE,
        "2023-03-07",
        "示例市司法局",
        [TITLE],
    )


def test_a_title_glued_to_its_date_deep_in_the_page_is_still_cut_from_it():
    crumb = "首页 > 政务公开 > 法治政府建设 > 工作动态 > 通知公告"
    info = read(f"{crumb}\n" + "栏目导航 " * 40 + f"\n{TITLE} 发布日期:2023-03-07\n{BODY}")
    assert (info.title, info.publish_date, info.header_lines, info.text) == (TITLE, "2023-03-07", [TITLE], BODY)
    assert info.breadcrumb == ["首页", "政务公开", "法治政府建设", "工作动态", "通知公告"]


def test_a_header_line_with_a_comma_is_not_cut_around_a_title():
    info = read(f"首页,政务公开 {TITLE}\n{BODY}")
    assert info.header_lines == [f"首页,政务公开 {TITLE}"] and info.text == BODY


def test_a_line_over_300_characters_is_not_cut_around_a_title():
    line = "政" * 300 + f" {TITLE} 打印本页"
    info = read(f"{line}\n{BODY}")
    assert info.text == f"{line}\n{BODY}" and info.title is None


# --- a page whose line breaks were lost ------------------------------------------------------------------


def test_a_flattened_page_is_cut_only_before_its_first_sentence():
    text = (
        f"首页 > 政务公开 > 法治政府建设 {TITLE} 发布时间:2023-03-07 {OPENING} 一、主要举措 全年办理案件35件。 打印本页"
    )
    info = read(text)
    assert (info.title, info.publish_date, info.breadcrumb) == (
        TITLE,
        "2023-03-07",
        ["首页", "政务公开", "法治政府建设"],
    )
    assert info.text == f"{OPENING} 一、主要举措 全年办理案件35件。 打印本页"  # the rest is one line, as printed


def test_a_flattened_page_keeps_bracketed_page_fields_whole():
    info = read(f"{TITLE} 【发布时间: 2023-03-07】 【来源: 示例市司法局】 {OPENING} 一、主要举措")
    assert (info.title, info.publish_date, info.source_org) == (TITLE, "2023-03-07", "示例市司法局")
    assert info.text == f"{OPENING} 一、主要举措"


def test_a_one_line_page_under_100_characters_is_not_cut():
    text = f"示例市人民政府 打印本页 {TITLE} 示例 {OPENING}"
    assert len(text) < 100
    info = read(text)
    assert (info.text, info.title) == (text, None)


def test_without_prose_the_body_starts_after_the_navigation_not_above_it():
    info = read("示例市人民政府\n首页 > 政务公开\n法治政府建设\n主要成效")
    assert (info.text, info.breadcrumb) == ("法治政府建设\n主要成效", ["首页", "政务公开"])


def test_a_site_bar_heading_the_page_is_navigation_even_glued_to_the_title():
    info = read(f"政策解读|示例市人民政府网 {TITLE}\n{BODY}")  # its words are not a label of the page
    assert info.is_report and (info.title, info.header_lines) == (TITLE, [TITLE])


@pytest.mark.parametrize("label", ["标题", "名称"])
def test_a_labelled_title_field_is_the_title_when_no_title_line_reads_as_one(label):
    info = read(f"{label}:示例市2022年法治政府建设工作总结\n发布日期:2023-03-07\n2022年,我市全面推进依法行政。")
    assert info.title == "示例市2022年法治政府建设工作总结"


@pytest.mark.parametrize("widget", ["2023年3月7日 农历二月十六", "2023年3月7日 星期二 农历癸卯年"])
def test_a_date_widget_with_the_lunar_date_is_chrome_not_the_publish_date(widget):
    assert page.classify(widget) == "chrome"
    info = read(f"{widget}\n{TITLE}\n{BODY}")
    assert (info.publish_date, info.header_lines, info.warnings) == (None, [TITLE], [NO_DATE])


@pytest.mark.parametrize("field", ["信息来源:示例市司法局", "索引号:123"])
def test_a_source_or_other_page_field_under_the_body_ends_it_with_what_follows(field):
    info = read(f"{TITLE}\n{BODY}\n{field}\n示例市人民政府")
    assert info.text == BODY


def test_a_flattened_page_is_cut_when_its_only_page_field_follows_the_title():
    info = read(f"{TITLE} 发布时间:2023-03-07 {OPENING} 一、主要举措 全年办理案件35件。")
    assert (info.title, info.publish_date, info.header_lines) == (TITLE, "2023-03-07", [TITLE])
    assert info.text == f"{OPENING} 一、主要举措 全年办理案件35件。"


def _flattened(length: int) -> str:
    """A one-line page of exactly ``length`` characters: title, page field and prose run together."""
    text = f"{TITLE} 发布时间:2023-03-07 {OPENING}"
    return text + "正" * (length - len(text))


def test_a_line_is_read_as_a_flattened_page_from_100_characters_and_half_the_page():
    assert read(_flattened(100)).title == TITLE
    assert read(_flattened(99)).title is None  # under 100 characters: one line as printed
    # from half the page's characters (the line break counts) on, not under it
    assert read(_flattened(100) + "\n" + "办" * 99).title == TITLE
    assert read(_flattened(100) + "\n" + "办" * 100).title == TITLE  # 100 of 201: half, rounded down
    assert read(_flattened(100) + "\n" + "办" * 101).title is None
    assert read("首页\n" + _flattened(100)).title == TITLE  # a line below another one
    assert read("首页\n" + _flattened(99)).title is None
    assert read("首页\n" + _flattened(100) + "\n" + "办" * 101).title is None


@pytest.mark.parametrize(
    "crumb", ["首页 >  政务公开 >  法治政府建设", "首页 / 政务公开 / 法治政府建设"], ids=["spaced", "slashes"]
)
def test_a_flattened_page_keeps_a_breadcrumb_whose_separators_stand_between_spaces(crumb):
    info = read(f"{crumb} {TITLE} 发布时间:2023-03-07 {OPENING}")
    assert (info.title, info.breadcrumb, info.header_lines) == (TITLE, ["首页", "政务公开", "法治政府建设"], [TITLE])


def test_a_header_line_of_300_characters_is_split_around_its_title_and_a_longer_one_is_not():
    tail = f" {TITLE} 打印本页"
    assert read("政" * (300 - len(tail)) + f"{tail}\n{BODY}").header_lines == [TITLE]
    assert read("政" * (301 - len(tail)) + f"{tail}\n{BODY}").title is None


@pytest.mark.parametrize("site", ["_示例市人民政府门户网站", "|示例县人民政府网", " —全网资源每日更新 www.example.com"])
def test_the_site_name_glued_after_a_title_is_chrome_not_a_header_line(site):
    info = read(f"{TITLE}{site}\n{BODY}")
    assert (info.title, info.header_lines) == (TITLE, [TITLE])


def test_a_look_alike_word_counts_only_as_a_label_printed_before_the_title_on_its_line():
    info = read(f"发布时间:2023-03-07 政策解读\n{TITLE}\n{BODY}")  # a line of its own above the title
    assert (info.is_report, info.publish_date) == (True, "2023-03-07")
    assert not read(f"【政策解读】{TITLE}\n{BODY}").is_report


def test_garble_and_bracket_depth_read_only_their_own_characters():
    assert page._strip_garble("? \t一、主要举措") == "一、主要举措"
    assert page._strip_garble("XML 格式") == "XML 格式"
    assert page._bracket_depth("【来源:X市】", 0, 5, 0) == 1  # an X inside brackets closes nothing
    assert page._bracket_depth("【来源:X市】", 0, 7, 0) == 0
