"""flows.normalize.chrome at the edges of its rules: separator-only lines, bars split by |, navigation rows,
date widgets, breadcrumbs that go on from the line above (found by mutation testing, docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.normalize.chrome import _is_chrome, _strip_line, parse_breadcrumb


@pytest.mark.parametrize(
    ("line", "is_chrome"),
    [
        ("", False),
        ("| " * 20, True),  # separators only, 40 characters
        ("|" * 41, False),  # 41: a rule of the page, not a bar's remains
        ("| | ，", False),  # a character that is no separator
        ("政务公开|互动交流|" + "政" * 6, True),  # every part of a |-bar at most 6 characters
        ("政务公开|互动交流|" + "政" * 7, False),
        ("示例市人民政府网|" + "政" * 20, True),  # a site part: parts up to 20 characters
        ("示例市人民政府网|" + "政" * 21, False),
        ("示例市人民政府网|说明。", False),  # a sentence in a part
        ("首页|", False),  # an empty part
        ("示例市人民政府网|政务", True),
        ("首页 政务公开 政务服务 互动交流", True),  # a navigation row: four short Han tokens
        ("首页 政务公开 政务服务 互动交流平台", True),  # six characters a token
        ("首页 政务公开 政务服务 互动交流服务台", False),  # seven
        ("首页 政务公开 政务服务 App", False),
        ("首页 政务公开 政务服务", False),  # three tokens
        ("今天是2023年3月7日 星期二 10:30", True),  # a date widget
        ("今天是2023年3月7日 星期二 10:30 天气晴朗", False),
        ("打印本页 关闭窗口", True),
        ("打印本页 关闭窗口 说明文字", False),
    ],
    ids=[f"case{i:02d}" for i in range(20)],
)
def test_chrome_lines_at_the_edges_of_their_rules(line, is_chrome):
    assert _is_chrome(line) is is_chrome


def test_bullets_are_stripped_from_a_line_start_only():
    assert _strip_line(" • 首页 ") == "首页"
    assert _strip_line("首页 •") == "首页 •"
    assert _strip_line("* 一、总体情况") == "一、总体情况"


@pytest.mark.parametrize(
    ("line", "items"),
    [
        ("> 政务公开 > 法治政府建设", ["政务公开", "法治政府建设"]),  # goes on from the line above
        ("> 法治政府建设", ["法治政府建设"]),
        ("> 一二三四五六七八九十一二", ["一二三四五六七八九十一二"]),  # 12 characters: an item alone
        ("> 一二三四五六七八九十一二三", None),  # 13 without a separator: not a breadcrumb
        ("—> 政务公开 > 法治", ["政务公开", "法治"]),  # a two-character opener and a space
        ("--> 政务公开 > 法治", ["政务公开", "法治"]),
        ("------>     政务公开 > 法治", ["政务公开", "法治"]),  # however long the opener and its spaces
        ("• 首页 > 政务公开", ["首页", "政务公开"]),  # a bullet before the home item
        ("首页 > 政务公开 >", ["首页", "政务公开"]),
        ("当前位置: 首页 > 政务公开 > 正文", ["首页", "政务公开"]),
        ("首页" + " > 栏目" * 11, ["首页"] + ["栏目"] * 11),  # twelve items
        ("首页" + " > 栏目" * 12, None),  # thirteen: not a breadcrumb
        ("政务公开 > 法治", None),  # no label, no home item, not going on
    ],
    ids=[f"crumb{i:02d}" for i in range(13)],
)
def test_breadcrumbs_at_the_edges_of_their_rules(line, items):
    assert parse_breadcrumb(line) == items


def test_a_breadcrumb_label_then_items_after_a_separator_in_the_label_line():
    assert parse_breadcrumb("当前位置:首页/政务公开") == ["首页", "政务公开"]
    assert parse_breadcrumb("当前位置:> 首页 > 政务公开") == ["首页", "政务公开"]  # the label is no item
    assert parse_breadcrumb("/ 首页 / 政务公开") is None  # a slash cannot open a continuation line
