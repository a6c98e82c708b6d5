"""url_places, rule by rule at its edges: the tokens of an address, the province of a provincial portal or
a provincial site platform, how strongly a token spells a unit (4 a parent + unit compound, 3 a full
spelling of four letters or more, 2 initials with the suffix, 1 bare initials or a token opening with
them) and the units an address names on its own. Found by mutation testing of
flows/normalize/url_places.py (docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.normalize import region_codes
from flows.normalize.url_places import url_place_score, url_province, url_regions, url_tokens


@pytest.mark.parametrize(
    "url, tokens",
    [
        (None, ()),
        ("", ()),
        ("laobian.gov.cn/xxgk/", ("laobian",)),  # no scheme
        ("http://WWW.HZXH.GOV.CN/Swlufeng/x1.html", ("hzxh", "swlufeng")),  # lower case, no tld, no www
        ("http://sub.laobian.gov.cn:8080/x_y/ab", ("sub", "laobian", "ab")),
        ("http://a.b/qd-sf/jxx/", ("qd", "sf", "jxx")),
        ("http://a1b.cn", ()),  # letter runs of two or more
        ("cn", ()),  # a single label is kept, and cn is never a place
        ("http://laobian.top/", ("laobian",)),  # the top-level domain of two labels is dropped
        ("laobian.top/abc", ("laobian", "abc")),
        ("/laobian/x.html", ("laobian",)),  # no host
    ],
    ids=[
        "none",
        "empty",
        "no-scheme",
        "case-and-tld",
        "port-and-underscore",
        "path-words",
        "digits",
        "one-label",
        "two-labels",
        "two-labels-no-scheme",
        "path-only",
    ],
)
def test_the_tokens_of_an_address(url, tokens):
    assert url_tokens(url) == tokens


@pytest.mark.parametrize(
    "url, province",
    [
        (None, None),
        ("", None),
        ("http://www.beijing.gov.cn/a", "北京市"),
        ("http://wsjkw.gd.gov.cn/a", "广东省"),
        ("gd.gov.cn/", "广东省"),
        ("http://www.foo.gov.cn/", None),
        ("gov.cn", None),
        ("http://x.com/art/2023/3/1/art_1229123456_123.html", "浙江省"),  # Zhejiang's site platform
        ("http://x.com/art/2023/3/1/art_1219123456_123.html", None),
    ],
    ids=["none", "empty", "portal", "department-of-portal", "no-scheme", "unknown", "bare-gov-cn", "platform", "other"],
)
def test_the_province_of_an_address(url, province):
    assert url_province(url) == province


def _unit(name: str) -> region_codes.Region:
    (region,) = region_codes.lookup(name, 2023)
    return region


@pytest.mark.parametrize(
    "name, tokens, score",
    [
        ("老边区", ("yklb",), 4.0),  # city initials + unit initials
        ("老边区", ("yingkoulaobian",), 4.0),
        ("老边区", ("yingkoushilaobian",), 4.0),  # the parent's full name
        ("老边区", ("ykslb",), 4.0),
        ("安溪县", ("anxi",), 3.0),  # a full spelling of four letters
        ("老边区", ("laobian",), 3.0),
        ("老边区", ("lbq", "laobian"), 3.0),  # the best token counts
        ("老边区", ("laobian", "lbq"), 3.0),
        ("老边区", ("lbq",), 2.0),
        ("乌鲁木齐县", ("wlmqx",), 2.0),
        ("老边区", ("lb",), 1.0),
        ("老边区", ("lbsf",), 1.0),
        ("老边区", ("lao",), 0.0),
        ("老边区", (), 0.0),
        ("青岛市", ("qingdao",), 3.0),
        ("青岛市", ("qd",), 1.0),
    ],
    ids=[
        "compound-initials",
        "compound-full",
        "compound-parent-full-name",
        "compound-parent-name-initials",
        "full-4-letters",
        "full",
        "full-after-initials",
        "full-before-initials",
        "initials-with-suffix",
        "initials-with-suffix-5",
        "bare-initials",
        "opening-initials",
        "partial-spelling",
        "no-tokens",
        "city-full",
        "city-initials",
    ],
)
def test_how_strongly_a_token_spells_a_unit(name, tokens, score):
    assert url_place_score(_unit(name), tokens) == score


@pytest.mark.parametrize(
    "tokens, regions",
    [
        (("laobian",), ["辽宁省营口市老边区"]),
        (("laobianqu",), ["辽宁省营口市老边区"]),
        (("yklaobian",), ["辽宁省营口市老边区"]),
        (("xlaobian",), []),
        (("wlmqx",), ["新疆维吾尔自治区乌鲁木齐市乌鲁木齐县"]),  # initials with the suffix, 4 letters or more
        (("akss",), ["新疆维吾尔自治区阿克苏地区阿克苏市"]),
        (
            ("zhaoyang", "cczy"),  # strongest first (a compound 4, a full spelling 3), then by code
            ["吉林省长春市朝阳区", "北京市朝阳区", "辽宁省朝阳市", "辽宁省朝阳市朝阳县", "云南省昭通市昭阳区"],
        ),
        (("jxx",), []),  # three letters
        (("qd",), []),
        (("xiangshan",), ["浙江省宁波市象山县", "安徽省淮北市相山区", "广西壮族自治区桂林市象山区"]),  # by code
    ],
    ids=[
        "full",
        "full-with-suffix",
        "compound",
        "unknown-prefix",
        "initials-5",
        "initials-4",
        "strongest-first",
        "initials-3",
        "bare-initials",
        "ties",
    ],
)
def test_the_units_an_address_names_on_its_own(tokens, regions):
    assert [r.full_name for r in url_regions(tokens, 2023)] == regions
