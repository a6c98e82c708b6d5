"""title, rule by rule at its edges: which header lines may open a multi-line title, issuer lines, the
chrome that may follow a title on its line and the page structure that may precede it, where a title
starts after a glued prefix, site names, and the title segment of an HTML ``<title>``. Found by mutation
testing of flows/normalize/title.py (docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.normalize import title

REPORT = "2022年度朝阳市法治政府建设情况报告"
ABOUT = "关于2022年度法治政府建设情况的报告"
TWENTY = "甲乙丙丁戊己庚辛壬癸" * 2


@pytest.mark.parametrize(
    "folded, part",
    [
        ("甲" * 60, True),
        ("甲" * 61, False),  # over 60 characters: a paragraph
        ("朝阳市,法治", False),
        ("朝阳市。法治", False),
        ("朝阳市人民政府网", False),  # a site name
        ("朝阳市人民政府文件", False),  # a red document header
    ],
    ids=["60-chars", "61-chars", "comma", "full-stop", "site-name", "document-header"],
)
def test_what_may_open_a_multi_line_title(folded, part):
    assert title._title_part(folded) is part


@pytest.mark.parametrize(
    "line, organ",
    [
        ("朝阳市人大常委会", True),  # organs of the tables, whatever they end with
        ("朝阳市人民政府 关于", False),
        (f"{TWENTY[:-1]}局 {TWENTY[:-1]}局", True),  # short names ending like organs, 40 characters
        (f"{TWENTY[:-1]}局 甲{TWENTY[:-1]}局", False),  # 41 characters
        ("", False),
    ],
    ids=["organ-of-the-tables", "organ-then-words", "names-40-chars", "names-41-chars", "empty"],
)
def test_an_issuer_line(line, organ):
    assert title._is_organ_line(line) is organ


@pytest.mark.parametrize(
    "above, line, continues",
    [
        ("朝阳市坚持依法行政。", "情况报告", False),  # a sentence does not open a title
        ("朝阳市人民政府", "朝阳市人民政府关于2022年法治政府建设情况的报告", False),  # the title names its issuer
        ("中共朝阳市委", "朝阳市人民政府关于2022年法治政府建设情况的报告", True),  # the Party committee first
        ("朝阳市人民政府", ABOUT, True),
    ],
    ids=["sentence-above", "issuer-printed-twice", "party-before-government", "issuer-above-title"],
)
def test_an_issuer_line_goes_on_in_the_title_below(above, line, continues):
    assert title._continues(above, line) is continues


@pytest.mark.parametrize(
    "line, trimmed",
    [
        # chrome after the title
        (f"{REPORT} 字体:大 中 小", REPORT),
        (f"{REPORT} 首页 > 政务公开", REPORT),
        (f"{REPORT} 2024-03-01", REPORT),
        (f"{REPORT} 版权所有 朝阳市人民政府", REPORT),
        (f"{REPORT} 打印本页 关闭窗口", REPORT),
        # page structure before a title that opens with a year
        (f"工作动态 {REPORT}", REPORT),
        (f"朝阳市人民政府门户网站 {REPORT}", REPORT),
        (f"发布时间:2024-03-01 {REPORT}", REPORT),
        (f"字号:大 中 小 {REPORT}", REPORT),
        (f"今天是2024年3月1日 星期五 {REPORT}", REPORT),
        (f"法治政府建设 {REPORT}", f"法治政府建设 {REPORT}"),  # words that are not chrome: the title's own
        # a title starting one character in, after a separator or a bullet
        (">朝阳市2022年度法治政府建设情况报告", "朝阳市2022年度法治政府建设情况报告"),
        (f"●{ABOUT}", ABOUT),
        # 关于 glued to a prefix: the organ printed right before it, or the issuer written without a place
        (f"栏目朝阳市人民政府转发{ABOUT}", ABOUT),
        (f"首页>通知公告>市政府{ABOUT}", f"市政府{ABOUT}"),
    ],
    ids=[
        "tail-font-size",
        "tail-breadcrumb",
        "tail-date",
        "tail-footer",
        "tail-print-close",
        "column-name",
        "site-name",
        "labels",
        "font-size-widget",
        "date-widget",
        "not-chrome",
        "separator-then-place",
        "bullet-then-guanyu",
        "organ-not-before-guanyu",
        "issuer-without-place",
    ],
)
def test_the_title_inside_a_header_line(line, trimmed):
    assert title.trim_title(line) == trimmed


@pytest.mark.parametrize(
    "text, site",
    [("朝阳市人民政府门户网站", True), ("www.chaoyang.gov.cn", True), ("首页", True), ("朝阳市人民政府", False)],
    ids=["portal", "host", "home", "organ"],
)
def test_a_site_name(text, site):
    assert title.is_site_name(text) is site


@pytest.mark.parametrize(
    "html_title, cleaned",
    [
        (f"{REPORT}_朝阳市人民政府", REPORT),  # a title word without 关于
        ("关于2022年度法治政府建设_朝阳市人民政府", "关于2022年度法治政府建设"),  # 关于 without a title word
        ("工作情况报告_朝阳市人民政府", "工作情况报告"),  # six characters are enough
        ("工作报告_朝阳市人民政府", None),
        ("法治政府建设年度报告_关于2022年度朝阳市法治政府建设情况的报告", "关于2022年度朝阳市法治政府建设情况的报告"),
    ],
    ids=["title-word", "guanyu", "six-chars", "four-chars", "longest-segment"],
)
def test_the_title_segment_of_an_html_title(html_title, cleaned):
    assert title.clean_site_title(html_title) == cleaned


@pytest.mark.parametrize(
    "line, trimmed",
    [
        ("朝阳市人民政府网站 " + ABOUT, ABOUT),  # an organ followed by 网站 is a site name
        ("朝阳市人民政府 门户网站 " + ABOUT, ABOUT),
        ("朝阳市门户网站 2022年度法治政府建设情况报告", "2022年度法治政府建设情况报告"),  # a place followed by 门户网站
        ("栏目关于转发关于2022年度法治政府建设情况的报告的通知", "关于转发关于2022年度法治政府建设情况的报告的通知"),
    ],
    ids=["organ-site", "organ-portal", "place-portal", "first-guanyu"],
)
def test_a_site_name_before_the_title_is_not_its_start(line, trimmed):
    assert title.trim_title(line) == trimmed


@pytest.mark.parametrize(
    "block, printed",
    [
        (["2023年01月05日的工作报告"], None),  # a date line of 16 characters is not a title
        (["2023年01月05日工作情况报告"], "2023年01月05日工作情况报告"),  # 17
        (["朝阳市人民政府", "朝政发〔2023〕5号", ABOUT], ABOUT),  # a document number cuts the issuer off
        (["朝阳市人民政府", ABOUT], "朝阳市人民政府" + ABOUT),
        (["区人大常委会:", "法治政府建设情况报告"], "法治政府建设情况报告"),  # the addressee is not part of it
        (["朝政发〔2023〕5号", "法治政府建设情况报告"], "法治政府建设情况报告"),
        (["关于2022年度法治政府建设"], "关于2022年度法治政府建设"),  # 关于 opens a title without its ending
        (
            ["朝阳市人民政府", "关于2022年度  法治政府建设情况的报告"],
            "朝阳市人民政府关于2022年度 法治政府建设情况的报告",
        ),
    ],
    ids=[
        "date-16",
        "date-17",
        "document-number",
        "issuer-line",
        "addressee",
        "document-number-alone",
        "guanyu-only",
        "spaces",
    ],
)
def test_the_title_of_a_block_of_header_lines(block, printed):
    assert title._block_title(block) == printed


def test_a_later_block_wins_only_by_adding_the_issuer_in_front():
    assert title._pick_title([["首页"], [ABOUT], ["朝阳市人民政府" + ABOUT]]) == "朝阳市人民政府" + ABOUT
    assert title._pick_title([[ABOUT], ["法治政府建设工作报告"]]) == ABOUT


@pytest.mark.parametrize(
    "folded, addressee",
    [
        ("区人大常委会:", True),
        ("区人大常委会", False),
        ("区人大常委会。区政府:", False),
        ("朝阳,区政府:", False),
        ("区政府," * 29 + "区政府:", True),  # 120 characters
        ("各" + "区政府," * 29 + "区政府:", False),  # 121
    ],
    ids=["organ", "no-colon", "sentence", "part-not-organ", "120-chars", "121-chars"],
)
def test_an_addressee_line(folded, addressee):
    assert title._is_addressee(folded) is addressee


@pytest.mark.parametrize(
    "line, unwrapped",
    [
        ("《" + ABOUT + "》", ABOUT),
        ("《条例》实施情况的报告", "《条例》实施情况的报告"),
        ("《民法典》《条例》", "《民法典》《条例》"),
    ],
    ids=["wrapped", "book-title-first", "two-book-titles"],
)
def test_a_title_in_book_title_marks(line, unwrapped):
    assert title._unwrap_title(line) == unwrapped


def test_an_address_is_a_site_name():
    assert title.is_site_name("chaoyang.cn") and title.is_site_name("www.chaoyang")
