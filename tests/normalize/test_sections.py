"""The heading tree: layout variations (own fixtures), offsets and nesting, speed, and accuracy on
the gold corpus (seed exact, dev precision/recall/F1)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.core import contracts, textnorm
from flows.normalize import sections

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sections"
DOC_ID = "0123456789abcdef"


def fixture_text(name: str) -> str:
    return textnorm.clean_text((FIXTURES / name).read_text(encoding="utf-8"))


def outline(text: str) -> list[tuple]:
    """(level, marker, heading) of every heading, in order."""
    return [(r["level"], r["marker"], r["heading"]) for r in sections.parse_sections(text, DOC_ID)[1:]]


def assert_tree_invariants(text: str, records: list[dict]) -> None:
    root, headings = records[0], records[1:]
    assert root == {
        "section_id": f"{DOC_ID}-s000",
        "doc_id": DOC_ID,
        "parent_id": None,
        "level": 0,
        "number": None,
        "marker": None,
        "heading": None,
        "section_type": None,
        "top_section_id": None,
        "start": 0,
        "end": len(text),
        "ordinal": 0,
        "page": None,
    }
    by_id = {r["section_id"]: r for r in records}
    assert len(by_id) == len(records)
    for ordinal, record in enumerate(headings, start=1):
        assert record["ordinal"] == ordinal and record["section_id"] == f"{DOC_ID}-s{ordinal:03d}"
        assert contracts.errors(record, "section") == []
        start, end = record["start"], record["end"]
        assert text[start:].startswith(record["marker"])
        assert text[start + len(record["marker"]) : end].lstrip(" \t\u3000").startswith(record["heading"])
        assert record["heading"] == record["heading"].strip()
        assert record["marker"].startswith(("(", "（")) == (record["level"] in (2, 4))
        parent = by_id[record["parent_id"]]
        assert parent["level"] < record["level"]
        assert parent["start"] <= start < end <= parent["end"]
        # The branch's top section and type come from the ancestor directly under the root.
        top = record
        while top["parent_id"] != root["section_id"]:
            top = by_id[top["parent_id"]]
        assert record["top_section_id"] == top["section_id"]
        assert record["section_type"] == (sections.section_type(top["heading"]) if top["level"] == 1 else None)
    assert contracts.errors(root, "section") == []
    # Sections at one level never overlap, and each ends where the next heading of its level or above starts.
    for index, record in enumerate(headings):
        following = [r for r in headings[index + 1 :] if r["level"] <= record["level"]]
        assert record["end"] == (following[0]["start"] if following else len(text))


def innermost(records: list[dict], offset: int) -> dict:
    return max((r for r in records if r["start"] <= offset < r["end"]), key=lambda r: r["level"])


# --- layout variations ------------------------------------------------------------------------


def test_headings_on_their_own_lines_all_levels_and_marker_forms():
    text = fixture_text("lines.txt")
    records = sections.parse_sections(text, DOC_ID)
    assert [(r["level"], r["number"], r["marker"], r["heading"], r["section_type"]) for r in records[1:]] == [
        (1, "一", "一、", "2022年法治政府建设主要举措和成效", "measures"),
        (2, "一", "（一）", "依法全面履行政府职能", "measures"),
        (3, "１", "１．", "深化“放管服”改革", "measures"),
        (3, "２", "２．", "优化营商环境", "measures"),
        (2, "二", "（二）", "健全依法决策机制", "measures"),
        (3, "1", "1、", "严格决策程序", "measures"),
        (4, "1", "(1)", "公众参与", "measures"),
        (4, "2", "(2)", "专家论证", "measures"),
        (3, "2", "2、", "加强合法性审查", "measures"),
        (1, "二", "二、", "党政主要负责人履行推进法治建设第一责任人职责情况", "leadership_duties"),
        (1, "三", "三、", "存在的不足", "problems"),
        (1, "四", "四、", "2023年工作打算", "plans"),
        (2, "一", "(一)", "加强组织领导", "plans"),
        (2, "二", "(二)", "强化督察考核", "plans"),
    ]
    parents = {r["section_id"]: r for r in records}
    assert [parents[r["top_section_id"]]["number"] for r in records[1:]] == list("一一一一一一一一一二三四四四")
    assert [parents[r["parent_id"]]["marker"] for r in records[1:]] == [
        None,
        "一、",
        "（一）",
        "（一）",
        "一、",
        "（二）",
        "1、",
        "1、",
        "（二）",
        None,
        None,
        None,
        "四、",
        "四、",
    ]
    assert_tree_invariants(text, records)


def test_run_in_headings_stop_at_full_stop_or_colon():
    assert outline(fixture_text("run_in.txt")) == [
        (1, "一、", "加强组织领导"),
        (2, "(一)", "坚持和加强党的领导"),
        (2, "(二)", "健全推进机制"),  # stops at the full-width colon
        (3, "1.", "法治政府示范创建取得可喜成绩"),
        (3, "2.", "深化改革"),
        (1, "二、", "主要工作情况"),
    ]


def test_first_item_right_after_its_parents_run_in_heading():
    text = (
        "一、主要工作及成效\n"
        "(一)履职能、重保障,法治政府工作稳步推进。1.强化思想引领。落实常态化学法机制。2.完善制度。修订规则3项。\n"
        "(二)抓执法。全年办案1.5万件。1、2月办结率100%。\n"
    )
    assert outline(text) == [
        (1, "一、", "主要工作及成效"),
        (2, "(一)", "履职能、重保障,法治政府工作稳步推进"),
        (3, "1.", "强化思想引领"),
        (2, "(二)", "抓执法"),
    ]


def test_several_headings_run_together_on_one_line():
    text = fixture_text("one_line.txt")
    records = sections.parse_sections(text, DOC_ID)
    assert [(r["level"], r["marker"], r["heading"]) for r in records[1:]] == [
        (1, "一、", "2015年主要工作情况"),
        (2, "(一)", "推动领导干部学法常态化,领导干部法治思维不断强化"),
        (2, "(二)", "推进政务公开,权力运行更加透明"),
        (1, "二、", "2016年工作打算"),
        (2, "(一)", "加强制度建设"),
    ]
    assert [r["section_type"] for r in records[1:] if r["level"] == 1] == ["measures", "plans"]
    assert_tree_invariants(text, records)


def test_page_without_line_breaks():
    text = fixture_text("no_breaks.txt")
    assert "\n" not in text
    records = sections.parse_sections(text, DOC_ID)
    # 一、二季度 and the inline list 1.建立清单制度;2.完善审查机制 are not headings.
    assert [(r["level"], r["marker"], r["heading"]) for r in records[1:]] == [
        (1, "一、", "主要举措和成效"),
        (2, "(一)", "加强党的领导"),
        (2, "(二)", "完善制度体系"),
        (3, "1.", "严格执行决策程序"),
        (3, "2.", "发挥法律顾问作用"),
        (1, "二、", "存在的问题"),
        (1, "三、", "下一步工作安排"),
    ]
    assert [r["section_type"] for r in records[1:] if r["level"] == 1] == ["measures", "problems", "plans"]
    assert_tree_invariants(text, records)


def test_a_heading_glued_to_its_body_by_lost_punctuation_is_cut_before_the_body():
    """Kind: punctuation and the line break after a heading lost in capture, so the heading runs on
    into its paragraph (and an unnumbered sub-heading) up to the first full stop."""
    body = "强化法治学习引领将学习贯彻习近平法治思想作为首要政治任务,举办全省专题培训,不断提高干部职工运用法治思维的能力和水平。"
    text = f"一、工作开展情况\n(一)认真履行法治政府部门建设职责{body}\n(二)深化行政执法改革\n全年办理案件18件。\n"
    assert outline(text) == [
        (1, "一、", "工作开展情况"),
        (2, "(一)", "认真履行法治政府部门建设职责"),
        (2, "(二)", "深化行政执法改革"),
    ]
    # A long heading printed with its commas is kept whole, verbs and all.
    printed = "(一)提高政治站位,以党的二十大精神和习近平法治思想指导做好卫生健康法治工作,推进依法行政向纵深发展取得新成效\n正文。\n"
    assert outline("一、总体情况\n" + printed)[1][2] == printed[3:].split("\n")[0]


def test_malformed_level_one_marker():
    assert outline(fixture_text("malformed.txt")) == [
        (1, "一)", "主要举措和成效"),
        (1, "二)", "存在问题"),
        (1, "三)", "下一步打算"),
    ]


def test_numbers_in_sentences_lists_and_yishi_are_not_headings():
    text = fixture_text("false_headings.txt")
    assert outline(text) == [
        (1, "一、", "主要工作"),
        (2, "(一)", "加强领导"),
        (1, "二、", "存在的问题"),
        (1, "三、", "下一步工作安排"),
        (2, "(一)", "深入学习贯彻习"),  # its line ends with a line break: complete
    ]


def test_numbering_that_runs_on_across_parents():
    assert [(level, marker) for level, marker, _ in outline(fixture_text("running_numbers.txt"))] == [
        (1, "一、"),
        (2, "(一)"),
        (3, "1."),
        (3, "2."),
        (2, "(二)"),
        (3, "3."),
        (3, "4."),
        (2, "(三)"),
        (3, "5."),
    ]


def test_heading_cut_off_by_the_end_of_a_truncated_capture_is_dropped():
    text = fixture_text("false_headings.txt").rstrip("\n")
    assert outline(text)[-1] == (1, "三、", "下一步工作安排")
    assert outline("一、主要工作\n二、存在问题\n(一)") == [(1, "一、", "主要工作"), (1, "二、", "存在问题")]
    # Run-in headings before the cut are complete: the full stop ends them.
    assert outline("一、主要工作\n(一)加强领导。全年召开会议") == [(1, "一、", "主要工作"), (2, "(一)", "加强领导")]


def test_headings_indented_by_full_width_spaces_or_garbled_question_marks():
    text = "　　一、主要工作\n??(一)加强领导\n  1.建立制度\n"
    records = sections.parse_sections(text, DOC_ID)
    assert [(r["marker"], r["start"]) for r in records[1:]] == [("一、", 2), ("(一)", 11), ("1.", 21)]
    assert_tree_invariants(text, records)


def test_a_number_deep_under_the_problems_section_is_typed_problems_in_one_lookup():
    text = (
        "一、主要举措和成效\n（一）行政复议\n受理案件518件。\n"
        "二、存在的问题\n（一）基层力量薄弱\n1.人员不足\n全县仅有执法人员12名。\n"
        "三、下一步工作安排\n继续推进。\n"
    )
    records = sections.parse_sections(text, DOC_ID)
    by_id = {r["section_id"]: r for r in records}
    innermost_id = sections.section_locator(records)(text.index("12名"))
    innermost = by_id[innermost_id]
    assert (innermost["level"], innermost["heading"]) == (3, "人员不足")
    assert innermost["section_type"] == "problems"
    assert by_id[innermost["top_section_id"]]["heading"] == "存在的问题"
    assert by_id[sections.section_locator(records)(text.index("518件"))]["section_type"] == "measures"
    assert_tree_invariants(text, records)


def test_traditional_script_is_matched_and_printed_as_published():
    records = sections.parse_sections("一、2022年法治政府建設的主要舉措和成效\n（一）依法全面履行政府職能\n", DOC_ID)
    assert [(r["heading"], r["section_type"]) for r in records[1:]] == [
        ("2022年法治政府建設的主要舉措和成效", "measures"),
        ("依法全面履行政府職能", "measures"),
    ]


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("法治政府建设主要举措和成效", "measures"),
        ("2015年主要工作情况", "measures"),
        ("党政主要负责人切实履行推进法治建设第一责任人职责", "leadership_duties"),
        ("存在的问题", "problems"),
        ("存在的问题和不足及下一步工作打算", "problems"),
        ("2023年主要工作安排", "plans"),
        ("下一步工作思路", "plans"),
        ("今后的努力方向", "plans"),
        ("2017年法治政府建设情况", "measures"),
        ("2022年推进法治政府建设存在的不足和原因", "problems"),
        ("存在的困难和问题", "problems"),
        ("2023年推进法治政府建设的主要安排", "plans"),
        ("區政府主要負責同志履行推進法治建設第一責任人職責情況", "leadership_duties"),
        ("其他需要报告的情况", "other"),
        ("坚持党的领导,统筹推进法治政府建设", "other"),
    ],
)
def test_section_type_from_heading_wording(heading, expected):
    assert sections.section_type(heading) == expected


# --- offsets, nesting, speed --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_every_fixture_gives_a_valid_nested_tree(name):
    text = fixture_text(name)
    records = sections.parse_sections(text, DOC_ID)
    assert len(records) > 1
    assert_tree_invariants(text, records)
    # Any offset in the text has an innermost section: the root before the first heading.
    first = records[1]
    assert innermost(records, 0) is (records[0] if first["start"] > 0 else first)
    assert innermost(records, first["start"]) is first


def test_section_locator_finds_the_innermost_section():
    text = fixture_text("lines.txt")
    records = sections.parse_sections(text, DOC_ID)
    locate = sections.section_locator(records)
    for offset in list(range(len(text))) + [len(text)]:
        expected = innermost(records, offset)["section_id"] if offset < len(text) else records[0]["section_id"]
        assert locate(offset) == expected
    assert locate(text.index("1.5万件")) == next(r["section_id"] for r in records if r["heading"] == "深化“放管服”改革")
    assert locate(text.index("县委、县政府主要负责人")) == next(
        r["section_id"] for r in records if r["marker"] == "二、"
    )


_FRAGMENTS = st.sampled_from(
    [
        "一、",
        "二、",
        "三、",
        "(一)",
        "（二）",
        "(三)",
        "1.",
        "2、",
        "３．",
        "(1)",
        "（2）",
        "一)",
        "十一、",
        "加强领导",
        "主要工作",
        "存在的问题",
        "1.5万件",
        "一是",
        "第一、二批",
        "2021—2025年",
        "。",
        ":",
        ";",
        "\n",
        " ",
        "\u3000",
        "??",
        "“",
        "《",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40))
def test_tree_invariants_hold_for_any_text(fragments):
    text = "".join(fragments)
    assert_tree_invariants(text, sections.parse_sections(text, DOC_ID))


def test_large_texts_parse_fast():
    body = fixture_text("lines.txt")
    many_lines = (body * (200_000 // len(body) + 1))[:200_000]
    assert many_lines.count("\n") > 5000
    flat = many_lines.replace("\n", "")
    marker_soup = ("一、二、三、1.2.3.(一)(1)加强" * 20_000)[:200_000]  # no full stop anywhere
    # Budgets leave room for a loaded machine; a quadratic pass takes tens of seconds on the soup.
    for text, budget_seconds in ((many_lines, 1.0), (flat, 1.0), (marker_soup, 3.0)):
        began = time.perf_counter()
        records = sections.parse_sections(text, DOC_ID)
        assert time.perf_counter() - began < budget_seconds
        assert records[0]["end"] == len(text)
    assert len(sections.parse_sections(many_lines, DOC_ID)) > 1000


# --- gold corpus ------------------------------------------------------------------------------


def heading_key(level: int, printed: str) -> tuple[int, str]:
    return level, textnorm.nfkc_compact(printed)


def test_seed_headings_exact(seed):
    text, gold = seed
    text = textnorm.clean_text(text)
    records = sections.parse_sections(text, DOC_ID)
    # Gold annotates the type of level-1 sections; their subsections inherit it (checked by the invariants).
    got = [
        (
            r["level"],
            r["number"],
            r["heading"],
            r["section_type"] if r["level"] == 1 else None,
            r["marker"] + r["heading"],
        )
        for r in records[1:]
    ]
    expected = [(h["level"], h["number"], h["heading"], h.get("section_type"), h["text"]) for h in gold["headings"]]
    assert got == expected
    assert_tree_invariants(text, records)


def test_dev_heading_precision_recall(corpus_dir):
    true_pos = false_pos = false_neg = 0
    misses = []
    for path in sorted((corpus_dir / "dev").glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        text = textnorm.clean_text(page["text"])
        got = Counter(
            heading_key(r["level"], r["marker"] + r["heading"]) for r in sections.parse_sections(text, DOC_ID)[1:]
        )
        gold = Counter(heading_key(h["level"], h["text"]) for h in page["gold"]["headings"])
        true_pos += sum((got & gold).values())
        false_pos += sum((got - gold).values())
        false_neg += sum((gold - got).values())
        misses += [f"{path.stem} extra {key}" for key in (got - gold)]
        misses += [f"{path.stem} missed {key}" for key in (gold - got)]
    precision = true_pos / max(true_pos + false_pos, 1)
    recall = true_pos / max(true_pos + false_neg, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"\nsections dev: P={precision:.3f} R={recall:.3f} F1={f1:.3f} (tp={true_pos} fp={false_pos} fn={false_neg})")
    print("\n".join(misses))
    assert true_pos > 80
    assert precision >= 0.99 and recall >= 0.99 and f1 >= 0.99, misses


# --- the numbering-jump limit at a line start (sections._MAX_NUMBER_GAP) ---------------------------


def _headings(text: str) -> list[str]:
    return [(r["marker"] or "") + r["heading"] for r in sections.parse_sections(text, "d") if r["level"] > 0]


def test_at_a_line_start_a_number_at_most_three_ahead_is_a_heading_further_is_not():
    body = "工作情况如下。\n"
    assert _headings(f"一、总体情况\n{body}四、下一步安排\n{body}") == ["一、总体情况", "四、下一步安排"]
    assert _headings(f"一、总体情况\n{body}五、下一步安排\n{body}") == ["一、总体情况"]
    assert _headings(f"一、总体情况\n{body}二、主要做法\n{body}二、存在问题\n{body}") == [
        "一、总体情况",
        "二、主要做法",
        "二、存在问题",  # a repeated number is a typo in the page, still a heading
    ]


def test_a_first_number_above_three_at_a_line_start_opens_no_list():
    body = "工作情况如下。\n"
    assert _headings(f" 二、总体情况\n{body}") == ["二、总体情况"]  # indented at the very start of the text
    assert _headings(f"三、总体情况\n{body}") == ["三、总体情况"]
    assert _headings(f"四、总体情况\n{body}") == []
    assert _headings(f"4.总体情况\n{body}") == []


def test_a_restart_at_one_is_a_heading_a_smaller_number_is_not():
    assert _headings("1.甲\n正文。\n2.乙\n正文。\n1.丙\n正文。\n") == ["1.甲", "2.乙", "1.丙"]
    assert _headings("1.甲\n2.乙\n3.丙\n2.丁\n") == ["1.甲", "2.乙", "3.丙"]


# --- what may follow a marker (sections._candidate) ------------------------------------------------


def test_what_follows_a_marker():
    assert _headings("一、 总体情况\n正文。\n") == ["一、总体情况"]  # spaces after the marker are skipped
    assert _headings("一、XX县法治建设\n正文。\n") == ["一、XX县法治建设"]  # template placeholders are text
    assert _headings("一、ABCDEFGHIJKL总体情况\n正文。\n") == []  # no Han within 12 characters: not a heading
    assert _headings("一、总体情况  \n正文。 ") == ["一、总体情况"]  # trailing spaces are not part of it


def test_a_marker_after_an_opening_quote_is_not_a_heading_even_after_a_gap():
    assert _headings("正文。\n请见附件“ 一、工作目标”。\n") == []


# --- headings away from a line start (sections._continues_tree, _Lines) ----------------------------

_CLAUSE = "这是一段正文内容在此说明"


def test_inline_level_two_follows_a_full_stop_level_three_does_not_in_a_short_line():
    assert _headings("(一)甲乙丙。正文内容在此。(二)丁戊己。正文内容。\n") == ["(一)甲乙丙", "(二)丁戊己"]
    filler = "这是很长的一段正文内容," * 100  # lines of 1,200 characters around a short one
    short = "1.甲乙丙。正文内容在此。2.丁戊己。正文内容。"
    assert _headings(f"{short}\n") == ["1.甲乙丙"]
    assert _headings(f"{filler}\n{short}\n{filler}") == ["1.甲乙丙"]


def test_arabic_items_after_a_full_stop_count_in_the_one_paragraph_line_of_a_body_that_lost_its_breaks():
    one = f"1.甲乙丙。{_CLAUSE * 20}。2.丁戊己。{_CLAUSE * 3}。"  # 290 characters
    assert _headings(f"标题行\n{one}\n") == ["1.甲乙丙", "2.丁戊己"]
    assert _headings("标题\n" + "短行内容\n" * 30 + one + "\n") == ["1.甲乙丙", "2.丁戊己"]
    assert _headings(f"{one}\n{_CLAUSE * 12}\n") == ["1.甲乙丙"]  # a second paragraph: breaks were kept
    shorter = f"1.甲乙丙。{_CLAUSE * 10}。2.丁戊己。{_CLAUSE * 2}。"  # 158 characters: under two paragraphs' length
    assert _headings(f"{shorter}\n") == ["1.甲乙丙"]
    after_a_comma = f"1.甲乙丙。{_CLAUSE * 20},2.丁戊己。{_CLAUSE * 3}。"
    assert _headings(f"{after_a_comma}\n") == ["1.甲乙丙"]


def _two_items(length: int) -> str:
    """A line of exactly ``length`` characters holding items 1. and 2., the second after a full stop."""
    head, second = "1.甲乙丙。", "。2.丁戊己。正文内容。"
    pad = length - len(head) - len(second)
    return head + ("正" * pad) + second


def test_the_run_together_thresholds_sit_at_a_thousand_characters_and_at_two_paragraphs():
    paragraph = "段" * 120 + "。"  # a second paragraph-sized line: the body kept its breaks
    both, first = ["1.甲乙丙", "2.丁戊己"], ["1.甲乙丙"]
    # a line of 1,000 characters holds a whole body whatever else the text has; 999 does not
    assert _headings(f"{paragraph}\n{_two_items(1000)}\n") == both
    assert _headings(f"{paragraph}\n{_two_items(999)}\n") == first
    assert _headings(f"{_two_items(1000)}\n{paragraph}") == both
    # the one paragraph-sized line of a text holds it from 200 characters on
    assert _headings(f"标题\n{_two_items(200)}\n") == both
    assert _headings(f"标题\n{_two_items(199)}\n") == first
    assert _headings(_two_items(200)) == both
    # a line counts as a paragraph from 100 characters on, wherever it is
    for other in ("短" * 99, "短" * 100):
        expected = both if len(other) < 100 else first
        assert _headings(f"{other}\n{_two_items(200)}") == expected
        assert _headings(f"{_two_items(200)}\n{other}") == expected
        assert _headings(f"{_two_items(200)}\n{other}\n") == expected


# --- heading text (sections._trim_heading) ---------------------------------------------------------


def test_a_heading_alone_on_its_line_keeps_its_spaces_up_to_sixty_characters():
    lead = "正文内容。" * 15  # the heading starts past offset 60
    alone = "加强 队伍建设"
    assert _headings(f"{lead}\n一、{alone}\n正文。\n") == [f"一、{alone}"]
    sixty = "甲" * 30 + " " + "乙" * 29
    assert _headings(f"一、{sixty}\n正文。\n") == [f"一、{sixty}"]
    assert _headings(f"一、{sixty}乙\n正文。\n") == ["一、" + "甲" * 30]  # longer, with a gap: cut at the gap


# --- helpers -------------------------------------------------------------------------------------


def test_an_offset_in_a_text_without_headings_is_in_the_root():
    assert sections.section_locator(sections.parse_sections("正文内容。", "d"))(3) == "d-s000"


def test_a_heading_at_the_very_start_of_a_text_ending_in_indentation_is_at_a_line_start():
    # the walk back over indentation stops at the text's start; it must not wrap round to its end
    assert _headings("三、工作成效\n正文内容。\n  ") == ["三、工作成效"]
    assert _headings("三、工作成效\n正文内容。\n\t") == ["三、工作成效"]


def test_a_marker_right_after_a_heading_marker_is_part_of_its_text():
    # 一、(一)总体情况: the heading 一、 reads 总体情况 with its sub-marker, not an empty 一、 and a (一)
    assert _headings("一、(一)总体情况\n正文内容。\n") == ["一、(一)总体情况"]
    assert [r["level"] for r in sections.parse_sections("一、(一)总体情况\n正文内容。\n", "d")] == [0, 1]


def _glued(length: int, verb_at: int, comma_at: int | None = None) -> str:
    """A level-1 heading of ``length`` characters with no punctuation but the verb 加强 at ``verb_at``."""
    chars = ["甲"] * length
    chars[verb_at : verb_at + 2] = ["加", "强"]
    if comma_at is not None:
        chars[comma_at] = ","
    return "一、" + "".join(chars) + "\n正文内容。\n"


@pytest.mark.parametrize(
    ("length", "verb_at", "comma_at", "kept"),
    [
        (61, 10, None, 10),  # over 60 characters: cut before the verb
        (60, 10, None, 60),  # 60: a long heading, kept whole
        (61, 10, 5, 61),  # a clause mark in its first 24 characters: a heading, not a run-on body
        (61, 8, None, 8),  # the verb may start from the 8th character
        (61, 7, None, 61),
        (61, 24, None, 24),  # and must end by the 26th
        (61, 25, None, 61),
        (61, 30, None, 61),
    ],
    ids=["over-60", "at-60", "clause-mark", "verb-at-8", "verb-at-7", "verb-at-24", "verb-at-25", "verb-at-30"],
)
def test_a_heading_run_on_into_its_body_is_cut_before_the_first_verb_within_its_limits(length, verb_at, comma_at, kept):
    heading = _headings(_glued(length, verb_at, comma_at))[0]
    assert len(heading) == len("一、") + kept


def test_the_first_item_after_a_run_in_heading_follows_its_own_parent_not_an_earlier_heading():
    text = "一、总体情况\n正文。\n二、主要举措\n(一)加强组织领导推进。1.强化思想引领。正文内容。\n"
    assert _headings(text) == ["一、总体情况", "二、主要举措", "(一)加强组织领导推进", "1.强化思想引领"]
