"""Kind 3 of issue 15 (issuer from the body) and the township level, each written as a rule and tested on
pages made for the kind: a province's government from its leadership clause, joint Party-government
subjects, departments completed with the place the page or its address names, ambiguous district names
settled by the url, a province or a parent (else null with the candidates in a warning), places spelled in
the url, townships, formal and full names."""

from __future__ import annotations

import pytest
from parsed_text import parse_text as parse

from flows.normalize.url_places import url_regions, url_tokens

TAIL = (
    "现将有关情况报告如下。\n一、主要举措和成效\n(一)加强党的领导。全面推进法治政府建设,依法行政水平不断提升。\n"
    "二、存在的问题\n法治政府建设还有短板。"
)


def who(document: dict) -> tuple:
    return (" ".join(document["issuers"]), document["region_name"], document["region_level"])


@pytest.mark.parametrize(
    "opening, expected",
    [
        (
            "2023年,在党中央、国务院和省委的正确领导下,全省深入贯彻习近平法治思想,法治湖南建设迈出坚实步伐。",
            ("湖南省人民政府", "湖南省", "province"),
        ),
        (
            "2023年,在党中央、国务院和自治区党委的坚强领导下,自治区人民政府坚持以习近平法治思想为指导,法治广西建设取得新成效。",
            ("广西壮族自治区人民政府", "广西壮族自治区", "province"),
        ),
        (
            "2023年,在市委的坚强领导下,市政府坚持以习近平法治思想为指导,全面推进法治株洲建设。",
            ("株洲市人民政府", "湖南省株洲市", "city"),
        ),
    ],
    ids=["province-leadership-clause", "autonomous-region", "city-government"],
)
def test_a_government_is_read_from_the_body_with_its_place(opening, expected):
    assert who(parse(opening + TAIL)) == expected


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("绍兴市委、市政府", "中共绍兴市委 绍兴市人民政府"),
        ("绍兴市委市政府", "中共绍兴市委 绍兴市人民政府"),
        ("绍兴市委和市政府", "中共绍兴市委 绍兴市人民政府"),
        ("绍兴市党委和政府", "中共绍兴市委 绍兴市人民政府"),
    ],
)
def test_a_joint_party_government_report_is_read_from_its_subject(subject, expected):
    document = parse(f"2023年,{subject}坚持以习近平法治思想为指导,全面推进法治政府建设。" + TAIL)
    assert document["issuer_type"] == "party_and_government"
    assert " ".join(document["issuers"]) == expected
    assert document["issuer_full_name"] == expected


def test_an_autonomous_regions_party_committee_is_written_in_full():
    document = parse("2023年,自治区党委和政府坚持以习近平法治思想为指导,法治宁夏建设取得新成效。" + TAIL)
    assert document["issuers"] == ["中共宁夏回族自治区委员会", "宁夏回族自治区人民政府"]


@pytest.mark.parametrize(
    "text, url",
    [
        ("2023年,市市场监管局坚持以习近平法治思想为指导,全面推进法治绍兴建设。我局全年办结案件100件。", None),
        (
            "2023年,市市场监管局坚持以习近平法治思想为指导,全面推进法治政府建设。我局全年办结案件100件。",
            "http://scjgj.sx.gov.cn/art/2024/3/1/art_1229000001_1.html",
        ),
        (
            "2023年,市市场监管局坚持以习近平法治思想为指导,全面推进法治政府建设。我局全年办结案件100件。",
            "http://www.shaoxing.gov.cn/art/2024/3/1/art_1229000001_1.html",
        ),
    ],
    ids=["city-in-the-page", "city-abbreviated-in-the-host", "city-in-the-host"],
)
def test_a_department_is_completed_with_its_city(text, url):
    document = parse(text + TAIL, url)
    if url and "scjgj.sx." in url:
        # sx is 绍兴, 宿迁, 随州 …: initials alone name no place; the department is left without its city
        assert document["region_name"] is None
        return
    assert who(document) == ("绍兴市市场监督管理局", "浙江省绍兴市", "department")
    assert document["issuer_full_name"] == "绍兴市市场监督管理局"
    assert document["issuer_id"].endswith("-dept-市场监督管理局")


@pytest.mark.parametrize(
    "text, url, region",
    [
        ("全面推进法治政府建设。", "http://www.bjchy.gov.cn/zwgk/202403/t20240301_1.html", "北京市朝阳区"),
        ("全面推进法治政府建设。", "http://www.beijing.gov.cn/zwgk/202403/t20240301_1.html", "北京市朝阳区"),
        ("深入推进法治吉林建设。", None, "吉林省长春市朝阳区"),
        ("认真落实长春市委、市政府部署。", None, "吉林省长春市朝阳区"),
    ],
    ids=["url-host-spelling", "provincial-portal", "province-in-the-page", "parent-city-in-the-page"],
)
def test_an_ambiguous_district_is_settled_by_what_else_the_page_says(text, url, region):
    document = parse(f"2023年,朝阳区坚持以习近平法治思想为指导,{text}" + TAIL, url)
    assert document["region_name"] == region and document["region_level"] == "county"


def test_an_ambiguous_district_left_open_names_its_candidates():
    document = parse(
        "2023年,朝阳区坚持以习近平法治思想为指导,全面推进法治政府建设。" + TAIL, "http://mirror.example.com/a/1.html"
    )
    assert document["region_name"] is None and document["region_code"] is None
    assert any("北京市朝阳区" in w and "吉林省长春市朝阳区" in w for w in document["warnings"])


@pytest.mark.parametrize(
    "url, region",
    [
        ("http://www.laobian.gov.cn/003/003004/20260226/x.html", "辽宁省营口市老边区"),
        ("https://www.hzxh.gov.cn/art/2023/2/10/art_1229346873_59025931.html", "浙江省杭州市西湖区"),
        ("http://taobao833.com/swlufeng/zwgk/content/post_891189.html", "广东省汕尾市陆丰市"),
        ("http://www.qzlj.gov.cn/zwgk/202601/t20260122_1.htm", "福建省泉州市洛江区"),
    ],
    ids=["full-spelling", "city-and-district-initials", "mirror-path", "initials-compound"],
)
def test_places_spelled_in_the_url(url, region):
    assert [r.full_name for r in url_regions(url_tokens(url), 2023)][:1] == [region]


def test_a_page_that_names_no_place_is_placed_by_its_url_with_a_warning():
    document = parse(
        "2023年,我区坚持以习近平法治思想为指导,全面推进法治政府建设。" + TAIL, "http://www.laobian.gov.cn/1/x.html"
    )
    assert who(document) == ("营口市老边区人民政府", "辽宁省营口市老边区", "county")
    assert any("url" in w for w in document["warnings"])


def test_initials_alone_name_no_place_but_settle_a_parent():
    assert url_regions(url_tokens("http://www.example.com/qdsf/fzzfjs/1.html"), 2023) == []
    document = parse(
        "2023年,我市认真贯彻党的二十大精神,平度市获评法治政府建设示范县。" + TAIL,
        "https://example.com/qdsf/fzzfjs/szf_fzzfjs/202111/t20211111_1",
    )
    assert who(document) == ("青岛市人民政府", "山东省青岛市", "city")


@pytest.mark.parametrize(
    "title, url, region, issuer",
    [
        ("和平镇人民政府关于2023年度法治政府建设情况的报告", None, None, "和平镇人民政府"),
        (
            "长兴县和平镇人民政府2023年度法治政府建设情况报告",
            None,
            "浙江省湖州市长兴县和平镇",
            "长兴县和平镇人民政府",
        ),
        (
            "留下街道2022年度法治政府建设工作报告",
            "https://www.hzxh.gov.cn/art/2023/2/10/art_1229346873_59025931.html",
            "浙江省杭州市西湖区留下街道",
            "杭州市西湖区留下街道办事处",
        ),
        (
            "贤庠镇人民政府关于2022年度法治政府建设情况的报告",
            "http://www.xiangshan.gov.cn/art/2023/2/21/art_1229682928_4183931.html",
            "浙江省宁波市象山县贤庠镇",
            "贤庠镇人民政府",
        ),
    ],
    ids=["no-county-named", "county-printed", "street-by-url", "town-by-url-and-platform"],
)
def test_townships_are_a_level_of_their_own_with_the_countys_code(title, url, region, issuer):
    document = parse(f"{title}\n2023年,我镇坚持以习近平法治思想为指导,全面推进法治政府建设。" + TAIL, url)
    assert document["region_level"] == "township"
    assert document["region_name"] == region
    assert " ".join(document["issuers"]) == issuer
    if region:
        county = region[: region.index("县") + 1] if "县" in region else region[: region.index("区") + 1]
        assert document["region_code"] is not None and len(document["region_code"]) == 6
        assert document["issuer_full_name"].startswith(county.split("省", 1)[1][:3])
    else:
        assert document["region_code"] is None
        assert any("township" in w for w in document["warnings"])


def test_a_department_is_named_formally_with_its_place():
    document = parse(
        "2022年,省卫生健康委坚持以习近平法治思想为指导,全面推进法治政府建设。" + TAIL, "http://wsjkw.gd.gov.cn/x/1.html"
    )
    assert who(document) == ("广东省卫生健康委员会", "广东省", "department")
    document = parse(
        "关于2017年度法治政府建设情况的报告\n省政府法制办:\n2017年,我厅按照省政府法治政府建设工作安排部署,"
        "印发《河北省环境保护厅重大行政执法决定法制审核规定》。" + TAIL
    )
    assert who(document) == ("河北省环境保护厅", "河北省", "department")


def test_a_department_named_by_its_line_of_work_and_a_document_numbers_province():
    document = parse(
        "根据省依法办《关于规范报送2019年法治政府建设情况报告的通知》(苏依法办〔2019〕5号)要求,现将我局2019年度"
        "法治政府建设情况报告如下:\n一、全面依法履行部门职能\n(一)市场主体准入更加便利。我省率先整合市场监管部门,"
        "全省市场主体总量突破千万户。"
    )
    assert who(document) == ("江苏省市场监督管理局", "江苏省", "department")


def test_the_body_printing_the_full_government_name_is_used():
    document = parse(
        "2023年,西城区坚持以习近平法治思想为指导,持续推进法治政府建设。《2023年西城区人民政府重大行政决策事项目录》"
        "在区人民政府网站公开。" + TAIL
    )
    assert document["issuers"] == ["西城区人民政府"]
    assert document["issuer_full_name"] == "北京市西城区人民政府"
