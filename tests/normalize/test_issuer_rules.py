"""regions.resolve_issuer, rule by rule on small pages written for each kind of input: the level a
self-reference gives when no unit is found, departments the body prints with their place or names by
their line of work, publishers, the registry's issuer hint against the body, organs of other kinds, and
the record ``as_dict`` gives (found by mutation testing of flows/normalize/regions.py, docs/MUTATION.md)."""

from __future__ import annotations

import functools

import issuer_pages
import pytest
from issuer_pages import BODY, INFERRED, suining_department, who

NO_PLACE = "no jurisdiction named on the page"
NO_ID = "no issuer id: neither a region code nor an issuer name"
resolve = functools.partial(issuer_pages.resolve, year=2022)  # the report year of most cases here


def test_as_dict_holds_every_field():
    info = resolve(title="朝阳市人民政府关于2022年法治政府建设情况的报告", subject="市政府")
    assert info.as_dict() == {
        "issuers": ["朝阳市人民政府"],
        "issuer": "朝阳市人民政府",
        "issuer_type": "government",
        "issuer_id": "211300-gov",
        "issuer_full_name": "朝阳市人民政府",
        "region_name": "辽宁省朝阳市",
        "region_code": "211300",
        "region_level": "city",
        "warnings": [],
    }


# --- nothing found: the level still comes from how the body names itself --------------------------------


@pytest.mark.parametrize(
    "subject, char, level",
    [("县政府", "县", "county"), ("旗政府", "旗", "county"), ("州政府", "州", "city"), ("我盟", "盟", "city")]
    + [("省政府", "省", "province")],
)
def test_a_self_reference_without_a_place_gives_the_level(subject, char, level):
    info = resolve(subject=subject)
    assert who(info) == ([], "government", None, None, level)
    assert info.warnings == [f"{NO_PLACE} (self-reference {char})", NO_ID]


def test_a_unit_with_no_successor_in_the_report_years_table_has_no_code_and_no_level():
    info = resolve(title="莱芜市人民政府关于2022年法治政府建设情况的报告", subject="市政府")
    assert who(info) == (["莱芜市人民政府"], "government", "name-莱芜市人民政府", None, None)
    assert info.warnings == [
        "莱芜市 is from the 2017 table, not 2022",
        "no unit of the 2022 table continues it; code left null",
        "issuer_id falls back to the issuer's name (no region code)",
    ]


# --- a department the body prints with its place ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, issuer",
    [
        # 我厅: a 厅, even where the same place's 局 is printed more often
        (
            "2022年,在省委、省政府的坚强领导下,我厅坚持依法行政。河北省生态环境厅印发要点,河北省生态环境局配合。"
            "河北省生态环境局",
            "河北省生态环境厅",
        ),
        (
            BODY.format(
                year=2022,
                subject="我局",
                extra="泉州市生态环境局印发要点。泉州市水利局配合。泉州市生态环境局开展培训。",
            ),
            "泉州市生态环境局",  # the most printed
        ),
        (
            BODY.format(
                year=2022, subject="我局", extra="泉州市关于印发局。泉州市2022年度工作局。泉州市生态环境局印发要点。"
            ),
            "泉州市生态环境局",  # 关于…, a year, a place are not department names
        ),
        (
            BODY.format(year=2022, subject="我局", extra="泉州市生态环境局印发要点。泉州生态环境局开展培训。"),
            "泉州市生态环境局",  # printed with the place's short name too
        ),
    ],
)
def test_the_department_is_the_one_printed_with_the_place(text, issuer):
    info = resolve(text=text)
    assert info.issuers == [issuer] and info.issuer_type == "department"
    assert info.warnings == [INFERRED + issuer]


def test_the_department_the_body_names_picks_among_the_printed_ones():
    info = resolve(subject="市市场监督管理局", extra="泉州市市场监管局印发要点。泉州市司法局配合。", year=2023)
    assert who(info)[:3] == (["泉州市市场监督管理局"], "department", "350500-dept-市场监督管理局")


# --- a department named by its line of work --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, department",
    [
        ("市场监管部门坚持依法行政。2022年,我局推进法治遂宁建设,全市市场监管系统开展培训。", "市场监督管理局"),  # at 0
        (
            "2022年,我局推进法治遂宁建设。全市司法行政系统开展培训,全市市场监管部门配合,司法行政领域改革,司法行政工作。",
            "司法局",  # the most named
        ),
        ("2022年,我局推进法治遂宁建设。全市生态环境系统开展培训。", "生态环境局"),
        ("2022年,我局推进法治遂宁建设。全市生态环境领域开展培训。", "生态环境局"),
        ("2022年,我局推进法治遂宁建设。全市生态环境工作开展。", "生态环境局"),
    ],
)
def test_a_department_named_by_its_line_of_work(text, department):
    info = resolve(text=text)
    assert who(info) == suining_department(department)


def test_a_department_without_a_place_or_a_name_has_no_issuer():
    info = resolve(text="2022年,我局坚持依法行政。全市司法行政系统开展培训。")
    assert who(info) == ([], "department", None, None, "department")
    assert info.warnings == [
        f"{NO_PLACE} (self-reference 市)",
        "the issuer is a department but its name is not on the page",
        NO_ID,
    ]


def test_a_township_whose_county_is_not_named_is_its_own_office():
    info = resolve(title="某某镇2023年度法治政府建设情况报告", subject="我镇", year=2023)
    assert who(info) == (["某某镇人民政府"], "government", "name-某某镇人民政府", None, "township")
    assert "某某镇 is a township whose county the page does not name" in info.warnings


@pytest.mark.parametrize(
    "extra, issuer",
    [
        ("北京市西城区人民政府印发要点。西城区人民政府办公室。", "北京市西城区人民政府"),  # equal counts: the longer
        (
            "西城区人民政府印发要点。西城区人民政府召开会议。北京市西城区人民政府。",
            "西城区人民政府",
        ),  # the most printed
    ],
)
def test_the_government_is_named_as_the_body_prints_it(extra, issuer):
    info = resolve(subject="区政府", extra=extra)
    assert who(info) == ([issuer], "government", "110102-gov", "北京市西城区", "county")


# --- the publisher of a report written as 我局 -------------------------------------------------------------

WE = "2023年,我局在县委、县政府的坚强领导下,坚持依法行政。"


@pytest.mark.parametrize(
    "title, source, text",
    [
        (None, "长丰县市场监督管理局", WE),  # no title: the publisher
        ("县市场监督管理局2023年度法治政府建设工作报告", "长丰县人民政府", "发布机构:长丰县市场监督管理局\n" + WE),
        ("县市场监督管理局2023年度法治政府建设工作报告", "长丰县司法局", "发布机构:长丰县市场监督管理局\n" + WE),
    ],
    ids=["no-title", "a-government-source-is-passed-over", "another-department-is-passed-over"],
)
def test_the_publisher_that_is_the_titles_department(title, source, text):
    info = resolve(title=title, source_org=source, text=text, year=2023)
    assert who(info) == (
        ["长丰县市场监督管理局"],
        "department",
        "340121-dept-市场监督管理局",
        "安徽省合肥市长丰县",
        "department",
    )


@pytest.mark.parametrize(
    "title",
    ["县司法局2023年度法治政府建设工作报告", "长丰县2023年法治政府建设情况报告"],
    ids=["another-department", "a-bare-jurisdiction"],
)
def test_a_publisher_is_not_the_issuer_of_a_title_naming_something_else(title):
    info = resolve(title=title, source_org="长丰县市场监督管理局", text=WE, year=2023)
    assert info.issuers == [] and info.issuer_id is None


# --- the registry's issuer hint against the body ----------------------------------------------------------


@pytest.mark.parametrize(
    "subject, hint, issuers",
    [
        ("我局", "长丰县司法局", ["长丰县司法局"]),
        ("我县", "长丰县人民政府", ["长丰县人民政府"]),
        ("我县", "中共长丰县委 长丰县人民政府", ["中共长丰县委", "长丰县人民政府"]),
    ],
)
def test_an_issuer_hint_the_body_agrees_with_is_the_issuer(subject, hint, issuers):
    info = resolve(subject=subject, issuer_hint=hint, year=2023)
    assert info.issuers == issuers and info.region_name == "安徽省合肥市长丰县" and info.warnings == []


@pytest.mark.parametrize(
    "subject, hint",
    [("县政府", "长丰县司法局"), ("我县", "东城区人民政府")],
    ids=["a-department-where-the-body-is-a-government", "a-district-where-the-body-says-wo-xian"],
)
def test_an_issuer_hint_the_body_contradicts_is_not_used(subject, hint):
    info = resolve(subject=subject, issuer_hint=hint, year=2023)
    assert who(info) == ([], "government", None, None, "county")
    assert info.warnings[0] == f"issuer_hint {hint!r} disagrees with the body's self-reference; not used"


def test_an_organ_that_is_neither_government_nor_department_is_other():
    info = resolve(title="长丰县人大常委会2023年度法治建设工作报告", year=2023)
    assert who(info) == (["长丰县人大常委会"], "other", "340121-other-人大常委会", "安徽省合肥市长丰县", "county")


# --- places the body mentions ---------------------------------------------------------------------------


def test_a_province_named_by_its_short_name_is_counted():
    info = resolve(subject="省政府", extra="推进法治川渝建设,四川、四川、重庆。")
    assert who(info) == (["四川省人民政府"], "government", "510000-gov", "四川省", "province")


def test_a_campaign_short_name_must_match_the_self_reference():
    info = resolve(subject="区政府", extra="奋力建设法治绍兴。")  # 绍兴 is a city, the body speaks as a 区
    assert who(info) == ([], "government", None, None, None)
    assert info.warnings == [f"{NO_PLACE} (self-reference 区)", NO_ID]


# --- warnings that say what the page left open -----------------------------------------------------------

T = "关于2022年法治政府建设情况的报告"


@pytest.mark.parametrize(
    "kwargs, warning",
    [
        ({"issuer_hint": "司法部门"}, "issuer_hint '司法部门' is not an organ name"),
        ({"region_hint": "火星市"}, "region_hint '火星市' names no unit of the 2022 table"),
    ],
)
def test_a_hint_that_names_nothing_is_reported_and_not_used(kwargs, warning):
    info = resolve(subject="区政府", **kwargs)
    assert who(info) == ([], "government", None, None, None)
    assert info.warnings == [warning, f"{NO_PLACE} (self-reference 区)", NO_ID]


def test_a_region_hint_the_page_disagrees_with_is_reported_one_naming_a_parent_is_not():
    info = resolve(title="朝阳市人民政府" + T, subject="市政府", region_hint="110105")
    assert who(info) == (["朝阳市人民政府"], "government", "211300-gov", "辽宁省朝阳市", "city")
    assert info.warnings == ["region_hint '110105' disagrees with the page (辽宁省朝阳市)"]
    parent = resolve(title="朝阳区人民政府" + T, subject="区政府", region_hint="110000")
    assert (parent.region_code, parent.warnings) == ("110105", [])


def test_one_mention_of_the_parent_settles_a_shared_district_name():
    info = resolve(title="朝阳区人民政府" + T, subject="区政府", extra="北京")
    assert (info.region_code, info.warnings) == ("110105", [])
    tied = resolve(title="朝阳区人民政府" + T, subject="区政府")
    assert tied.region_code is None and tied.warnings == [
        "ambiguous jurisdiction: 北京市朝阳区, 吉林省长春市朝阳区; code left null",
        "issuer_id falls back to the issuer's name (no region code)",
    ]


def test_a_joint_issuer_inferred_from_the_body_is_named_in_the_warning():
    info = resolve(subject="朝阳市委、市政府")
    assert info.issuers == ["中共朝阳市委", "朝阳市人民政府"]
    assert info.warnings == [INFERRED + "中共朝阳市委 朝阳市人民政府"]


@pytest.mark.parametrize(
    "text, warning",
    [
        ("2022年,全面推进法治政府建设,成效明显。", NO_PLACE),  # no self-reference at all
        (BODY.format(year=2022, subject="区委", extra=""), NO_PLACE),  # a Party committee alone
    ],
)
def test_an_issuer_of_unknown_type_is_other_with_a_warning(text, warning):
    info = resolve(text=text)
    assert who(info) == ([], "other", None, None, None)
    assert info.warnings == [warning, "issuer type unknown", NO_ID]


def test_a_chain_of_names_that_do_not_nest_names_no_unit():
    info = resolve(title="吉林省海淀区人民政府" + T, subject="区政府")
    assert who(info) == (["吉林省海淀区人民政府"], "government", "name-吉林省海淀区人民政府", None, None)
    assert info.warnings[0] == "吉林省海淀区 names no unit of the GB/T 2260 tables"


@pytest.mark.parametrize(
    "url, subject, region",
    [
        ("http://www.laobian.gov.cn/zwgk/t1.html", "区政府", "辽宁省营口市老边区"),
        ("http://www.jiangsu.gov.cn/art/1.html", "省政府", "江苏省"),
    ],
)
def test_a_place_named_only_by_the_url_is_used_with_a_warning(url, subject, region):
    info = resolve(subject=subject, url=url)
    assert info.region_name == region
    assert info.warnings[0] == f"jurisdiction named only by the url's spelling of a place ({region})"


def test_the_url_spelling_must_match_the_self_reference():
    info = resolve(subject="县政府", url="http://www.laobian.gov.cn/zwgk/t1.html")  # 老边 is a 区
    assert who(info) == ([], "government", None, None, "county")


def test_an_autonomous_region_taken_from_a_document_number():
    info = resolve(subject="自治区人民政府", extra="印发《实施方案》(桂政办发〔2022〕5号)。")
    assert who(info) == (["广西壮族自治区人民政府"], "government", "450000-gov", "广西壮族自治区", "province")
    assert info.warnings[0] == (
        "province 广西壮族自治区 taken from the url or a document number, not named as the author"
    )


@pytest.mark.parametrize(
    "title, issuer_id, level",
    [
        ("莱芜市司法局" + T, "name-莱芜市司法局", "department"),  # no government: the first issuer
        ("中共莱芜市委 莱芜市人民政府" + T, "name-莱芜市人民政府", None),  # the government's name
    ],
)
def test_without_a_code_the_id_falls_back_to_the_government_or_the_first_issuer(title, issuer_id, level):
    info = resolve(title=title, subject="我局" if "局" in title else "市委、市政府")
    assert (info.issuer_id, info.region_code, info.region_level) == (issuer_id, None, level)


@pytest.mark.parametrize(
    "title, subject, issuer, issuer_id",
    [
        ("清遠(yuǎn)市人民政府" + T, "市政府", "清遠市人民政府", "441800-gov"),
        ("广东省清遠(yuǎn)市教育局2022年法治政府建设工作报告", "我局", "广东省清遠市教育局", "441800-dept-教育局"),
    ],
)
def test_garbled_inline_pinyin_is_dropped_from_the_title(title, subject, issuer, issuer_id):
    info = resolve(title=title, subject=subject)
    assert (info.issuers, info.issuer_id, info.region_name, info.warnings) == ([issuer], issuer_id, "广东省清远市", [])
