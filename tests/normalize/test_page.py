"""page.read_page: chrome, header block, title, publish date, source, report year, is_report.

Unit tests use small pages written here; the corpus test scores the gold corpus and prints the
per-field accuracy table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.core.config import load_settings
from flows.core.textnorm import clean_text, nfkc_compact
from flows.normalize import dates, page, page_fields

BODY = (
    "2022年,我市坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新成效。现将有关情况报告如下。\n"
    "一、主要举措和成效\n"
    "(一)依法全面履行政府职能。全年取消行政许可事项12项。\n"
    "二、下一步打算\n"
    "持续深化法治政府建设。"
)


def read(text: str, **kwargs) -> page.PageInfo:
    return page.read_page(clean_text(text), **kwargs)


# ----------------------------------------------------------------------------------------------
# Chrome and the body


@pytest.mark.parametrize(
    "line, items",
    [
        ("您现在的位置:首页 > 要闻动态>通知公告", ["首页", "要闻动态", "通知公告"]),
        ("当前位置:首页 > 政务公开 > 规划计划", ["首页", "政务公开", "规划计划"]),
        (
            "您当前的位置: 首页>政务公开>法治政府建设年度报告 > 2022年法治政府建设年度报告",
            ["首页", "政务公开", "法治政府建设年度报告", "2022年法治政府建设年度报告"],
        ),
        ("首页/ 公开 / 法定主动公开内容 / 区政府文件 / 正文", ["首页", "公开", "法定主动公开内容", "区政府文件"]),
        ("首页 >> 信息公开 >> 总结报告 >> 正文", ["首页", "信息公开", "总结报告"]),
        ("首页→ 网站公告", ["首页", "网站公告"]),
        ("您现在的位置：首页 ＞ 政务公开", ["首页", "政务公开"]),  # full-width colon and >
    ],
)
def test_breadcrumb_variants_are_read_and_kept_out_of_the_body(line, items):
    info = read(f"{line}\n关于2022年法治政府建设情况的报告\n{BODY}")
    assert info.breadcrumb == items
    assert info.text == BODY
    assert info.title == "关于2022年法治政府建设情况的报告"


@pytest.mark.parametrize(
    "chrome",
    [
        "打印本页 关闭窗口",
        "【打印】 【关闭】",
        "字体【大中小】",
        "【字体:大 中 小】",
        "字号:",
        "字号: T | T",
        "分享到:",
        "分享到: 微信 微博 QQ空间",
        "浏览量:1024",
        "点击数: 88",
        "  • 浏览量:",
        "  • 字体【      】",
        "今天是:2019年10月31日 星期三",
        "中国政府网|重庆市人民政府网",
        "首页 政务公开 政务服务 互动交流",
        "索引号: l379250-0303-2021-0002 主题分类:",
        "文件编号: 有效性: 有效",
        "公开范围: 面向全社会 公开方式: 主动公开",
    ],
)
def test_header_chrome_is_not_title_header_or_body(chrome):
    text = f"{chrome}\n关于2022年法治政府建设情况的报告\n{chrome}\n\n{BODY}"
    info = read(text)
    assert info.text == BODY
    assert info.title == "关于2022年法治政府建设情况的报告"
    assert info.header_lines == ["关于2022年法治政府建设情况的报告"]


def test_trailing_chrome_and_footer_are_cut_and_source_is_read_from_the_foot():
    text = (
        f"关于2022年法治政府建设情况的报告\n发布日期:2023-03-07\n\n{BODY}\n\n中共示例市委 示例市人民政府\n2023年3月1日\n"
        "  \n\n\n打印本页关闭窗口\n信息来源:示例市司法局\n上一篇:关于2021年法治政府建设情况的报告\n"
        "版权所有:示例市人民政府 网站标识码:1234000001 示ICP备12345678号"
    )
    info = read(text)
    assert info.text == BODY + "\n\n中共示例市委 示例市人民政府\n2023年3月1日"  # the signature stays
    assert info.source_org == "示例市司法局"
    assert "打印" not in info.text and "版权" not in info.text


def test_body_is_a_verbatim_slice_of_the_input_at_body_start():
    text = clean_text(f"首页 > 通知公告\n关于2022年法治政府建设情况的报告\n发布时间:2023-03-07\n\n  {BODY}\n\n打印本页")
    info = page.read_page(text)
    assert info.text.startswith("2022年,我市")
    assert text[info.body_start : info.body_start + len(info.text)] == info.text


def test_garbled_question_mark_indentation_becomes_full_width_spaces_with_a_warning():
    lines = BODY.split("\n")
    text = "\n".join("??" + line for line in lines)
    info = read(text)
    assert info.text.startswith("2022年,我市")  # the body start is clean
    assert "\n\u3000\u3000一、主要举措和成效\n" in info.text  # headings are not polluted by '?'
    assert "?" not in info.text
    assert len(info.text) == len(text) - 2  # length-preserving repair: offsets stay valid
    assert any("garbled indentation" in w for w in info.warnings)


# ----------------------------------------------------------------------------------------------
# Title


def test_two_line_title_is_joined_and_a_repeated_block_counted_once():
    text = (
        "中共海南省委 海南省人民政府\n关于2022年法治政府建设情况的报告\n"
        "2023-03-27 17:05 来源: 海南省人民政府网 【字体:   打印\n\n"
        "中共海南省委 海南省人民政府\n关于2022年法治政府建设情况的报告\n\n\n" + BODY
    )
    info = read(text)
    assert info.title == "中共海南省委 海南省人民政府关于2022年法治政府建设情况的报告"
    assert info.header_lines == ["中共海南省委 海南省人民政府", "关于2022年法治政府建设情况的报告"]
    assert info.publish_date == "2023-03-27"
    assert info.source_org == "海南省人民政府网"


def test_issuer_block_below_a_short_page_title_gives_the_full_title_and_the_addressee_is_a_header_line():
    text = (
        "首页/ 公开 / 区政府文件 / 正文\n\n关于2025年法治政府建设情况的报告\n\n来源:示例区人民政府 发布时间:2026-03-16 17:46\n\n"
        "示例区人民政府\n\n关于2025年法治政府建设情况的报告\n\n区人大常委会:\n\n" + BODY.replace("2022", "2025")
    )
    info = read(text)
    assert info.title == "示例区人民政府关于2025年法治政府建设情况的报告"
    assert info.header_lines[-3:] == ["示例区人民政府", "关于2025年法治政府建设情况的报告", "区人大常委会:"]
    assert info.source_org == "示例区人民政府"
    assert info.publish_date == "2026-03-16"
    assert info.report_year == 2025
    assert info.text.startswith("2025年,我市")


def test_no_printed_title_gives_null_not_the_first_sentence():
    info = read(BODY)
    assert info.title is None
    assert info.text == BODY
    assert info.header_lines == []


def test_site_name_above_the_breadcrumb_is_navigation():
    info = read(
        f"法制查询\n \n 首页→ 网站公告\n \n石家庄市人民政府关于2016年度法治政府建设情况的报告\n发布时间:2017年02月28日\n{BODY}"
    )
    assert info.title == "石家庄市人民政府关于2016年度法治政府建设情况的报告"
    assert "法制查询" not in info.header_lines


def test_page_metadata_title_is_used_without_its_site_suffix_when_nothing_is_printed():
    info = read(BODY, page_fields={"title": "关于2022年法治政府建设情况的报告_通知公告_朝阳市人民政府"})
    assert info.title == "关于2022年法治政府建设情况的报告"
    assert any("metadata" in w for w in info.warnings)


def test_notice_title_over_three_lines_with_document_number():
    text = (
        "西政办〔2020〕20号\n西平县人民政府办公室\n关于印发西平县2020年度法治政府建设\n工作安排的通知\n"
        "各乡镇人民政府,各街道办事处,县直有关单位:\n《西平县2020年度法治政府建设工作安排》已经县政府同意,现印发给你们,请认真贯彻执行。"
    )
    info = read(text)
    assert info.title == "西平县人民政府办公室关于印发西平县2020年度法治政府建设工作安排的通知"
    assert "各乡镇人民政府,各街道办事处,县直有关单位:" in info.header_lines
    assert info.is_report is False


# ----------------------------------------------------------------------------------------------
# Publish date and source


@pytest.mark.parametrize(
    "meta, date",
    [
        ("发布时间:2023-01-18 13:21 信息来源:示例市市场监督管理局 点击数: 字号: T | T", "2023-01-18"),
        ("发布日期:2023-03-07", "2023-03-07"),
        ("时间 : 2023-03-31 11:33:28 来源 : 本网", "2023-03-31"),
        ("日期:2023-02-14", "2023-02-14"),
        ("更新时间:2022/6/9", "2022-06-09"),
        ("发布机构: 南昌县人民政府 生成日期: 2021-03-15", "2021-03-15"),
        ("2023-03-31 17:05:00 来源: 海口市司法局 打印", "2023-03-31"),
        ("发布时间:2017年02月28日", "2017-02-28"),
        ("25.02.2016  10:00", "2016-02-25"),
        ("发布日期：２０２３年３月７日", "2023-03-07"),
        ("发布日期:二〇二三年三月七日", "2023-03-07"),
    ],
)
def test_publish_date_variants(meta, date):
    info = read(f"关于2022年法治政府建设情况的报告\n{meta}\n\n{BODY}")
    assert info.publish_date == date
    assert info.text == BODY


def test_date_widget_and_body_dates_are_never_the_publish_date():
    text = f"今天是:2019年10月31日 星期三\n关于2022年法治政府建设情况的报告\n{BODY}\n2023年3月1日"
    info = read(text)
    assert info.publish_date is None
    assert info.report_year == 2022


def test_published_date_wins_over_generated_date():
    text = f"生成日期: 2021-03-10\n关于2022年法治政府建设情况的报告\n发布时间:2021-03-15\n{BODY}"
    assert read(text).publish_date == "2021-03-15"


def test_impossible_date_is_null_with_a_warning():
    info = read(f"关于2022年法治政府建设情况的报告\n发布日期:2023-02-30\n{BODY}")
    assert info.publish_date is None
    assert any("impossible publish date" in w for w in info.warnings)


@pytest.mark.parametrize(
    "meta, source",
    [
        ("来源:示例市司法局", "示例市司法局"),
        ("信息来源:示例市司法局 浏览次数:5", "示例市司法局"),
        ("文章来源 : 示例日报  作者:张三", "示例日报"),
        ("稿件来源：示例县融媒体中心", "示例县融媒体中心"),
        ("发布时间:2023-01-18 来源:", None),
        ("发布时间:2023-01-18", None),
    ],
)
def test_source_variants(meta, source):
    assert read(f"关于2022年法治政府建设情况的报告\n{meta}\n{BODY}").source_org == source


def test_prose_with_a_source_word_is_not_a_source_line():
    info = read(BODY.replace("持续深化法治政府建设。", "资金来源:财政拨款。"))
    assert info.source_org is None


# ----------------------------------------------------------------------------------------------
# Report year


@pytest.mark.parametrize(
    "title, body, year",
    [
        ("关于2022年法治政府建设情况的报告", BODY.replace("2022年,", "今年,"), 2022),
        ("南昌县政府2020年度法治政府建设工作报告", BODY, 2020),
        ("厦门市海沧区政府2015年推进依法行政工作情况及2016年工作打算", BODY, 2015),
        (None, "2019年,在省委、省政府的正确领导下,全县法治政府建设迈上新台阶。", 2019),
        (None, "2016年以来,在省委的正确领导下,我市深入推进依法行政。", 2016),
        (None, "根据有关规定要求,现将省政府2023年度法治政府建设情况报告如下。\n一、主要工作", 2023),
        (None, "在市委领导下,现将2023年度法治政府建设工作情况报告如下:\n一、主要工作", 2023),
    ],
)
def test_report_year_from_title_then_body_opening(title, body, year):
    text = f"{title}\n{body}" if title else body
    assert read(text).report_year == year


def test_report_year_ignores_plan_ranges_in_the_opening():
    body = "认真贯彻《法治政府建设实施纲要(2021-2025年)》,现将2022年法治政府建设情况报告如下。"
    assert read(body).report_year == 2022


def test_report_year_falls_back_to_publish_year_minus_one_with_a_warning():
    info = read("法治政府建设情况报告\n发布日期:2024-03-01\n我市坚持依法行政,法治政府建设取得新成效。")
    assert info.report_year == 2023
    assert any("publish year minus one" in w for w in info.warnings)


# ----------------------------------------------------------------------------------------------
# is_report


@pytest.mark.parametrize(
    "text, why",
    [
        (
            "为深入贯彻落实《法治政府建设实施纲要(2021—2025年)》精神,结合本市实际,制定本方案。\n一、健全政府机构职能体系\n法治政府建设。",
            "implementation plan",
        ),
        (
            "2023年区法治政府建设工作情况报告\n时间:2023-05-07 17:15:05 公文范文 来源:网友投稿\n"
            "下面是小编为大家整理的2023年区法治政府建设工作情况报告,供大家参考。\n" + BODY,
            "template essay",
        ),
        (
            "河南省人民政府关于2021年度法治政府建设情况的报告\nEnglish title (machine-translated)\n"
            "Henan Provincial People's Government Report on the Situation of Building a Rule of Law Government in 2021.\n"
            "Published\n2022-03-29\nType\nLaw, regulation or policy\nSummary\n"
            "In 2021, under the correct leadership of the Central Committee, the provincial government at all levels "
            "adhered to the rule of law and accelerated the construction of a rule-of-law government.",
            "English",
        ),
        (
            "示例市2023年法治政府建设工作要点\n2023年是全面贯彻党的二十大精神的开局之年。全市法治政府建设工作要点如下:\n一、加强党的领导",
            "title",
        ),
        ("关于2022年法治政府建设情况的报告政策解读\n" + BODY, "title"),
        ("在全市法治政府建设工作会议上的讲话\n同志们:\n今天召开会议,主要任务是部署法治政府建设工作。", "title"),
        (
            "市政府常务会议审议《2022年法治政府建设情况报告》\n本报讯 记者 张三 日前,市政府召开常务会议,审议法治政府建设情况报告。",
            "title",
        ),
        ("本网讯 近日,市司法局总结2022年法治政府建设情况,法治政府建设取得新成效。法治政府建设…", "news"),
    ],
)
def test_pages_that_are_not_annual_reports(text, why):
    info = read(text)
    assert info.is_report is False, why
    assert any(w.startswith("not an annual report") for w in info.warnings)


def test_older_rule_by_law_work_report_is_a_report():
    text = (
        "示例县人民政府2014年依法行政工作情况报告\n2014年,我县全面推进依法行政,加快建设法治政府。现将有关情况报告如下:"
    )
    info = read(text)
    assert info.is_report is True
    assert info.report_year == 2014


def test_untitled_report_body_is_a_report():
    assert read(BODY).is_report is True


def test_template_cue_does_not_fire_on_demonstration_words():
    body = BODY.replace("持续深化法治政府建设。", "创建全国法治政府建设示范文明单位。")
    assert read(body).is_report is True


# ----------------------------------------------------------------------------------------------
# The gold corpus

FIELDS = (
    ("title", "title"),
    ("publish_date", "publish_date"),
    ("source_org", "source"),
    ("report_year", "report_year"),
)


def _corpus() -> Path:
    corpus = load_settings().corpus_dir
    if not (corpus / "dev").is_dir():
        pytest.skip(f"gold corpus not found at {corpus} (set FAZHI_CORPUS_DIR)")
    return corpus


def _key(value):
    return None if value is None else nfkc_compact(str(value))


def test_seed_page_fields_and_body_exactly():
    corpus = _corpus()
    text = clean_text((corpus / "seed" / "chaoyang-2022.txt").read_text(encoding="utf-8"))
    gold = json.loads((corpus / "seed" / "chaoyang-2022.gold.json").read_text(encoding="utf-8"))
    info = page.read_page(text, url=gold["url"])
    assert info.title == "中共朝阳市委 朝阳市人民政府 关于2022年法治政府建设情况的报告" == gold["title"]
    assert info.publish_date == "2023-03-07" == gold["publish_date"]
    assert info.source_org == "朝阳市司法局" == gold["source"]
    assert info.breadcrumb == ["首页", "要闻动态", "通知公告"] == gold["breadcrumb"]
    assert info.report_year == 2022 == gold["report_year"]
    assert info.is_report is True
    assert info.text.startswith("2022年,朝阳市委、市政府坚持")
    assert info.text.endswith("全面提升全市法治政府建设水平。")
    for chrome in ("打印本页", "关闭窗口", "信息来源", "您现在的位置", "发布日期"):
        assert chrome not in info.text
    assert text[info.body_start : info.body_start + len(info.text)] == info.text
    # gold metric offsets point into the captured file: shifted by body_start they land in our body
    assert gold["metrics"]
    for metric in gold["metrics"]:
        start, end = metric["start"] - info.body_start, metric["end"] - info.body_start
        assert info.text[start:end] == metric["span"]


def test_corpus_accuracy_floors(capsys):
    corpus = _corpus()
    hits = {name: 0 for name, _ in FIELDS}
    misses = []
    docs = sorted((corpus / "dev").glob("d*.json"))
    for path in docs:
        doc = json.loads(path.read_text(encoding="utf-8"))
        info = page.read_page(clean_text(doc["text"]), url=doc["url"])
        for name, gold_name in FIELDS:
            if _key(getattr(info, name)) == _key(doc["gold"][gold_name]):
                hits[name] += 1
            else:
                misses.append(f"{path.stem} {name}: {getattr(info, name)!r} != {doc['gold'][gold_name]!r}")
        assert info.is_report is True, path.stem
    negatives = sorted((corpus / "dev-negatives").glob("n*.json"))
    for path in negatives:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert page.read_page(clean_text(doc["text"]), url=doc["url"]).is_report is False, path.stem
    with capsys.disabled():
        print(f"\npage fields on {len(docs)} dev reports:")
        for name, _ in FIELDS:
            print(f"  {name:<13} {hits[name]}/{len(docs)} = {hits[name] / len(docs):.3f}")
        print(
            f"  is_report     {len(docs)}/{len(docs)} reports true, {len(negatives)}/{len(negatives)} negatives false"
        )
        for miss in misses:
            print("  miss:", miss)
    assert len(docs) >= 27 and len(negatives) >= 4
    for name, _ in FIELDS:
        assert hits[name] / len(docs) >= 0.97, (name, misses)


def test_spaced_out_info_table_labels_and_title_field():
    text = (
        "索 引 号：000014349/2023-00012\n发文机关：示例市人民政府\n"
        "标　　题：示例市人民政府关于2022年法治政府建设情况的报告\n发布日期：2023-03-01\n" + BODY
    )
    info = read(text)
    assert info.title == "示例市人民政府关于2022年法治政府建设情况的报告"
    assert info.publish_date == "2023-03-01"
    assert info.meta["索引号"] == "000014349/2023-00012" and info.meta["发文机关"] == "示例市人民政府"
    assert info.text == BODY


def test_weekday_date_above_the_title_is_a_widget_below_it_a_publish_date():
    above = read(f"2019年10月31日 星期四\n关于2022年法治政府建设情况的报告\n{BODY}")
    below = read(f"关于2022年法治政府建设情况的报告\n2023年03月07日 星期二\n{BODY}")
    assert above.publish_date is None
    assert below.publish_date == "2023-03-07"


def test_report_year_from_dated_national_events_as_a_last_resort():
    body = "一、深入学习贯彻习近平法治思想\n(一)将习近平法治思想作为主题教育的重要内容,推动法治政府建设走深走实。"
    info = read(body)
    assert info.report_year == 2023
    assert any("dated national event" in w for w in info.warnings)
    older = read("一、加强组织领导\n(一)开展“不忘初心、牢记使命”主题教育,推进法治政府建设。")
    assert older.report_year == 2019


PIECES = [
    "\n",
    " ",
    "??",
    "首页 > ",
    "来源:",
    "发布时间:",
    "2023-02-30",
    "2023年3月7日",
    "今天是",
    "星期三",
    "打印本页",
    "关于2022年法治政府建设情况的报告",
    "一、",
    "(一)",
    "。",
    ",",
    ":",
    "区人大常委会:",
    "25.02.2016",
    "|",
    "【字体:",
    "法治政府建设",
    "现将2022年度法治政府建设情况报告如下",
    "English text.",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=40))
def test_any_text_reads_without_error_and_the_body_is_a_slice(parts):
    text = clean_text("".join(parts))
    info = page.read_page(text)
    original = text[info.body_start : info.body_start + len(info.text)]
    assert len(original) == len(info.text)
    assert all(a == b or (a in "?？" and b == "\u3000") for a, b in zip(original, info.text))
    assert info.publish_date is None or len(info.publish_date) == 10


# ----------------------------------------------------------------------------------------------
# Layouts found by the generalization set (tests/fixtures/generalization)


def test_bracketed_page_fields_are_read():
    info = read(
        "XX市交通运输局关于2023年度法治政府建设情况的报告\n"
        "【发布时间：2024年3月15日】【来源：XX市交通运输局】【字号：大 中 小】\n\n" + BODY
    )
    assert (info.publish_date, info.source_org) == ("2024-03-15", "XX市交通运输局")
    boxed = read(
        "XX县人民政府关于2016年度依法行政工作情况的报告\n[ 2017-03-06 ]　[ 来源：县法制办 ]　[ 字号 大 中 小 ]\n\n"
        + BODY
    )
    assert (boxed.publish_date, boxed.source_org) == ("2017-03-06", "县法制办")


def test_title_in_book_title_marks_is_the_title_without_them():
    info = read("《XX市交通运输局关于2023年度法治政府建设情况的报告》\n发布时间：2024-03-15\n\n" + BODY)
    assert info.title == "XX市交通运输局关于2023年度法治政府建设情况的报告"


def test_red_header_and_document_number_never_join_the_title():
    info = read(
        "平和县人民政府文件\n平政〔2024〕12号\n平和县人民政府关于2023年度法治政府建设情况的报告\n县人大常委会：\n"
        + BODY
    )
    assert info.title == "平和县人民政府关于2023年度法治政府建设情况的报告"
    split = read("XX市人民政府关于2023年度法治政府\n建设情况的报告\n发布日期：2024-03-27\n\n" + BODY)
    assert split.title == "XX市人民政府关于2023年度法治政府建设情况的报告"


def test_page_without_line_breaks_is_read_as_its_lines():
    text = (
        "首页 > 信息公开 > 法治政府建设 XX市人民政府2023年法治政府建设情况报告 发布时间：2024-03-25 来源：XX市司法局 "
        "【字体：大 中 小】 2023年，市政府坚持以习近平新时代中国特色社会主义思想为指导，扎实推进法治政府建设。"
        "现将有关情况报告如下： 一、坚持党的领导，统筹推进法治政府建设 （一）强化组织领导。市政府常务会议专题研究法治政府建设工作5次。"
    )
    info = read(text)
    assert info.title == "XX市人民政府2023年法治政府建设情况报告"
    assert (info.publish_date, info.source_org, info.report_year) == ("2024-03-25", "XX市司法局", 2023)
    assert info.breadcrumb == ["首页", "信息公开", "法治政府建设"]
    assert info.text.startswith("2023年，市政府坚持") and info.is_report
    assert text[info.body_start : info.body_start + len(info.text)] == info.text


def test_one_long_paragraph_with_spaces_is_not_cut_into_lines():
    text = "2023年， 区政府坚持以习近平法治思想为指导， 全面推进法治政府建设，" * 8 + "成效明显。"
    info = read(text)
    assert info.text == text and info.title is None


def test_application_material_for_a_demonstration_award_is_not_a_report():
    info = read("XX区第三批全国法治政府建设示范地区申报材料\n发布时间：2023-07-01\n\n" + BODY)
    assert not info.is_report


# --- rules the docstrings state, each with the case that tells it apart ------------------------------


def test_a_longer_source_label_wins_wherever_it_is_printed():
    # SOURCE_LABELS order: 信息来源 / 文章来源 ... before the bare 来源, whichever comes first on the page
    text = f"关于2022年法治政府建设情况的报告\n来源:示例日报\n信息来源:示例市司法局\n{BODY}"
    assert read(text).source_org == "示例市司法局"


@pytest.mark.parametrize(
    "line, kind",
    [
        ("打印本页 关闭窗口", page.CHROME),
        ("【打印】【关闭】", page.CHROME),
        ("打印 某某", page.CHROME),  # a chrome token and at most two other characters
        ("打印 某某某", page.TEXT),
        ("今天是:2019年10月31日 星期三", page.CHROME),  # a date widget and at most three other characters
        ("今天是 某某某某", page.TEXT),
    ],
)
def test_chrome_is_a_chrome_token_with_next_to_nothing_else(line, kind):
    assert page.classify(line) == kind


@pytest.mark.parametrize(
    "value, iso",
    [
        ("2023-03-07 更新于二〇二四年一月五日", "2023-03-07"),
        ("二〇二三年三月七日 2024-01-05", "2023-03-07"),
        ("25.02.2016 2023-01-01", "2016-02-25"),
    ],
)
def test_the_first_printed_date_of_a_value_is_its_date(value, iso):
    assert dates.parse_date(value).iso == iso


# --- page-information lines and the publish date, at their edges (docs/MUTATION.md) ----------------

Meta = page_fields.MetaField


@pytest.mark.parametrize(
    "line, fields",
    [
        ("时效:", [Meta("时效", "")]),  # a known label with nothing after it
        ("附件:", [Meta("附件", "")]),  # another label with nothing after it
        ("发布时间 | 2023-01-18 | 来源:示例", None),  # bars are cells' colons only in a row without colons
        ("区人大常委会:", None),  # an addressee, not a label
        ("人民网 2023-3-6", [Meta("来源", "人民网"), Meta("", "2023-3-6")]),  # a one-digit day ends the line
        ("2023-03-27 17:05 来源:示例市司法局", [Meta("", "2023-03-27 17:05"), Meta("来源", "示例市司法局")]),
        ("2023-03-27来源:示例市司法局", [Meta("", "2023-03-27"), Meta("来源", "示例市司法局")]),
        ("2023年3月27日全市召开法治政府建设工作推进会议", None),  # prose that opens with a date
    ],
)
def test_meta_lines(line, fields):
    assert page_fields.parse_meta_line(line) == fields


def test_what_may_follow_a_leading_date_is_chrome_and_a_short_tag():
    assert not page_fields._leftover("一二三四五六七八")  # eight characters: a tag
    assert page_fields._leftover("一二三四五六七八九")
    assert page_fields._leftover("短句。")  # sentence punctuation: prose
    assert not page_fields._leftover("【打印】【关闭】公文范文")
    assert page_fields._clean_value(":示例市司法局;") == "示例市司法局"


def test_the_publish_date_by_label_rank_then_order():
    def pick(*items, field_date=None):
        warnings = []
        return page_fields._pick_date([Meta(*item) for item in items], [], field_date, warnings), warnings

    assert pick(("", "2023-03-07"), ("", "2022-01-01")) == ("2023-03-07", [])  # same rank: the first printed
    assert pick(("日期", "2023-03-08"), ("", "2023-03-07")) == ("2023-03-08", [])  # an unlabelled date ranks as 日期
    assert pick(("成文日期", "2023-03-01"), ("", "2023-03-07")) == ("2023-03-07", [])
    assert pick(("来源", "示例"), ("发布日期", "2023-01-18")) == ("2023-01-18", [])
    assert pick(("发布日期", "不详"), ("", "2023-03-07")) == ("2023-03-07", [])  # a date label without a date
    assert pick(field_date="2023-03-01") == ("2023-03-01", [])
    assert pick(field_date="2023-02-30") == (None, ["impossible publish date '2023-02-30' in page metadata ignored"])
