"""flows.normalize.dates at the edges of its rules: Chinese numeral dates, the printed text of a date, and
dates in page addresses (found by mutation testing, docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.normalize.dates import DateRead, parse_date, url_date


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("二〇二三年三月七日", "2023-03-07"),
        ("二〇二三年十月十日", "2023-10-10"),
        ("二〇二三年十二月二十日", "2023-12-20"),
        ("二〇二三年一月十五日", "2023-01-15"),
        ("二〇二三年五月三十一日", "2023-05-31"),
        ("二〇二三年三月二十九日", "2023-03-29"),
        ("二○二二年十一月三日", "2022-11-03"),
    ],
    ids=["units", "ten-ten", "twelve-twenty", "fifteen", "thirty-one", "twenty-nine", "circle-zero"],
)
def test_chinese_numeral_dates_read_their_tens_and_ones(printed, iso):
    assert parse_date(f"发布日期:{printed} 来源:本站") == DateRead(iso, printed, True)


def test_a_date_read_keeps_its_printed_text_and_an_impossible_one_is_not_valid():
    assert parse_date("时间：２０２３－０３－０７发布") == DateRead("2023-03-07", "２０２３－０３－０７", True)
    assert parse_date("2023年2月30日发布") == DateRead(None, "2023年2月30日", False)
    assert parse_date("二〇二三年二月三十日") == DateRead(None, "二〇二三年二月三十日", False)
    assert parse_date("见25.02.2016与2023-03-07") == DateRead("2016-02-25", "25.02.2016", True)  # the first printed
    assert parse_date("没有日期") is None
    # a typo that is no numeral: not a date, and no crash of the page's parse
    assert parse_date("二〇二三年十十月一日") == DateRead(None, "二〇二三年十十月一日", False)
    assert parse_date("二〇二三年三月十十日") == DateRead(None, "二〇二三年三月十十日", False)
    assert parse_date("二〇二三年一二月五日") == DateRead(None, "二〇二三年一二月五日", False)
    assert parse_date("二〇二三年三月一二十日") == DateRead(None, "二〇二三年三月一二十日", False)
    assert parse_date("二〇二三年三月十一二日") == DateRead(None, "二〇二三年三月十一二日", False)
    assert parse_date("二〇二三年三月一十一日") == DateRead(
        "2023-03-11", "二〇二三年三月一十一日", True
    )  # formal 一十一


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("http://www.x.gov.cn/20230307/a.html", "2023-03-07"),  # the date opens the path
        ("http://www.x.gov.cn/art/2023/3/7/art_1.html", "2023-03-07"),
        ("http://www.x.gov.cn/202303/t20230307_1.html", "2023-03-07"),
        ("http://www.x.gov.cn/2023-03/07/a.html", "2023-03-07"),
        ("www.x.gov.cn/2023/3/7/a.html", "2023-03-07"),  # no scheme
        ("http://www.x.gov.cn/a//2023/3/7/b.html", "2023-03-07"),  # // inside the path
        ("http://www.x.gov.cn/2023/3/7//a.html", "2023-03-07"),
        ("http://www.x.gov.cn/20231399/x/20230307/a.html", "2023-03-07"),  # an impossible date, then a real one
        ("http://t20230307_x.example.cn/news/a.html", None),  # the host is not the path
        ("http://t20230307_x.example.cn", None),
        ("http://www.x.gov.cn", None),
        ("http://www.x.gov.cn/news/a.html?d=/20230307/", "2023-03-07"),
        ("", None),
        (None, None),
    ],
    ids=[
        "path-start",
        "art",
        "tdate",
        "year-month-dir",
        "no-scheme",
        "double-slash",
        "double-slash-last",
        "impossible-first",
        "dated-host",
        "dated-host-alone",
        "no-path",
        "query",
        "empty",
        "none",
    ],
)
def test_the_date_a_page_address_holds_in_its_path(url, iso):
    assert url_date(url) == iso
