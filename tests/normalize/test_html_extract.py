"""html_extract.extract on div and nested-table layouts in UTF-8, GBK and GB18030, page fields,
the fallback, and bounded work on hostile pages. Fixtures: tests/fixtures/html (make_fixtures.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flows.core.textnorm import clean_text
from flows.normalize import html_extract, page

HTML_DIR = Path(__file__).parents[1] / "fixtures" / "html"
ENCODINGS = ("utf-8", "gbk", "gb18030")
PLACE = {"utf-8": "㮾梨街道", "gbk": "黄兴镇", "gb18030": "㮾梨街道"}

DIV_BODY = [
    "2023年,示例市坚持以习近平法治思想为指导,全面推进依法行政,法治政府建设取得新成效。{place}率先完成综合行政执法改革。现将有关情况报告如下。",
    "一、主要举措和成效",
    "(一)依法全面履行政府职能。全年取消和下放行政许可事项12项,政务服务事项网上可办率达到98.5%。",
    "(二)严格规范公正文明执法。开展行政执法案卷评查2次,评查案卷356件。",
    "二、存在的不足和下一步打算",
    "下一步,我市将持续深化法治政府建设,为高质量发展提供法治保障。",
    "中共示例市委 示例市人民政府",
    "2024年3月10日",
]
TABLE_BODY = [
    "2015年,在市委、市政府的正确领导下,我县认真贯彻《全面推进依法行政实施纲要》,依法行政工作取得明显成效。{place}建成公共法律服务站。现将有关情况报告如下:",
    "一、2015年主要工作情况",
    "(一)加强领导干部学法。全年举办法治讲座6期,参训干部420人次。",
    "(二)规范行政执法行为。",
    "清理行政执法主体28个,换发执法证件315件。",
    "二、2016年工作打算",
    "2016年,我县将继续深入推进依法行政,加快建设法治政府。",
]
CHROME = (
    "首页",
    "政务公开",
    "打印",
    "关闭窗口",
    "分享到",
    "版权所有",
    "ICP",
    "今天是",
    "浏览量",
    "字号",
    "相关文章",
    "栏目导航",
    "当前位置",
)


def load(layout: str, encoding: str) -> str:
    raw = (HTML_DIR / f"{layout}.{encoding}.html").read_bytes()
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("gbk")  # the fixture really needs GB18030
    return raw.decode(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_div_layout(encoding):
    extracted = html_extract.extract(load("div_layout", encoding))
    assert (extracted.method, extracted.warnings) == ("largest_block", [])
    body = [line.format(place=PLACE[encoding]) for line in DIV_BODY]
    info = page.read_page(clean_text(extracted.text), page_fields=extracted.fields)
    assert info.text.split("\n") == body  # paragraphs one per line, headings on their own lines
    assert info.title == "中共示例市委 示例市人民政府关于2023年法治政府建设情况的报告"  # printed over two lines
    assert info.publish_date == "2024-03-15"
    assert info.source_org == "示例市司法局"
    assert info.breadcrumb == ["首页", "政务公开", "法治政府建设"]
    assert info.report_year == 2023 and info.is_report is True
    assert not any(word in extracted.text for word in CHROME)
    assert extracted.fields == {
        "title": "中共示例市委 示例市人民政府关于2023年法治政府建设情况的报告",
        "publish_date": "2024-03-15",
        "source": "示例市司法局",
        "breadcrumb": ["首页", "政务公开", "法治政府建设"],
        "site_name": "示例市人民政府",
        "column": "法治政府建设",
        "page_title": "关于2023年法治政府建设情况的报告_法治政府建设_示例市人民政府",
    }


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_nested_table_layout_is_not_merged_into_one_row(encoding):
    extracted = html_extract.extract(load("table_layout", encoding))
    body = [line.format(place=PLACE[encoding]) for line in TABLE_BODY]
    info = page.read_page(clean_text(extracted.text), page_fields=extracted.fields)
    assert info.text.split("\n") == body
    assert "|" not in extracted.text
    assert not any(word in extracted.text for word in CHROME)
    # no ArticleTitle/PubDate metas on this old page: <title> and the printed line give the fields
    assert extracted.fields["title"] == "示例县人民政府2015年推进依法行政工作情况报告"
    assert extracted.fields["publish_date"] == "2016-02-25"
    assert extracted.fields["source"] == "示例县法制办"
    assert extracted.fields["breadcrumb"] == ["首页", "政务公开", "通知公告"]
    assert info.title == "示例县人民政府2015年推进依法行政工作情况报告"
    assert info.report_year == 2015 and info.is_report is True


def test_encodings_give_the_same_text_apart_from_the_place_name():
    texts = {
        (layout, enc): html_extract.extract(load(layout, enc)).text.replace(PLACE[enc], "{place}")
        for layout in ("div_layout", "table_layout")
        for enc in ENCODINGS
    }
    for layout in ("div_layout", "table_layout"):
        assert len({texts[(layout, enc)] for enc in ENCODINGS}) == 1


def _page(head: str = "", body: str = "", title: str = "示例") -> str:
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"


PARAS = "".join(f"<p>第{i}段,法治政府建设取得新成效,依法行政水平不断提升。</p>" for i in range(1, 6))


def test_title_prefers_article_title_then_title_without_site_suffix_then_h1():
    with_meta = _page(
        '<meta name="ArticleTitle" content="关于2022年法治政府建设情况的报告">', PARAS, title="首页_示例市人民政府"
    )
    assert html_extract.extract(with_meta).fields["title"] == "关于2022年法治政府建设情况的报告"
    suffixed = _page("", PARAS, title="关于2022年法治政府建设情况的报告_通知公告_朝阳市人民政府")
    assert html_extract.extract(suffixed).fields["title"] == "关于2022年法治政府建设情况的报告"
    h1_only = "<html><body><h1>示例县2022年法治政府建设年度报告</h1>" + PARAS + "</body></html>"
    assert html_extract.extract(h1_only).fields["title"] == "示例县2022年法治政府建设年度报告"


def test_printed_date_is_read_but_a_date_widget_is_not():
    body = (
        "<div>今天是:2019年10月31日 星期三</div><div class='info'>发布时间:2023-01-18 13:21 "
        "信息来源:示例市市场监督管理局 点击数:</div>" + PARAS
    )
    fields = html_extract.extract(_page("", body)).fields
    assert fields["publish_date"] == "2023-01-18"
    assert fields["source"] == "示例市市场监督管理局"
    widget_only = html_extract.extract(_page("", "<div>今天是:2019年10月31日 星期三</div>" + PARAS)).fields
    assert widget_only["publish_date"] is None


def test_meta_pubdate_and_content_source():
    head = '<meta name="PubDate" content="2023-03-07 09:00"><meta name="ContentSource" content="朝阳市司法局">'
    fields = html_extract.extract(_page(head, PARAS)).fields
    assert fields["publish_date"] == "2023-03-07"
    assert fields["source"] == "朝阳市司法局"


def test_the_largest_block_of_bare_lines_in_deep_layout_cells():
    # a body of bare text lines separated by <br> inside nested layout cells, navigation beside it
    html = _page(
        "",
        "<table><tr><td>"
        + "<table><tr><td>" * 3
        + "<br>".join(f"第{i}条,法治政府建设取得新成效。" for i in range(1, 30))
        + "</td></tr></table>" * 3
        + "</td></tr></table>"
        "<div class='nav'><a>首页</a><a>政务公开</a></div>",
    )
    extracted = html_extract.extract(html)
    assert (extracted.method, extracted.warnings) == ("largest_block", [])
    lines = extracted.text.split("\n")
    assert lines[0] == "第1条,法治政府建设取得新成效。" and lines[-1] == "第29条,法治政府建设取得新成效。"
    assert len(lines) == 29


def test_largest_block_keeps_paragraph_breaks_and_skips_navigation():
    html = _page("", "<div class='nav'><a>首页</a> <a>政务公开</a></div><div class='c'><div>" + PARAS + "</div></div>")
    tree = html_extract._parse(html)  # the fallback on its own
    assert html_extract._largest_block_text(tree).split("\n") == [
        f"第{i}段,法治政府建设取得新成效,依法行政水平不断提升。" for i in range(1, 6)
    ]


def test_deeply_nested_page_is_flattened_quickly_and_keeps_its_paragraphs():
    depth = 50_000
    html = "<html><body>" + "<div>" * depth + PARAS + "</div>" * depth + "</body></html>"
    started = time.perf_counter()
    extracted = html_extract.extract(html)
    assert time.perf_counter() - started < 10
    assert extracted.text.split("\n")[0] == "第1段,法治政府建设取得新成效,依法行政水平不断提升。"
    assert len(extracted.text.split("\n")) == 5
    assert any("nested deeper" in w for w in extracted.warnings)


def test_oversize_page_is_cut_and_inline_payloads_do_not_count():
    payload = "<img src='data:image/png;base64," + "A" * (html_extract.MAX_HTML_CHARS + 10) + "'>"
    extracted = html_extract.extract(_page("", payload + PARAS))
    assert extracted.text.split("\n")[-1] == "第5段,法治政府建设取得新成效,依法行政水平不断提升。"
    assert not any("cut at" in w for w in extracted.warnings)
    huge = _page("", "<p>" + "法治。" * (html_extract.MAX_HTML_CHARS // 3) + "</p>")
    assert any("cut at" in w for w in html_extract.extract(huge).warnings)


def test_empty_and_textless_pages():
    assert html_extract.extract("").text == ""
    extracted = html_extract.extract("<html><body><script>var a='<p>x</p>';</script></body></html>")
    assert extracted.text == "" and extracted.method == "empty"
    assert extracted.warnings == ["no text found in the HTML"]
    assert extracted.fields == {
        "title": None,
        "publish_date": None,
        "source": None,
        "breadcrumb": [],
        "site_name": None,
        "column": None,
        "page_title": None,
    }


# --- bound_html on small trees (a depth of 2 or 3 stands for MAX_DEPTH) -----------------------------


@pytest.mark.parametrize(
    "html, bounded, flattened",
    [
        # tags deeper than the bound lose their tags, their text stays; paragraphs keep theirs
        ("<div><div><div><span>x</span></div><p>y</p></div></div>", "<div><div>x<p>y</p></div></div>", 2),
        ("<div><div><em>a</em><em>b</em></div></div>", "<div><div>ab</div></div>", 2),
        ("<TABLE><tr><td>a<td>b<td>c</table>", "<TABLE><tr>abc</table>", 3),  # any case
        ("<div><span><b>x</div><i>y</i>", "<div><span>x</div><i>y</i>", 1),  # </div> closes what it holds
        # void and self-closed elements, comments and raw text never open a level
        ("<div><br><img src=x/><span>a</span></div>", "<div><br><img src=x/><span>a</span></div>", 0),
        ("<div><!-- <div> --><span>a</span></div>", "<div><!-- <div> --><span>a</span></div>", 0),
        (
            "<div><textarea><b>x</b></textarea><span>y</span></div>",
            "<div><textarea><b>x</b></textarea><span>y</span></div>",
            0,
        ),
        ("<div><x-icon/><x-icon/><span>a</span></div>", "<div><x-icon/><x-icon/><span>a</span></div>", 0),
        ("<div><x-icon / ><span>a</span></div>", "<div><x-icon / ><span>a</span></div>", 0),  # spaces around the slash
        # a closing tag that matches nothing open closes nothing, even at the top
        ("</div><div><div><div>x</div></div></div>", "</div><div><div>x</div></div>", 1),
        # a closing tag inside raw text closes nothing; tags after a comment, a void element or raw text count
        (
            "<div><textarea></div></textarea><div><div>x</div></div></div>",
            "<div><textarea></div></textarea><div>x</div></div>",
            1,
        ),
        ("<div><!-- c --><div><div>x</div></div></div>", "<div><!-- c --><div>x</div></div>", 1),
        ("<div><br><div><div>x</div></div></div>", "<div><br><div>x</div></div>", 1),
        ("<div><span>x</div><div><div><i>y</i></div></div>", "<div><span>x</div><div><div>y</div></div>", 1),
    ],
)
def test_tags_deeper_than_the_bound_are_flattened(monkeypatch, html, bounded, flattened):
    monkeypatch.setattr(html_extract, "MAX_DEPTH", 2)
    warnings = []
    assert html_extract.bound_html(html, warnings) == bounded
    assert warnings == ([f"HTML nested deeper than 2: {flattened} inner tags flattened"] if flattened else [])


def test_unclosed_cells_and_items_close_their_predecessor(monkeypatch):
    monkeypatch.setattr(html_extract, "MAX_DEPTH", 3)
    for html in ("<table><tr><td>a<td>b<td>c</table>", "<ul><li>a<li>b<li><i>c</i></ul>"):
        warnings = []
        assert html_extract.bound_html(html, warnings) == html and warnings == []


def test_a_deep_page_is_flattened_with_a_warning_and_read_by_the_block_fallback():
    html = "<html><body>" + "<div>" * 300 + PARAS + "</div>" * 300 + "</body></html>"
    extracted = html_extract.extract(html)
    assert extracted.warnings == ["HTML nested deeper than 160: 142 inner tags flattened"]
    assert extracted.text.split("\n") == [f"第{i}段,法治政府建设取得新成效,依法行政水平不断提升。" for i in range(1, 6)]


def test_a_frameset_page_has_no_body_and_no_text():
    # lexbor gives every document a <body> except a frameset page: nothing is read from it, no crash
    frameset = "<html><head><title>关于2022年法治政府建设情况的报告</title></head><frameset><frame src='a.html'></frameset></html>"
    assert html_extract._parse(frameset) is None
    extracted = html_extract.extract(frameset)
    assert (extracted.text, extracted.fields, extracted.method) == ("", {}, "empty")
    assert extracted.warnings == ["no text found in the HTML"]


# --- page fields: which meta, which printed line ------------------------------------------------------


def test_metas_by_name_property_or_itemprop_first_non_empty_wins():
    head = (
        '<meta property="og:title" content="关于2022年法治政府建设情况的报告">'
        '<meta itemprop="PUBDATE" content="">'
        '<meta name="PubDate" content="2023-03-08 10:00">'
        '<meta name="pubdate" content="2023-03-09">'
        '<meta name="ContentSource" content=" 示例市司法局 ">'
        '<meta name="contentsource" content="别的来源">'
        '<meta name="SiteName" content="示例市人民政府"><meta name="ColumnName" content="通知公告">'
    )
    fields = html_extract.extract(_page(head, PARAS, title="首页")).fields
    assert fields == {
        "title": "关于2022年法治政府建设情况的报告",
        "publish_date": "2023-03-08",
        "source": "示例市司法局",
        "breadcrumb": [],
        "site_name": "示例市人民政府",
        "column": "通知公告",
        "page_title": "首页",  # the page's own <title>, kept apart from the report's title
    }


def test_an_impossible_meta_date_gives_way_to_the_printed_one():
    body = "<div>发布日期:2023-01-18</div>" + PARAS
    fields = html_extract.extract(_page('<meta name="PubDate" content="2023-02-30">', body)).fields
    assert fields["publish_date"] == "2023-01-18"


def test_h1_title_joins_its_inline_parts_and_a_blank_title_element_is_skipped():
    html = "<html><head><title>  </title></head><body><h1> 示例县<span>2022年</span>法治政府建设年度报告 </h1>" + PARAS
    assert html_extract.extract(html + "</body></html>").fields["title"] == "示例县2022年法治政府建设年度报告"
    # the source's line breaks and indentation around inline parts are not part of the title
    html = "<html><body><h1>\n  示例县\n  <span>2022年</span>\n  法治政府建设年度报告\n</h1>" + PARAS
    assert html_extract.extract(html + "</body></html>").fields["title"] == "示例县2022年法治政府建设年度报告"


def test_the_page_title_is_kept_without_the_whitespace_around_it():
    html = _page("", PARAS, title="\n    关于2022年法治政府建设情况的报告_通知公告_示例市人民政府\n  ")
    fields = html_extract.extract(html).fields
    assert fields["page_title"] == "关于2022年法治政府建设情况的报告_通知公告_示例市人民政府"
    assert fields["title"] == "关于2022年法治政府建设情况的报告"


def test_a_child_block_holding_exactly_the_descend_share_is_descended_into():
    # 7 of the outer block's 10 Han characters sit in the inner block: 70 % is enough to descend
    html = "<html><body><div>甲乙丙<div>法治政府建设好</div></div></body></html>"
    assert html_extract.extract(html).text == "法治政府建设好"
    html = "<html><body><div>甲乙丙丁<div>法治政府建设好</div></div></body></html>"  # 7 of 11: too little
    assert html_extract.extract(html).text == "甲乙丙丁\n法治政府建设好"


@pytest.mark.parametrize(
    "body, text",
    [
        # no Han text at all: no block holds more than another, the whole body is read
        ("<div>Annual report</div><div>Contact us</div>", "Annual report\nContact us"),
        # one Han character is enough to choose the block that holds it
        ("<div>法</div>Contact us", "法"),
    ],
)
def test_the_block_is_chosen_by_han_text_alone(body, text):
    assert html_extract.extract(f"<html><body>{body}</body></html>").text == text


def test_printed_fields_are_read_around_the_top_and_the_foot_of_a_long_page():
    filler = [f"<div>第{i}行导航</div>" for i in range(500)]
    middle = filler[:300] + ["<div>来源:中间的来源</div>"] + filler[300:]
    foot = filler + ["<div>来源:页脚的来源</div>"]
    assert html_extract.extract(_page("", PARAS + "".join(middle))).fields["source"] is None
    assert html_extract.extract(_page("", PARAS + "".join(foot))).fields["source"] == "页脚的来源"


def test_inline_data_payloads_are_dropped_and_a_page_at_the_size_bound_is_not_cut(monkeypatch):
    warnings = []
    assert (
        html_extract.bound_html('<img src="data:image/png;base64,' + "A" * 300 + '">', warnings) == '<img src="data:,">'
    )
    html = "<html><body><p>示例</p></body></html>"
    monkeypatch.setattr(html_extract, "MAX_HTML_CHARS", len(html))
    assert html_extract.bound_html(html, warnings) == html and warnings == []


def test_rendered_lines_join_inline_parts_and_skip_controls():
    tree = html_extract._parse(
        "<html><body><p>示例<span>县</span>报告</p><div>正文<button>分享</button>"
        "<select><option>选项</option></select></div><p>XX县法治建设</p><p>XX</p></body></html>"
    )
    assert html_extract.render_lines(tree.body) == ["示例县报告", "正文", "XX县法治建设", "XX"]


@pytest.mark.parametrize("noise_tag", ["a", "option"])
def test_the_largest_block_counts_neither_link_nor_control_text(noise_tag):
    items = "".join(f"<{noise_tag}>法治政府建设专题栏目第{i}项文字</{noise_tag}>" for i in range(20))
    noise = (
        f"<div class='nav'><select>{items}</select></div>"
        if noise_tag == "option"
        else f"<div class='nav'>{items}</div>"
    )
    content = "<div class='c'>" + PARAS + "</div>"
    tree = html_extract._parse(f"<html><body>{noise}{content}</body></html>")
    assert (
        html_extract._largest_block_text(tree).split("\n")[0] == "第1段,法治政府建设取得新成效,依法行政水平不断提升。"
    )


@pytest.mark.parametrize(
    "lines, date, source",
    [
        (["发布时间:2023-01-18", "发布时间:2023-02-01", "来源:甲", "来源:乙"], "2023-01-18", "甲"),  # the first wins
        (["发布时间:暂无", "发布日期:2023-01-18"], "2023-01-18", None),  # a label without a date is passed over
        (["2023-03-27 17:05 来源:示例日报"], "2023-03-27", "示例日报"),  # an unlabelled date line
        (["2019年10月31日 星期四"], None, None),  # a date widget
    ],
)
def test_printed_date_and_source_lines(lines, date, source):
    body = "".join(f"<div>{line}</div>" for line in lines) + PARAS
    fields = html_extract.extract(_page("", body)).fields
    assert (fields["publish_date"], fields["source"]) == (date, source)


def test_an_itemprop_meta_is_read_like_a_named_one():
    fields = html_extract.extract(
        _page('<meta itemprop="datePublished" content="x"><meta itemprop="PubDate" content="2023-03-05">', PARAS)
    ).fields
    assert fields["publish_date"] == "2023-03-05"


def test_only_the_html_layout_spaces_are_stripped_printed_em_spaces_stay_as_printed():
    # Spaces, tabs, no-break and ideographic spaces around a line come from the HTML layout; em and en
    # spaces (&emsp; indentation) are the page's own characters: they stay, and clean_text makes them
    # ASCII spaces, so stored texts and offsets do not move.
    html = (
        "<html><body><div><p>\u00a0\u3000 2022年,我市全面推进依法行政工作,法治政府建设取得新成效。\t</p>"
        "<p>&emsp;&emsp;全年办理行政复议案件35件。&emsp;</p><p>&emsp;&ensp;</p><p>\u3000</p></div></body></html>"
    )
    assert html_extract.extract(html).text == (
        "2022年,我市全面推进依法行政工作,法治政府建设取得新成效。\n\u2003\u2003全年办理行政复议案件35件。\u2003\n\u2003\u2002"
    )
