"""Metric extraction: each grammar case (positive and negative), record shape, properties, the gold
corpus figures, and speed."""

from __future__ import annotations

import json
import time

import pytest
from chinese_numerals import to_chinese  # the same independent renderer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.core import contracts
from flows.normalize.metrics import MAX_SENTENCE_CHARS, _without_baseline, extract_metrics

DOC = "0123456789abcdef"


def metrics(text: str) -> list[tuple]:
    """(span, value, unit, qualifier, kind, direction) for every metric found."""
    return [
        (m["span"], m["value"], m["unit"], m["qualifier"], m["kind"], m["direction"])
        for m in extract_metrics(text, DOC, [])
    ]


# --- what is a metric -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # counts with measure words
        ("今年共调解纠纷518件。", [("518件", 518, "件", None, "count", None)]),
        (
            "聘请12名法律顾问,走访企业37家。",
            [("12名", 12, "名", None, "count", None), ("37家", 37, "家", None, "count", None)],
        ),
        (
            "接待群众506人次,处理申请58件次,举办讲座615场次。",
            [
                ("506人次", 506, "人次", None, "count", None),
                ("58件次", 58, "件次", None, "count", None),
                ("615场次", 615, "场次", None, "count", None),
            ],
        ),
        (
            "对2市4县6个单位开展督察。",
            [
                ("2市", 2, "市", None, "count", None),
                ("4县", 4, "县", None, "count", None),
                ("6个", 6, "个", None, "count", None),
            ],
        ),
        (
            "全省仅两个县获此称号,举办十二场培训,办理一百零八件,两千四百人次参加。",
            [
                ("两个", 2, "个", None, "count", None),
                ("十二场", 12, "场", None, "count", None),
                ("一百零八件", 108, "件", None, "count", None),
                ("两千四百人次", 2400, "人次", None, "count", None),
            ],
        ),
        (
            "共办理27,383件,另有１２３件待办。",
            [("27,383件", 27383, "件", None, "count", None), ("１２３件", 123, "件", None, "count", None)],
        ),
        # a full-width comma separates numbers; it never groups thousands
        ("本季度审结1，100件。", [("100件", 100, "件", None, "count", None)]),
        (
            "检查企业2.1万家次,统一三个窗口。",
            [("2.1万家次", 21000, "家次", None, "count", None), ("三个", 3, "个", None, "count", None)],
        ),
        # traditional script: the unit stays as printed
        ("實現182項涉企經營事項。", [("182項", 182, "項", None, "count", None)]),
        # qualifiers before and after the number
        (
            "收到来信近3000件,组织50多家单位,开展活动70余次。",
            [
                ("近3000件", 3000, "件", "近", "count", None),
                ("50多家", 50, "家", "多", "count", None),
                ("70余次", 70, "次", "余", "count", None),
            ],
        ),
        (
            "服务超8000余人,参训1000人以上,用时约4.2天,覆盖率逾90%,受理超过200件,需30天左右。",
            [
                ("超8000余人", 8000, "人", "超", "count", None),
                ("1000人以上", 1000, "人", "以上", "count", None),
                ("约4.2天", 4.2, "天", "约", "amount", None),
                ("逾90%", 90, "%", "逾", "percent", None),
                ("超过200件", 200, "件", "超过", "count", None),
                ("30天左右", 30, "天", "左右", "amount", None),
            ],
        ),
        (
            "培训干部万余人次,走访近百家企业。",
            [("万余人次", 10000, "人次", "余", "count", None), ("近百家", 100, "家", "近", "count", None)],
        ),
        # multipliers applied, unit without the multiplier
        (
            "受访量达到75万余人次,惠及36.43萬人次。",
            [("75万余人次", 750000, "人次", "余", "count", None), ("36.43萬人次", 364300, "人次", None, "count", None)],
        ),
        (
            "投入资金1.5万元,总投资2.3亿元,挽回损失3000余万元。",
            [
                ("1.5万元", 15000, "元", None, "amount", None),
                ("2.3亿元", 230_000_000, "元", None, "amount", None),
                ("3000余万元", 30_000_000, "元", "余", "amount", None),
            ],
        ),
        ("线上浏览量达12.6万。", [("12.6万", 126000, None, None, "count", None)]),
        # percents
        (
            "按时办结率100%,满意度达98.5%,百分之九十五的事项可网上办。",
            [
                ("100%", 100, "%", None, "percent", None),
                ("98.5%", 98.5, "%", None, "percent", None),
                ("百分之九十五", 95, "%", None, "percent", None),
            ],
        ),
        ("出庭率提高到95%。", [("95%", 95, "%", None, "percent", None)]),
        (
            "做到百分之百覆盖,抽查比例百分之一。",
            [("百分之百", 100, "%", None, "percent", None), ("百分之一", 1, "%", None, "percent", None)],
        ),
        # durations and time limits are amounts
        (
            "办理时限由20个工作日压减为5个工作日,平均2小时响应。",
            [
                ("20个工作日", 20, "个工作日", None, "amount", None),
                ("5个工作日", 5, "个工作日", None, "amount", None),
                ("2小时", 2, "小时", None, "amount", None),
            ],
        ),
        (
            "依法在60日内作出决定,十五日内答复。",
            [("60日", 60, "日", None, "amount", None), ("十五日", 15, "日", None, "amount", None)],
        ),
        # ranks
        ("在全省考评中排名第七。", [("第七", 7, None, None, "rank", None)]),
        (
            "跃居第21位,位列全国第81位。",
            [("第21位", 21, "位", None, "rank", None), ("第81位", 81, "位", None, "rank", None)],
        ),
        (
            "连续三年稳居全省前五,考核位列全市第一。",
            [("前五", 5, None, None, "rank", None), ("第一", 1, None, None, "rank", None)],
        ),
        ("进入全国前10名。", [("前10名", 10, "名", None, "rank", None)]),
        (
            "获评全市第一名,居全省第二,由第15位上升至第8位。",
            [
                ("第一名", 1, "名", None, "rank", None),
                ("第二", 2, None, None, "rank", None),
                ("第15位", 15, "位", None, "rank", None),
                ("第8位", 8, "位", None, "rank", None),
            ],
        ),
        ("排名前10%的单位。", [("10%", 10, "%", None, "percent", None)]),
        # changes: positive value, direction in the wording
        (
            "案件量同比增长56%,败诉率较上年下降12.3个百分点。",
            [
                ("56%", 56, "%", None, "change", "increase"),
                ("12.3个百分点", 12.3, "个百分点", None, "change", "decrease"),
            ],
        ),
        (
            "审批时间压缩72%,排名前移16位,分值权重提升1倍,收案数减少了30件。",
            [
                ("72%", 72, "%", None, "change", "decrease"),
                ("16位", 16, "位", None, "change", "increase"),
                ("1倍", 1, "倍", None, "change", "increase"),
                ("30件", 30, "件", None, "change", "decrease"),
            ],
        ),
        (
            "收案和结案分别增长12%、15%。",
            [("12%", 12, "%", None, "change", "increase"), ("15%", 15, "%", None, "change", "increase")],
        ),
        ("受理量增长近一倍。", [("近一倍", 1, "倍", "近", "change", "increase")]),
        # ratios
        (
            "男女比例为1.04:1,经费是上年的2倍。",
            [("1.04:1", 1.04, None, None, "ratio", None), ("2倍", 2, "倍", None, "ratio", None)],
        ),
        ("得分98.5分。", [("98.5分", 98.5, "分", None, "amount", None)]),
        # areas counted by a compound area word; a period after 个 is not a count
        (
            "全州8县市全部公布权责清单,连续4个季度位列全省第一。",
            [("8县市", 8, "县市", None, "count", None), ("第一", 1, None, None, "rank", None)],
        ),
        # a doubling; a percent after a change verb and its object; a level reached is no change
        (
            "收入较上年翻一番,平均减少材料60%,比例提升到85%。",
            [
                ("一番", 1, "番", None, "change", "increase"),
                ("60%", 60, "%", None, "change", "decrease"),
                ("85%", 85, "%", None, "percent", None),
            ],
        ),
        # a 分别 list prints its unit once: every figure carries it
        (
            "化解率、调解率同比分别提升6.5和4.2个百分点,分别办理3、5件。",
            [
                ("6.5", 6.5, "个百分点", None, "change", "increase"),
                ("4.2个百分点", 4.2, "个百分点", None, "change", "increase"),
                ("3", 3, "件", None, "count", None),
                ("5件", 5, "件", None, "count", None),
            ],
        ),
        ("提升6.5和4.2个百分点。", [("4.2个百分点", 4.2, "个百分点", None, "change", None)]),
    ],
)
def test_metrics_found(text, expected):
    assert metrics(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # dates, years, periods
        "2022年11月1日起施行,3月29日印发,1月份召开,二〇二二年,于5日召开,截至12月31日以来。",
        "规划期为2021—2025年,方案(2022-2026年),两年以来,近五年,连续15年,上午9:30开会。",
        "发布时间:2023-03-27 17:05:33,日期25.02.2016。",
        # document numbers, section numbers, list markers
        "根据〔2024〕3号文件和厅字〔2019〕28号通知。",
        "一、总体情况\n(一)加强领导\n1.健全制度\n(1)完善机制\n一是强化学习,二是狠抓落实。",
        # numbers inside names of laws, plans, campaigns and slogans
        "印发《2022年法治为民办实事十项任务》,推进“八五”普法,构建“1+2+5”体系和3+X模式。",
        "落实一规划两纲要,谋划十四五,实现“十二连升”,开展七进活动,推行六多合一,建设五型政府。",
        "开展十项行动,落实三项制度,遵守八项规定,增强四个意识,坚决做到两个维护,公布四张清单。",
        # ordinal names
        "学习党的二十大精神,第六届论坛,第二批示范,第二十届排名,十九届六中全会,省第十二次党代会。",
        "市委八届二次、六次全会,十四届人大三次会议。",
        # versions and hotlines
        "综窗2.0上线,升级至3.0版本,清单(2022版),畅通12345热线和12348法律服务热线,12345市民热线。",
        # structural labels
        "推进四级联动,建成市县乡三级平台,市县两级,三调联动,四位一体,四所一庭。",
        # words that contain numerals
        "进一步统一标准,唯一一个,一网通办,一件事一次办,第一责任人,一批,一系列,首个,第一时间,放在第一位。",
        "成为全国第一个试点,位居全省第一方阵,前三季度,第2条第3款,2022年第3期。",
        "三番五次强调,百名法学家百场报告会,万所联万会,千家万户,零件,十分重要,两位数增长。",
        # dates written with dots, ranges and codes
        "举办5·15政务公开日和12·4宪法日活动,办理时限3-5个工作日,编号l379250-0303。",
    ],
)
def test_not_metrics(text):
    assert metrics(text) == []


def test_name_in_quotes_or_title_marks_only_hides_its_own_numbers():
    found = metrics("组建“村(居)民评理说事点”1588个,录制《民法典与您同行》栏目267期。")
    assert [(m[0], m[1]) for m in found] == [("1588个", 1588), ("267期", 267)]


def test_ascii_quotes_never_pair_across_a_clause():
    found = metrics('"一网通办"上线,共办理100件,"十项任务"全部落实。')
    assert [(m[0], m[1]) for m in found] == [("100件", 100)]


def test_a_dash_after_words_is_punctuation_but_between_digits_a_period():
    assert [m[0] for m in metrics("成效显著——500件。")] == ["500件"]
    assert metrics("时限为3—5个工作日,2021—2025年。") == []


def test_no_ceiling_qualifier_read_as_approximation():
    assert metrics("办理时限不超过15天。") == [("15天", 15, "天", None, "amount", None)]


# --- record shape and provenance ------------------------------------------------------------------

SECTIONS = [
    {"section_id": f"{DOC}-s000", "level": 0, "start": 0, "end": 60},
    {"section_id": f"{DOC}-s001", "level": 1, "start": 5, "end": 60},
    {"section_id": f"{DOC}-s002", "level": 2, "start": 10, "end": 30},
]


def test_record_fields_ids_sections_and_sentences():
    text = "总体情况。\n一、成效\n(一)复议\n全市全年受理复议案件518件,同比增长56%。办结率99%。\n二、问题"
    records = extract_metrics(text, DOC, SECTIONS)
    assert [r["span"] for r in records] == ["518件", "56%", "99%"]
    first = records[0]
    assert first["metric_id"] == f"{DOC}-m{first['start']:06d}"
    assert text[first["start"] : first["end"]] == "518件"
    assert first["doc_id"] == DOC and first["metric_code"] is None
    assert first["subject"] == "受理复议案件"
    assert first["sentence"] == "全市全年受理复议案件518件,同比增长56%。"
    assert records[2]["sentence"] == "办结率99%。"
    # innermost section containing the start: s002 ends at 30, so later metrics fall back to s001
    assert first["start"] < 30 and first["section_id"] == f"{DOC}-s002"
    assert records[2]["start"] >= 30 and records[2]["section_id"] == f"{DOC}-s001"
    for record in records:
        assert contracts.errors(record, "metric") == []


def test_innermost_section_when_headings_nest_and_siblings_follow():
    text = "甲" * 100
    sections = [
        {"section_id": f"{DOC}-s000", "level": 0, "start": 0, "end": 100},
        {"section_id": f"{DOC}-s001", "level": 1, "start": 0, "end": 50},
        {"section_id": f"{DOC}-s002", "level": 2, "start": 10, "end": 20},
        {"section_id": f"{DOC}-s003", "level": 2, "start": 20, "end": 50},
        {"section_id": f"{DOC}-s004", "level": 1, "start": 50, "end": 90},
    ]
    for pos, expected in [(0, "s001"), (15, "s002"), (20, "s003"), (49, "s003"), (50, "s004"), (95, "s000")]:
        record_text = text[:pos] + "3件" + text[pos + 2 :]
        [record] = extract_metrics(record_text, DOC, sections)
        assert record["section_id"] == f"{DOC}-{expected}", pos


def test_subject_after_the_unit():
    [record] = extract_metrics("选优配强18名政府法律顾问。", DOC, [])
    assert record["subject"] == "政府法律顾问"


@pytest.mark.parametrize(
    "text, subjects",
    [
        # a bracketed list inside the counted phrase; the predicate is left out
        (
            "全市18个县(市、区)政府主要负责人全部履行职责,10个县市区全部建立制度。",
            ["县(市、区)政府主要负责人", "县市区"],
        ),
        ("全市１８个县（市、区）政府主要负责人全部履行职责。", ["县（市、区）政府主要负责人"]),
        # a 、 list before the number is one subject
        (
            "市委常委会会议专题学习习近平法治思想和宪法、民法典等法律法规11次。",
            ["市委常委会会议专题学习习近平法治思想和宪法、民法典等法律法规"],
        ),
        ("明确6个方面28项重点任务。", ["方面", "重点任务"]),
        # how a level was reached is not what it is; tails are read in folded form (達到)
        ("行政訴訟敗訴率下降至4.2%,出庭應訴率達到100%。", ["行政訴訟敗訴率", "出庭應訴率"]),
        ("办理时间由20个工作日压缩至3个工作日。", ["办理时间", "办理时间"]),
        ("公职律师人数由上年的210名增加到305名。", ["公职律师人数由上年", "公职律师人数"]),
        ("全市共有律师事务所47家,示范村(社区)累计达到214个。", ["律师事务所", "示范村(社区)"]),
        # the second figure of 分别为A和B has no subject of its own
        ("决定履行率、判决履行率分别为100%和98.7%。", ["决定履行率、判决履行率", None]),
    ],
)
def test_subjects(text, subjects):
    assert [r["subject"] for r in extract_metrics(text, DOC, [])] == subjects


def test_no_sections_leaves_section_id_null():
    [record] = extract_metrics("办理案件3件。", DOC, [])
    assert record["section_id"] is None and contracts.errors(record, "metric") == []


def test_patterns_run_on_the_folded_text_but_slices_come_from_the_original():
    text = "受理複議案件５１８件，同比增長５６％。"
    records = extract_metrics(text, DOC, [])
    assert [(r["span"], r["value"], r["unit"], r["kind"]) for r in records] == [
        ("５１８件", 518, "件", "count"),
        ("５６％", 56, "%", "change"),
    ]
    assert records[0]["sentence"] == text


# --- properties -----------------------------------------------------------------------------------


@settings(max_examples=200)
@given(st.integers(min_value=3, max_value=10**8 - 1), st.booleans())
def test_generated_chinese_counts_are_read_with_their_value(n, liang):
    text = f"全年共办理{to_chinese(n, liang)}件行政复议案件。"
    assert [(m[1], m[2], m[4]) for m in metrics(text)] == [(n, "件", "count")]


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**9), st.booleans())
def test_generated_arabic_counts_are_read_with_their_value(n, grouped):
    text = f"全年共办理{n:,}件行政复议案件。" if grouped else f"全年共办理{n}件行政复议案件。"
    assert [(m[1], m[2]) for m in metrics(text)] == [(n, "件")]


_FRAGMENTS = [
    "1",
    "23",
    "2022",
    "3.5",
    "27,383",
    "１２",
    "一",
    "两",
    "十二",
    "百",
    "万",
    "亿",
    "零",
    "二十",
    "第",
    "前",
    "年",
    "月",
    "日",
    "个",
    "件",
    "人次",
    "%",
    "％",
    "个百分点",
    "倍",
    "位",
    "名",
    "元",
    "余",
    "多",
    "近",
    "超过",
    "以上",
    "左右",
    ":",
    ".",
    "-",
    "—",
    "·",
    "+",
    "、",
    ",",
    "。",
    "\n",
    "“",
    "”",
    "《",
    "》",
    "〔",
    "〕",
    "(",
    ")",
    "同比增长",
    "下降",
    "排名",
    "稳居",
    "全国",
    "百分之",
    "届",
    "全会",
    "市",
    "县",
    "a",
    "G",
    " ",
    "　",
    "受理案件",
    "的",
    "增",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join), st.text(max_size=200)))
def test_any_text_gives_valid_records_whose_offsets_slice_to_the_span(text):
    records = extract_metrics(text, DOC, [{"section_id": f"{DOC}-s000", "level": 0, "start": 0, "end": len(text)}])
    starts = [r["start"] for r in records]
    assert starts == sorted(set(starts))
    previous_end = 0
    for record in records:
        assert text[record["start"] : record["end"]] == record["span"]
        assert record["start"] >= previous_end  # metrics never overlap
        previous_end = record["end"]
        assert record["span"] in record["sentence"]
        assert record["value"] >= 0
        # Generated text can put an absurd number next to a unit (111亿个); the schema's bounds
        # quarantine those, and that must be the only reason a record is invalid.
        assert all("is greater than the maximum" in p for p in contracts.errors(record, "metric"))


# --- the gold corpus ------------------------------------------------------------------------------


def _key(metric: dict) -> tuple:
    return (f"{float(metric['value']):.6g}", metric["unit"])


def _match_in_order(gold: list[dict], predicted: list[dict]) -> list[tuple[int, int]]:
    """Longest common subsequence on (value, unit), as the project's evaluation matches."""
    n, m = len(gold), len(predicted)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if _key(gold[i]) == _key(predicted[j])
                else max(table[i + 1][j], table[i][j + 1])
            )
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if _key(gold[i]) == _key(predicted[j]):
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _misses(name: str, gold: list[dict], predicted: list[dict], pairs) -> list[str]:
    matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
    return [f"{name} missed {g['span']!r}" for i, g in enumerate(gold) if i not in matched_g] + [
        f"{name} extra {p['span']!r} in {p['sentence'][:40]!r}" for j, p in enumerate(predicted) if j not in matched_p
    ]


def test_seed_report_against_gold(seed):
    text, gold = seed
    predicted = extract_metrics(text, DOC, [])
    expected = gold["metrics"]
    pairs = [
        (i, j)
        for i, j in _match_in_order(expected, predicted)
        if (expected[i]["start"], expected[i]["end"]) == (predicted[j]["start"], predicted[j]["end"])
    ]
    precision, recall = len(pairs) / len(predicted), len(pairs) / len(expected)
    kind = sum(expected[i]["kind"] == predicted[j]["kind"] for i, j in pairs) / len(pairs)
    qualifier = sum(expected[i]["qualifier"] == predicted[j]["qualifier"] for i, j in pairs) / len(pairs)
    print(
        f"\nseed: precision {precision:.3f} recall {recall:.3f} kind {kind:.3f} qualifier {qualifier:.3f} "
        f"({len(pairs)} matched of {len(expected)} gold, {len(predicted)} found)"
    )
    for line in _misses("seed", expected, predicted, pairs):
        print("  " + line)
    assert precision >= 0.98 and recall >= 0.98
    assert kind >= 0.98 and qualifier >= 0.98


def test_seed_not_metrics_are_left_out(seed):
    text, gold = seed
    predicted = extract_metrics(text, DOC, [])
    for phrase in gold["not_metrics"]:
        at = text.find(phrase)
        assert at >= 0, phrase
        while at >= 0:
            overlapping = [m["span"] for m in predicted if m["start"] < at + len(phrase) and at < m["end"]]
            assert overlapping == [], f"{phrase!r} read as {overlapping}"
            at = text.find(phrase, at + 1)


def test_dev_reports_against_gold(corpus_dir):
    matched = found = expected_total = 0
    kind_ok = qualifier_ok = 0
    misses = []
    for path in sorted((corpus_dir / "dev").glob("d*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        gold = doc["gold"]
        if not gold.get("metrics_complete"):
            continue
        predicted = extract_metrics(doc["text"], DOC, [])
        expected = gold.get("metrics") or []
        pairs = _match_in_order(expected, predicted)
        matched, found, expected_total = matched + len(pairs), found + len(predicted), expected_total + len(expected)
        kind_ok += sum(expected[i]["kind"] == predicted[j]["kind"] for i, j in pairs)
        qualifier_ok += sum(expected[i]["qualifier"] == predicted[j]["qualifier"] for i, j in pairs)
        misses += _misses(path.stem, expected, predicted, pairs)
    precision, recall = matched / found, matched / expected_total
    f1 = 2 * precision * recall / (precision + recall)
    print(
        f"\ndev: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f} kind {kind_ok / matched:.3f} "
        f"qualifier {qualifier_ok / matched:.3f} ({matched} matched of {expected_total} gold, {found} found)"
    )
    for line in misses:
        print("  " + line)
    assert f1 >= 0.95


# --- speed ----------------------------------------------------------------------------------------


def test_a_100_kb_report_is_fast(seed):
    text, _ = seed
    report = "\n".join([text] * 5)  # ~100 KB of UTF-8, ~300 metrics
    assert len(report.encode("utf-8")) >= 99_000
    extract_metrics(report, DOC, [])  # tables and regexes warm
    best = min(_timed(report) for _ in range(5))
    print(f"\n100 KB report: {best * 1000:.1f} ms")
    assert best < 0.25  # typically ~30 ms; the bound leaves room for a loaded machine


def _timed(report: str) -> float:
    started = time.perf_counter()
    extract_metrics(report, DOC, [])
    return time.perf_counter() - started


# --- ranges (metrics._is_range_end): a range is not one figure, neither of its ends is a metric --


@pytest.mark.parametrize(
    "text",
    [
        "审批时限压缩至3至5个工作日。",
        "审批时限压缩至三至五个工作日。",
        "每年组织3到5次培训。",
        "全年办理5至8件。",
    ],
)
def test_neither_end_of_a_range_is_a_metric(text):
    assert metrics(text) == []


def test_a_level_reached_with_zhi_is_not_a_range():
    assert metrics("审批时限压缩至5个工作日。") == [("5个工作日", 5, "个工作日", None, "amount", None)]
    # 由20个工作日压缩至3至5个工作日: the earlier level is a figure, the new range is not
    assert [m[0] for m in metrics("办理时限由20个工作日压缩至3至5个工作日。")] == ["20个工作日"]


# --- a run-on sentence is cut to whole clauses around the span (metrics._clause_window) -------------


def test_a_run_on_sentence_is_cut_to_whole_clauses_mostly_before_the_span():
    text = "开展执法检查工作," * 60 + "全年办理案件518件," + "持续推进依法行政工作," * 40 + "。"
    (found,) = [m for m in extract_metrics(text, "d", []) if m["span"] == "518件"]
    sentence = found["sentence"]
    assert len(sentence) == 299 <= MAX_SENTENCE_CHARS
    assert sentence.index("518件") == 195  # at most two thirds of the window before the span
    start = text.index(sentence)
    assert text[start - 1] == "," and sentence.startswith("开展执法检查工作,")  # whole clauses only
    assert sentence.endswith("持续推进依法行政工作,")


def test_a_run_on_sentence_without_clause_breaks_is_cut_at_the_window():
    text = "开展执法检查" * 40 + "全年办理案件518件" + "持续推进" * 100 + "。"
    (found,) = [m for m in extract_metrics(text, "d", []) if m["span"] == "518件"]
    assert len(found["sentence"]) == MAX_SENTENCE_CHARS and found["sentence"].index("518件") == 200


# --- rules at their edges (each case tells a surviving mutant from the code; docs/MUTATION.md) ------

C, A, P, R = "count", "amount", "percent", "rank"
UP = ("change", "increase")


@pytest.mark.parametrize(
    "text, expected",
    [
        # a name inside a name (《…“…”…》) is one name: nothing inside it counts
        ("学习《2022年“法治”建设12条措施》,共举办讲座15场。", [("15场", 15, "场", None, C, None)]),
        # the change verb is read back to the start of a text that has no final stop
        ("同比增长56%", [("56%", 56, "%", None, *UP)]),
        ("同比增长达到12%。", [("12%", 12, "%", None, *UP)]),
        ("增幅为12%。", [("12%", 12, "%", None, *UP)]),
        # 分别增长12%和15%: the second figure continues the first one's change, whatever joins them
        ("分别增长12%和15%。", [("12%", 12, "%", None, *UP), ("15%", 15, "%", None, *UP)]),
        ("分别增长12%及15%。", [("12%", 12, "%", None, *UP), ("15%", 15, "%", None, *UP)]),
        ("分别增长12%,和15%。", [("12%", 12, "%", None, *UP), ("15%", 15, "%", None, *UP)]),
        (
            "分别增长3、5、8个百分点。",
            [("3", 3, "个百分点", None, *UP), ("5", 5, "个百分点", None, *UP), ("8个百分点", 8, "个百分点", None, *UP)],
        ),
        # a dash after words is punctuation; a + between numbers makes a formula
        (
            "全年受理案件—120件,办结118件。",
            [("120件", 120, "件", None, C, None), ("118件", 118, "件", None, C, None)],
        ),
        ("构建1+2个中心,建成3个站点。", [("3个", 3, "个", None, C, None)]),
        # a range of ranks is no rank; a rank before an ASCII full stop is one
        ("综合考评位列全省第3-5名。", []),
        ("全市考评排名第1.", [("第1", 1, None, None, R, None)]),
        (
            "考评排名第1. 2023年办理案件120件。",
            [("第1", 1, None, None, R, None), ("120件", 120, "件", None, C, None)],
        ),
        ("全省第7的成绩。", [("第7", 7, None, None, R, None)]),
        ("排名第7位单位。", []),  # 位单位: 单位 is no rank's 位
        ("在第7名。", []),
        ("进入前三的。", [("前三", 3, None, None, R, None)]),
        ("进入全国前10强。", []),
        # numerals read digit by digit, and a bare 二 before a measure word, count nothing
        ("二〇二二年共办理案件一二三件。", []),
        ("完成二次供水设施改造。", []),
        # prefix qualifiers: at the very start of a text; 附近 is no 近
        (
            "约2万余人次,2万人,两万人,3万余次。",
            [
                ("约2万余人次", 20000, "人次", "约", C, None),
                ("2万人", 20000, "人", None, C, None),
                ("两万人", 20000, "人", None, C, None),
                ("3万余次", 30000, "次", "余", C, None),
            ],
        ),
        ("附近30家企业。", [("30家", 30, "家", None, C, None)]),
        # ratios: thousands separators, the quotient to 12 digits, not a clock time
        ("比例为3:2。", [("3:2", 1.5, None, None, "ratio", None)]),
        ("比例为1,000:1。", [("1,000:1", 1000, None, None, "ratio", None)]),
        ("比例为1:2,000。", [("1:2,000", 0.0005, None, None, "ratio", None)]),
        ("比例为1:1.5。", [("1:1.5", 0.666666666667, None, None, "ratio", None)]),
        # measure words that do not measure: 2市场, a clock's 分, dates and sessions
        ("2市场主体。", []),
        ("时5分,点5分,得分95分。", [("95分", 95, "分", None, A, None)]),
        (
            "在15日内,3月29日,于5日,15日以内,15日左右,至5日,在5日以内。",
            [
                ("15日", 15, "日", None, A, None),
                ("15日", 15, "日", None, A, None),
                ("15日左右", 15, "日", "左右", A, None),
            ],
        ),
        ("召开大会三次会议,大会3次会议,会三次会议。", [("3次", 3, "次", None, C, None)]),
        # a 分别 list looks back 17 characters for each figure
        ("分别为12345678901234567、8件。", [("8件", 8, "件", None, C, None)]),
        # a full-width comma splits a number, each time it occurs
        (
            "审结1，100件，办理2，300件。",
            [("100件", 100, "件", None, C, None), ("300件", 300, "件", None, C, None)],
        ),
    ],
)
def test_rules_at_their_edges(text, expected):
    assert metrics(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # a bare 壹/贰/〇/○ before a measure word names, it does not count (as 一/二/零 do)
        ("全市新建壹个中心。", []),
        ("开展贰次培训。", []),
        ("发生〇件。", []),
        ("发生○件。", []),
        # a numeral one character into the text still counts
        ("共五次。", [("五次", 5, "次", None, C, None)]),
        # 前N: a rank after a ranking word up to ten characters back, with 位, not after 此前
        ("考核排名在全省各市州中前5,", [("前5", 5, None, None, R, None)]),
        ("排名进入全国前10位。", [("前10位", 10, "位", None, R, None)]),
        ("此前3,办理案件5件。", [("5件", 5, "件", None, C, None)]),
        # a dotted sequence after a colon is not a ratio
        ("比例为1:2.5.3。", []),
    ],
)
def test_numerals_ranks_and_ratios_at_their_edges(text, expected):
    assert metrics(text) == expected


def test_the_earlier_level_of_a_change_is_cut_at_its_last_from():
    records = extract_metrics("由司法局负责的公职律师人数由上年的30人增加到50人。", DOC, [])
    assert [r["subject"] for r in records] == ["由司法局负责的公职律师人数由上年", "由司法局负责的公职律师人数"]


@pytest.mark.parametrize(
    "subject, cut",
    [
        ("人数由21年度", "人数"),  # 由 and at most four characters after it: the baseline
        ("人数由2021年", "人数由2021年"),  # five after it: part of the subject
        ("数由上年", "数"),
        ("由上年", "由上年"),  # nothing before 由: nothing to keep
    ],
)
def test_without_baseline_cuts_a_short_from_clause(subject, cut):
    assert _without_baseline(subject) == cut
