"""flows.normalize.issuer_names at the edges of its rules: formal names of governments, Party committees and
departments, the full name of an issuer (found by mutation testing, docs/MUTATION.md)."""

from __future__ import annotations

import pytest

from flows.normalize import issuer_names
from flows.normalize.region_codes import region_by_code


def region(code: str):
    return region_by_code(code, 2022)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("232700", "大兴安岭地区行政公署"),  # a prefecture: its administrative office
        ("152500", "锡林郭勒盟行政公署"),  # a league
        ("211300", "朝阳市人民政府"),
        ("110105", "北京市朝阳区人民政府"),  # a district carries its city
        ("450000", "广西壮族自治区人民政府"),
    ],
    ids=["prefecture", "league", "city", "district", "region"],
)
def test_the_formal_name_of_a_government(code, name):
    assert issuer_names.government_name(region(code)) == name


@pytest.mark.parametrize(
    ("prefix", "name"),
    [
        ("朝阳市", "中共朝阳市委"),
        ("广西壮族自治区", "中共广西壮族自治区委员会"),
        ("黔东南苗族侗族自治州", "中共黔东南苗族侗族自治州委员会"),
        ("长丰县", "中共长丰县委"),
    ],
    ids=["city", "autonomous-region", "autonomous-prefecture", "county"],
)
def test_the_formal_name_of_a_party_committee(prefix, name):
    assert issuer_names.party_name(prefix) == name


@pytest.mark.parametrize(
    ("printed", "formal"),
    [
        ("市场监管局", "市场监督管理局"),
        ("长丰县人力资源社会保障局", "长丰县人力资源和社会保障局"),
        ("卫生健康委", "卫生健康委员会"),
        ("发展改革委", "发展和改革委员会"),
        ("教育委", "教育委员会"),  # listed
        ("教科体委", "教科体委员会"),  # not listed: from four characters ending in 委, a commission
        ("民族宗教委", "民族宗教委员会"),
        ("体育委", "体育委"),  # three: too short to tell
        ("农委", "农委"),
        ("市委", "市委"),  # a Party committee, not a commission
        ("司法局", "司法局"),
    ],
    ids=["short", "prefixed", "health", "development", "listed", "four", "five", "three", "two", "party", "unchanged"],
)
def test_a_departments_formal_name(printed, formal):
    assert issuer_names.formal_department(printed) == formal


@pytest.mark.parametrize(
    ("code", "department", "expected"),
    [
        ("211300", "市交通运输局", "交通运输局"),
        ("211300", "市司法局", "司法局"),  # four characters: the level character goes
        ("211300", "市农委", "市农委"),  # three: it stays
        ("211300", "市场监督管理局", "市场监督管理局"),  # 市场 is the department's own word
        ("211300", "市市场监督管理局", "市场监督管理局"),
        ("110105", "区司法局", "司法局"),
        ("110105", "市司法局", "市司法局"),  # another level's character
    ],
    ids=["city", "four", "three", "market", "city-market", "district", "other-level"],
)
def test_the_level_character_before_a_department(code, department, expected):
    assert issuer_names.without_level_char(department, region(code)) == expected


def test_a_line_of_work_names_its_department_either_way_round():
    assert issuer_names.department_for_system("司法行政", "county") == "司法局"
    assert issuer_names.department_for_system("全市司法行政", "province") == "司法厅"  # the system ends with a key
    assert issuer_names.department_for_system("监管", "city") == "市场监督管理局"  # a key ends with the system
    assert issuer_names.department_for_system("无此系统", "city") is None
    assert issuer_names.department_for_system("公安", "city") == "公安局"


def test_a_slug_keeps_letters_digits_and_han_only():
    assert issuer_names.slug(" 长丰县 人大-常委会_(2023)") == "长丰县人大常委会2023"


def test_the_full_name_of_an_issuer():
    chaoyang = region("110105")
    assert issuer_names.full_name(None, "other", None, None, ["甲单位", "乙单位"]) == "甲单位 乙单位"
    assert issuer_names.full_name(None, "other", None, None, []) is None
    assert issuer_names.full_name(chaoyang, "department", "区司法局", None, []) == "北京市朝阳区司法局"
    assert issuer_names.full_name(chaoyang, "government", "区司法局", None, []) == "北京市朝阳区人民政府"
    assert issuer_names.full_name(chaoyang, "party_and_government", None, None, []) == (
        "中共北京市朝阳区委 北京市朝阳区人民政府"
    )
    assert issuer_names.full_name(chaoyang, "other", None, None, ["朝阳区人大常委会"]) == "朝阳区人大常委会"
    assert issuer_names.full_name(chaoyang, "other", None, None, ["甲单位", "乙单位"]) == "甲单位 乙单位"
    assert issuer_names.full_name(region("340121"), "government", None, None, []) == "合肥市长丰县人民政府"
    assert issuer_names.full_name(chaoyang, "other", None, "朝阳门街道", []) == "北京市朝阳区朝阳门街道办事处"
