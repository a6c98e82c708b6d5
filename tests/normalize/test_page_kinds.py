"""The kinds of failure on real captured pages (issue 15), each written as a rule and tested here on
pages made for the kind, several realizations each, never on a corpus page: chrome glued to the title,
a site name as the HTML title, dates and sources in odd places, look-alikes, traditional-script mirrors
with garbled inline pinyin."""

from __future__ import annotations

import pytest
from parsed_text import parse_text as parse

from flows.core.textnorm import clean_text
from flows.normalize import page

TITLE = "株洲市人民政府关于2023年法治政府建设情况的报告"
BODY = (
    "2023年,市政府坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新成效。现将有关情况报告如下。\n"
    "一、主要举措和成效\n"
    "(一)依法全面履行政府职能。全年取消行政许可事项12项,法治政府建设考核位居全省前列。\n"
    "二、下一步打算\n"
    "持续深化法治政府建设。"
)


def read(text: str, **kwargs) -> page.PageInfo:
    return page.read_page(clean_text(text), **kwargs)


# ----------------------------------------------------------------------------------------------
# Kind 1: chrome glued to the title on the same line


@pytest.mark.parametrize(
    "line",
    [
        f"您所在的位置:首页 > 政务公开 > 工作报告 {TITLE}",
        f"当前位置：首页 » 信息公开 » {TITLE}",
        f"首页 -> 政务公开 -> 其他政府信息 -> {TITLE}",
        f"今天是:2019年10月31日 星期三 农历十月初七 {TITLE}",
        f"通知公告 {TITLE}",
        f"区内新闻{TITLE}",
        f"{TITLE} Copyright © 2024 株洲市人民政府 湘ICP备12345号 网站标识码4302000001 湘公网安备43020202000123号",
        f"栏目:通知公告 发布时间:2024-03-01 {TITLE}",
        f"{TITLE}—全网资源每日更新 www.wenku88.com",
        f"{TITLE}_株洲市人民政府门户网站",
        f"{TITLE}{TITLE}",
        f"{TITLE} {TITLE}",
        f"《{TITLE}》是株洲市人民政府于2024年3月发布的通知",
        f"《{TITLE}》是株洲市人民政府于2024年3月发布的通知。",
    ],
    ids=[
        "breadcrumb",
        "breadcrumb-fullwidth",
        "breadcrumb-arrows",
        "date-widget",
        "column-name",
        "column-name-glued",
        "footer",
        "labels",
        "mirror-banner",
        "site-suffix",
        "printed-twice",
        "printed-twice-spaced",
        "sentence-about-the-title",
        "sentence-about-the-title-full-stop",
    ],
)
def test_chrome_glued_to_the_title_is_not_the_title(line):
    info = read(f"{line}\n{BODY}")
    assert info.title == TITLE
    assert info.is_report, info.warnings


@pytest.mark.parametrize(
    "line, title",
    [
        ("法治政府建设 2022年度报告", "法治政府建设 2022年度报告"),  # words before a year are the title's
        ("通知公告 2022年度法治政府建设情况报告", "2022年度法治政府建设情况报告"),  # a column name is not
        ("首页 > 信息公开 > 2022年度法治政府建设情况报告", "2022年度法治政府建设情况报告"),
    ],
)
def test_only_chrome_is_cut_before_a_title_that_opens_with_its_year(line, title):
    assert read(f"{line}\n{BODY}").title == title


def test_chrome_glued_to_the_title_keeps_its_page_fields():
    info = read(f"{TITLE} 发布时间:2024-03-01 10:00 来源:市司法局 【字体:大 中 小】\n{BODY}")
    assert (info.title, info.publish_date, info.source_org) == (TITLE, "2024-03-01", "市司法局")
    info = read(f"您现在的位置:首页 > 政务公开 > {TITLE}\n{BODY}")
    assert info.breadcrumb == ["首页", "政务公开", TITLE] and info.title == TITLE


@pytest.mark.parametrize(
    "head",
    [
        "法治政府建设\n\n西安市2023年法治政府建设情况的报告",  # a column name above a title that opens by itself
        "当前位置: 首页\n>政府信息公开>法定主动公开内容\n\n西安市2023年法治政府建设情况的报告",  # breadcrumb on two lines
        "首页\n> 政务公开 > 政务专题 > 法治政府建设\n\n西安市2023年法治政府建设情况的报告",
        "文号:\n时效:\n\n西安市2023年法治政府建设情况的报告",  # labels with nothing after them
        "西安市2023年法治政府建设情况的报告\n| | | |",  # the remains of a table row
    ],
    ids=["column-line-above", "breadcrumb-two-lines", "home-then-crumbs", "empty-labels", "separator-row"],
)
def test_chrome_lines_above_a_title_are_not_joined_to_it(head):
    info = read(f"{head}\n{BODY}")
    assert info.title == "西安市2023年法治政府建设情况的报告"


def test_a_title_fragment_and_an_issuer_line_are_still_joined():
    info = read(f"贵州省2023年度法治政府建设工作\n情况报告\n{BODY}")
    assert info.title == "贵州省2023年度法治政府建设工作情况报告"
    info = read(
        f"惠委〔2026〕17号 签发人:张三 李四\n中共惠安县委 惠安县人民政府\n关于2025年度法治政府建设工作情况的报告\n{BODY}"
    )
    assert info.title == "中共惠安县委 惠安县人民政府关于2025年度法治政府建设工作情况的报告"
    info = read(f"中共寻乌县委员会\n寻乌县人民政府\n关于2023年度法治政府建设情况的报告\n{BODY}")
    assert info.title == "中共寻乌县委员会寻乌县人民政府关于2023年度法治政府建设情况的报告"


# ----------------------------------------------------------------------------------------------
# Kind 2: the <title> is the site's name


@pytest.mark.parametrize(
    "site_title",
    ["株洲市人民政府门户网站", "首页", "政府信息公开", "株洲市人民政府", "通知公告_株洲市人民政府", "株洲政府网"],
)
def test_a_site_name_is_never_the_title(site_title):
    info = read(BODY, page_fields={"title": site_title})
    assert info.title is None
    assert any(w.startswith("title:") for w in info.warnings)


def test_article_dash_site_gives_the_article():
    info = read(BODY, page_fields={"title": f"{TITLE} - 株洲市人民政府门户网站"})
    assert info.title == TITLE


# ----------------------------------------------------------------------------------------------
# Kind 4: dates and sources in odd places


@pytest.mark.parametrize(
    "lines, date, source",
    [
        ("陕西日报 2026-03-16 08:15", "2026-03-16", "陕西日报"),
        ("株洲日报 2024年03月01日", "2024-03-01", "株洲日报"),
        ("时间:2024-03-01", "2024-03-01", None),
        ("2024-03-01 10:12 来源:市司法局", "2024-03-01", "市司法局"),
        (
            "- 索 引 号:QZ030101-0200-2026-00002\n- 发布机构:株洲市人民政府\n- 公文生成日期:2026-01-16",
            "2026-01-16",
            None,
        ),
        ("• 公文生成日期:2026-01-16", "2026-01-16", None),
        (
            "索 引 号 | 11620300/2025-48086 | 主题分类 | 政务 |\n成文日期 | 2025-06-13 | 发布日期 | 2025-06-30 |",
            "2025-06-30",
            None,
        ),
        ("【来源:株洲市司法局 | 发布日期:2024-04-10 】", "2024-04-10", "株洲市司法局"),
    ],
    ids=[
        "media-timestamp",
        "paper-date",
        "time-label",
        "date-then-source",
        "bullet-list",
        "bullet",
        "pipe-table",
        "boxed",
    ],
)
def test_dates_and_sources_in_odd_places(lines, date, source):
    info = read(f"{TITLE}\n{lines}\n{BODY}")
    assert (info.title, info.publish_date, info.source_org) == (TITLE, date, source)


def test_a_date_only_in_the_url_is_a_flagged_hint_not_the_publish_date():
    info = read(f"{TITLE}\n{BODY}", url="http://www.zhuzhou.gov.cn/c1/202403/t20240307_1.html")
    assert info.publish_date is None
    assert any(w.startswith("publish_date_from_url: 2024-03-07") for w in info.warnings)
    info = read(f"{TITLE}\n发布日期:2024-03-08\n{BODY}", url="http://www.zhuzhou.gov.cn/c1/202403/t20240307_1.html")
    assert info.publish_date == "2024-03-08" and not any("publish_date_from_url" in w for w in info.warnings)


def test_a_date_widget_is_never_the_publish_date():
    info = read(f"今天是:2019年10月31日 星期三 农历十月初七\n{TITLE}\n{BODY}")
    assert info.publish_date is None and info.title == TITLE


# ----------------------------------------------------------------------------------------------
# Kind 5: look-alikes


LOOKALIKES = {
    "white-paper": ("株洲市法治政府建设白皮书(2023)\n" + BODY, "white paper"),
    "meeting-topic": ("常务会议议题解读:关于2023年度法治建设工作情况的汇报\n" + BODY, "interpretation"),
    "policy-interpretation": (
        "【政策解读】关于《株洲市人民政府关于2023年法治政府建设情况的报告》的政策解读\n一、背景依据\n"
        "为全面贯彻落实法治政府建设要求,市政府编写了《报告》。\n二、主要内容\n报告共分三部分,总结法治政府建设成效。",
        "interpretation",
    ),
    "disclosure-report": (
        "株洲市司法局2023年政府信息公开工作年度报告\n本报告根据《中华人民共和国政府信息公开条例》编制。\n"
        "一、总体情况\n2023年,我局主动公开法治政府建设信息120条。",
        "disclosure",
    ),
    "work-points": (
        "株洲市2024年法治政府建设工作要点\n2024年全市法治政府建设工作要坚持以习近平法治思想为指导。\n"
        "一、加强党的领导\n(一)深入学习贯彻习近平法治思想,推进法治政府建设。",
        "plan",
    ),
    "news-about-a-report": (
        "3月5日,市长主持召开市政府常务会议,审议并原则通过《株洲市人民政府关于2023年法治政府建设情况的报告》。"
        "会议指出,一年来全市法治政府建设取得新成效,依法行政水平不断提升。",
        None,
    ),
    "news-item": (
        "我市召开法治政府建设工作推进会\n本报讯 3月5日,我市召开法治政府建设工作推进会,听取法治政府建设情况的汇报。",
        None,
    ),
    "shufa-report": (
        "株洲市司法局局长2023年度述法报告\n2023年,本人认真履行推进法治建设第一责任人职责。现将述法情况报告如下。\n"
        "一、学法用法情况\n全年参加法治政府建设学法12次。",
        "述法",
    ),
    "assessment-notice": (
        "关于开展2023年度法治政府建设考核工作的通知\n各区县人民政府,市直各单位:\n"
        "为推动法治政府建设,现就开展2023年度考核工作通知如下。\n一、考核对象\n各区县政府。",
        None,
    ),
    "assessment-results": (
        "关于2023年度法治政府建设考核结果的通报\n各区县人民政府,市直各单位:\n按照考核办法,现将考核结果通报如下:\n"
        "一、优秀等次\n株洲市天元区。",
        "assessment",
    ),
    "document-share-template": (
        "- 约1.95万字\n- 约 19页\n- 举报\n天津法治政府建设方案模板\n一、天津法治政府建设的背景与意义\n1.1国家战略背景",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(LOOKALIKES))
def test_lookalikes_are_rejected_with_a_reason(name):
    text, reason = LOOKALIKES[name]
    document = parse(text)
    assert document["is_report"] is False
    assert document["not_report_reason"]
    if reason:
        assert reason in document["not_report_reason"]


@pytest.mark.parametrize(
    "title",
    [
        TITLE,
        "株洲市2023年法治政府建设工作总结及2024年工作计划",
        "株洲市2023年度法治政府建设年度报告",
        "关于《法治政府建设实施纲要》落实情况暨2023年法治政府建设情况的报告",
    ],
)
def test_reports_stay_reports(title):
    document = parse(f"通知公告 {title}\n{BODY}")
    assert document["is_report"] is True and document["not_report_reason"] is None


def test_words_of_look_alikes_inside_a_reports_body_do_not_reject_it():
    body = BODY.replace(
        "全年取消行政许可事项12项,",
        "畅通投诉举报渠道,严格落实《中华人民共和国政府信息公开条例》,在中国政法大学(法治政府研究院)评估中位居前列,",
    )
    document = parse(f"{TITLE}\n{body}")
    assert document["is_report"] is True, document["not_report_reason"]


# ----------------------------------------------------------------------------------------------
# Kind 6: traditional-script mirrors with garbled inline pinyin


def test_a_traditional_mirror_with_inline_pinyin_reads_like_the_original():
    text = (
        "株洲市人民政府關於2023年法治政府建設(shè)情況的報告\n"
        "2023年,市政府堅(jiān)持以習(xí)近平法治思想為指導(dǎo),全面推進(jìn)依法行政,法治政府建設(shè)取得新成效。"
        "現(xiàn)將有關(guān)情況報告如下。\n一、主要舉(jǔ)措和成效\n(一)依法全面履行政府職能。全年取消行政許可事項12項。"
    )
    document = parse(text)
    assert document["is_report"] is True
    assert document["issuers"] == ["株洲市人民政府"] and document["region_name"] == "湖南省株洲市"
    assert document["report_year"] == 2023
