"""organs, rule by rule at its edges: the organs leading a title or header line (Party prefixes, the bare
委 of a Party committee, development-zone committees, townships, other organs, a government's general
office), the region chain of a title without organs, whole organ lines, and how the body names its author
(the opening subject, the balance of self-references, the level a 在…领导下 clause implies). Found by
mutation testing of flows/normalize/organs.py (docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.normalize import organs
from flows.normalize.organs import _Organ, _Self

CHAOYANG_GOV = _Organ("朝阳市人民政府", ["朝阳市"], "government")
CHAOYANG_PARTY = _Organ("朝阳市委", ["朝阳市"], "party")


@pytest.mark.parametrize(
    "line, found, chain, end",
    [
        # the long and the short Party prefix, 委员会 and 委
        ("中国共产党朝阳市委员会", [_Organ("中国共产党朝阳市委员会", ["朝阳市"], "party")], [], 11),
        (
            "中共朝阳市委员会 朝阳市人民政府",
            [_Organ("中共朝阳市委员会", ["朝阳市"], "party"), CHAOYANG_GOV],
            [],
            16,
        ),
        ("中共朝阳市委 朝阳市人民政府", [_Organ("中共朝阳市委", ["朝阳市"], "party"), CHAOYANG_GOV], [], 14),
        # a bare 委 after a place is its Party committee; a bare 委员会 is not
        ("朝阳市委、朝阳市人民政府", [CHAOYANG_PARTY, CHAOYANG_GOV], [], 12),
        ("朝阳市委员会", [], ["朝阳市"], 0),
        # a separator after the last organ is skipped, nothing is read past the end
        ("朝阳市委、朝阳市人民政府、", [CHAOYANG_PARTY, CHAOYANG_GOV], [], 13),
        # other organs of a place
        ("朝阳市人大常委会", [_Organ("朝阳市人大常委会", ["朝阳市"], "other")], [], 8),
        ("朝阳市人民法院", [_Organ("朝阳市人民法院", ["朝阳市"], "other")], [], 7),
        # a government's general office is a department, not the government
        (
            "朝阳市人民政府办公室",
            [_Organ("朝阳市人民政府办公室", ["朝阳市"], "department", "人民政府办公室")],
            [],
            10,
        ),
        (
            "合肥市人民政府办公厅",
            [_Organ("合肥市人民政府办公厅", ["合肥市"], "department", "人民政府办公厅")],
            [],
            10,
        ),
        ("朝阳市行政公署", [_Organ("朝阳市行政公署", ["朝阳市"], "government")], [], 7),
        # a department name holding 关于 or 年 is the start of a title
        ("朝阳市关于落实市委部署情况的报告", [], ["朝阳市"], 0),
        ("朝阳市年度法治政府建设工作领导小组办公室", [], ["朝阳市"], 0),
        # development zones: agencies of the city whose name or short name they start with
        (
            "乌鲁木齐经济技术开发区管委会",
            [_Organ("乌鲁木齐经济技术开发区管委会", ["乌鲁木齐市"], "department", "经济技术开发区管委会")],
            [],
            14,
        ),
        (
            "石家庄高新技术产业开发区管委会",
            [_Organ("石家庄高新技术产业开发区管委会", ["石家庄市"], "department", "高新技术产业开发区管委会")],
            [],
            15,
        ),
        (
            "朝阳市人民政府、合肥市经济技术开发区管委会",
            [CHAOYANG_GOV, _Organ("合肥市经济技术开发区管委会", ["合肥市"], "department", "经济技术开发区管委会")],
            [],
            21,
        ),
        ("中共合肥经济技术开发区管委会", [], [], 0),
        ("关于合肥经济技术开发区管委会2022年工作情况的报告", [], [], 0),
        ("今年合肥经济技术开发区管委会", [], [], 0),
        # townships and street offices: below the county their chain names
        (
            "长丰县和平镇人民政府",
            [_Organ("长丰县和平镇人民政府", ["长丰县"], "government", below_unit=True, township="和平镇")],
            [],
            10,
        ),
        (
            "和平镇办事处",
            [_Organ("和平镇办事处", [], "government", below_unit=True, township="和平镇")],
            [],
            6,
        ),
        ("中共和平镇人民政府", [], [], 0),
        ("关于和平镇人民政府2022年度法治政府建设工作情况的报告", [], [], 0),
        # no organ: the chain the title opens with, after 关于 and a year
        ("2022年朝阳市法治政府建设情况", [], ["朝阳市"], 0),
        ("关于2022年度 朝阳市法治政府建设情况的报告", [], ["朝阳市"], 0),
    ],
    ids=[
        "party-long-prefix",
        "party-committee",
        "party-wei",
        "bare-wei",
        "bare-weiyuanhui",
        "trailing-separator",
        "people-congress",
        "court",
        "general-office",
        "general-office-ting",
        "administrative-office",
        "department-with-guanyu",
        "department-with-nian",
        "zone-four-char-short",
        "zone-three-char-short",
        "zone-second-organ",
        "zone-with-party-prefix",
        "zone-with-guanyu",
        "zone-with-nian",
        "township-with-county",
        "street-office",
        "township-with-party-prefix",
        "township-with-guanyu",
        "bare-chain-after-year",
        "bare-chain-after-guanyu-and-year",
    ],
)
def test_organs_leading_a_line(line, found, chain, end):
    assert organs._parse_organs(line) == (found, chain, end)


@pytest.mark.parametrize(
    "line, whole",
    [
        ("朝阳市人民政府", [CHAOYANG_GOV]),
        ("  朝阳市人民政府文件  ", [CHAOYANG_GOV]),  # a red-header document head
        ("朝阳市人民政府关于", []),
        ("朝阳市人大常委会:", []),  # the addressee
        ("", []),
    ],
    ids=["organ", "document-head", "title-start", "addressee", "empty"],
)
def test_a_whole_organ_line(line, whole):
    assert organs._is_whole_organ_line(line) == whole


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("我局", _Self(kind="department")),
        ("?本厅", _Self(kind="department")),  # a garbled character before the subject
        ("我县", _Self(kind="government", char="县")),
        ("全市", _Self(kind="government", char="市")),
        ("本市司法局党组", _Self(kind="department", char="市")),
        ("吉林市委、市政府", _Self(kind="party", char="市", names=["吉林市"], joint=True)),
        ("广西壮族自治区党委和政府", _Self(kind="party", char="自治区", joint=True)),
        ("贤庠镇", _Self(kind="government", township="贤庠镇")),
        ("长丰县和平镇人民政府", _Self(kind="government", names=["长丰县"], township="和平镇")),
        ("朝阳区政府", _Self(kind="government", char="区", names=["朝阳区"], printed_gov="朝阳区")),
        ("自治区政府", _Self(kind="government", char="自治区")),
        ("我们", None),
    ],
    ids=[
        "own-bureau",
        "own-department-after-garble",
        "own-county",
        "whole-city",
        "own-city-bureau-party-group",
        "joint-with-place",
        "joint-autonomous-region",
        "township",
        "township-with-county",
        "government-with-place",
        "autonomous-region-government",
        "no-subject",
    ],
)
def test_the_opening_subject(subject, expected):
    assert organs._read_subject(subject) == expected


@pytest.mark.parametrize(
    "body, kind, char",
    [
        # 我/本 weigh 2, 全 weighs 1, a mention of a government 1
        ("全市我县", "government", "县"),
        ("我县全市全市全市", "government", "市"),
        ("全市全市全市我县", "government", "市"),
        ("全市我县我县", "government", "县"),
        ("全市区政府区政府", "government", "区"),
        ("全市全市全市区政府区政府", "government", "市"),
        # a department speaks when its self-references (3 each) outweigh the government mentions and
        # half the self-references
        ("我局。区政府区政府", "government", "区"),
        ("我局。区政府。全区", "department", "区"),
        # no self-reference: the level whose Party committee leads but whose government does not
        ("在市委的领导下,我们坚持依法行政", "government", "市"),
        ("在省委、省政府和市委的领导下,我们坚持依法行政", "government", "市"),
        ("在市委、市政府的领导下,我们坚持依法行政", None, None),
    ],
    ids=[
        "wo-outweighs-quan",
        "three-quan-outweigh-wo-first",
        "three-quan-outweigh-wo-last",
        "two-wo-outweigh-quan",
        "government-mentions-add-up",
        "quan-outweigh-government-mentions",
        "department-at-the-balance",
        "department-above-the-balance",
        "superior-party-committee",
        "lowest-superior-party-committee",
        "superior-government-too",
    ],
)
def test_the_balance_of_self_references(body, kind, char):
    found = organs._balance(body)
    assert (found.kind, found.char) == (kind, char)


def test_only_the_first_4000_characters_are_read_for_self_references():
    assert organs._read_self("," * 3998 + "我县").char == "县"
    assert organs._read_self("," * 3999 + "我县").char is None


def test_masked_clauses_keep_their_length():
    assert organs._mask("在省委领导下,我县", organs._SUPERIOR_CLAUSE_RE) == "      ,我县"
