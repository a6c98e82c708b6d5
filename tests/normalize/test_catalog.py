"""The metric catalog: its data validates, its rules map metrics the way an analyst would, and the
hand-labelled gold metrics are mapped with the precision the project promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.core import contracts
from flows.normalize import catalog

LABELS_PATH = Path(__file__).parents[1] / "fixtures" / "corpus" / "metric_labels.json"

REQUIRED_CODES = {
    "reconsideration_cases_received",
    "reconsideration_cases_concluded",
    "reconsideration_cases_corrected",
    "reconsideration_correction_rate",
    "administrative_litigation_cases",
    "principal_appearance_rate",
    "normative_documents_reviewed",
    "normative_documents_kept",
    "normative_documents_abolished",
    "normative_documents_amended",
    "major_decisions_catalogued",
    "legal_advisers",
    "public_sector_lawyers",
    "legality_reviews",
    "enforcement_bodies_reviewed",
    "enforcement_case_files_reviewed",
    "enforcement_officers_trained",
    "enforcement_officers_trained_people",
    "enforcement_officers_certified",
    "enterprise_inspection_plans_filed",
    "major_penalty_cases_filed",
    "mediation_organizations",
    "mediation_cases",
    "mediation_success_rate",
    "legal_aid_cases",
    "hotline_12348_calls",
    "hotline_12345_completion_rate",
    "hotline_12345_satisfaction_rate",
    "npc_suggestions_handled",
    "cppcc_proposals_handled",
    "suggestions_proposals_on_time_rate",
    "suggestions_proposals_satisfaction_rate",
    "information_disclosed_proactively",
    "disclosure_requests_received",
    "press_conferences",
    "legislation_plan_items",
    "regulations_rules_enacted",
    "legal_education_events",
}


@pytest.fixture(scope="module")
def labels() -> list[dict]:
    return json.loads(LABELS_PATH.read_text(encoding="utf-8"))["labels"]


def metric(subject, sentence, span, unit, kind="count"):
    return {"subject": subject, "sentence": sentence, "span": span, "unit": unit, "kind": kind}


# ------------------------------------------------------------------ the catalog as data


def test_catalog_has_the_required_indicators_and_every_row_satisfies_its_schema():
    cat = catalog.load_catalog()
    rows = catalog.catalog_rows()
    assert len(rows) >= 30 and len(rows) == len(cat.indicators)
    codes = [row["metric_code"] for row in rows]
    assert len(set(codes)) == len(codes)
    assert REQUIRED_CODES <= set(codes), REQUIRED_CODES - set(codes)
    for row in rows:
        assert contracts.errors(row, "metric_catalog") == [], row["metric_code"]
        assert isinstance(row["match_rules"], dict) and row["match_rules"]["rules"]
    assert contracts.load_schema("metric_catalog")["x-primary-key"] == ["metric_code"]


def test_catalog_rows_are_copies():
    rows = catalog.catalog_rows()
    rows[0]["match_rules"]["units"].append("吨")
    assert "吨" not in catalog.catalog_rows()[0]["match_rules"]["units"]


def _write_catalog(tmp_path, entries) -> Path:
    import yaml

    path = tmp_path / "metric_catalog.yaml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


def _entry(**changes):
    entry = catalog.load_catalog().row("legal_aid_cases")
    entry.update(changes)
    return entry


def test_an_invalid_entry_is_reported_with_its_code_and_field(tmp_path):
    path = _write_catalog(tmp_path, [_entry(), _entry(metric_code="press_events", kind="tally")])
    with pytest.raises(catalog.CatalogError, match=r"entry #2 \(press_events\): kind: 'tally' is not one of"):
        catalog.load_catalog(path)


def test_duplicate_codes_and_unfolded_keywords_are_rejected(tmp_path):
    with pytest.raises(catalog.CatalogError, match=r"entry #2 \(legal_aid_cases\): metric_code: duplicate"):
        catalog.load_catalog(_write_catalog(tmp_path, [_entry(), _entry()]))

    traditional = _entry()
    traditional["match_rules"]["rules"][0]["subject"]["all_of"][0] = ["法律援助", "法律援護"]
    with pytest.raises(catalog.CatalogError, match=r"rules/0/subject: keyword '法律援護' is not in folded form"):
        catalog.load_catalog(_write_catalog(tmp_path, [traditional]))


def test_an_entry_that_is_not_a_mapping_is_named_by_its_position(tmp_path):
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.load_catalog(_write_catalog(tmp_path, [_entry(), "legal_aid_cases"]))
    assert str(caught.value).startswith("metric_catalog.yaml entry #2: ")


def test_the_canonical_kind_must_be_accepted_and_every_keyword_list_is_checked_for_folding(tmp_path):
    with pytest.raises(catalog.CatalogError, match=r"match_rules/kinds: canonical kind 'amount' is not accepted$"):
        catalog.load_catalog(_write_catalog(tmp_path, [_entry(kind="amount")]))
    for part, key in (("sentence", "any_of"), ("subject", "any_of"), ("subject", "none_of"), ("sentence", "none_of")):
        entry = _entry()
        entry["match_rules"]["rules"][0].setdefault(part, {})[key] = ["法律援護"]
        with pytest.raises(catalog.CatalogError, match=rf"rules/0/{part}: keyword '法律援護' is not in folded form"):
            catalog.load_catalog(_write_catalog(tmp_path, [entry]))


def test_a_row_is_a_deep_copy():
    row = catalog.load_catalog().row("legal_aid_cases")
    row["match_rules"]["units"].append("吨")
    assert "吨" not in catalog.load_catalog().row("legal_aid_cases")["match_rules"]["units"]


def test_a_missing_unit_compares_as_empty():
    assert catalog.normalize_unit(None) == "" and catalog.normalize_unit("万件") == "件"


def test_an_unknown_code_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match="no_such_indicator"):
        catalog.load_catalog().row("no_such_indicator")


def test_the_canonical_unit_must_be_accepted_by_the_rules(tmp_path):
    path = _write_catalog(tmp_path, [_entry(unit="人次")])
    with pytest.raises(catalog.CatalogError, match=r"match_rules/units: canonical unit '人次'"):
        catalog.load_catalog(path)


# ------------------------------------------------------------------ specific mappings

RECON = "全年收到行政复议申请326件,依法受理298件,审结281件,其中撤销、变更、确认违法等纠错43件,纠错率15.3%。"


@pytest.mark.parametrize(
    "subject, span, unit, kind, code",
    [
        ("依法受理行政复议申请", "298件", "件", "count", "reconsideration_cases_received"),
        ("审结行政复议案件", "281件", "件", "count", "reconsideration_cases_concluded"),
        ("撤销、变更、确认违法等纠错", "43件", "件", "count", "reconsideration_cases_corrected"),
        ("行政复议纠错率", "15.3%", "%", "percent", "reconsideration_correction_rate"),
    ],
)
def test_received_concluded_and_corrected_are_told_apart(subject, span, unit, kind, code):
    assert catalog.assign_code(metric(subject, RECON, span, unit, kind)) == code


def test_concluded_reconsideration_cases_are_not_received():
    m = metric("办结行政复议案件", "全年办结行政复议案件412件。", "412件", "件")
    assert catalog.assign_code(m) == "reconsideration_cases_concluded"


def test_a_passing_mention_of_reconsideration_is_not_cases_received():
    sentence = "深化行政复议体制改革,全年受理群众来信来访3400件。"
    assert catalog.assign_code(metric("受理群众来信来访", sentence, "3400件", "件")) is None
    service_points = "推进行政复议体制改革,设立行政复议基层服务点32个。"
    assert catalog.assign_code(metric("行政复议基层服务点", service_points, "32个", "个")) is None


def test_a_growth_rate_is_not_the_count_it_describes():
    sentence = "全市全年受理复议案件518件,同比增长56%。"
    assert catalog.assign_code(metric("受理复议案件", sentence, "518件", "件")) == "reconsideration_cases_received"
    assert catalog.assign_code(metric("受理行政复议案件同比增长", sentence, "56%", "%", "change")) is None


def test_satisfaction_rates_follow_their_topic():
    hotline = "12345政务服务便民热线诉求案件办结率99%,群众满意率97%。"
    assert (
        catalog.assign_code(metric("群众满意率", hotline, "97%", "%", "percent")) == "hotline_12345_satisfaction_rate"
    )
    assert (
        catalog.assign_code(metric("诉求案件办结率", hotline, "99%", "%", "percent")) == "hotline_12345_completion_rate"
    )
    deputies = "办理人大代表建议128件、政协委员提案190件,按时办复率100%,满意率98%。"
    assert (
        catalog.assign_code(metric("满意率", deputies, "98%", "%", "percent"))
        == "suggestions_proposals_satisfaction_rate"
    )
    assert (
        catalog.assign_code(metric("按时办复率", deputies, "100%", "%", "percent"))
        == "suggestions_proposals_on_time_rate"
    )
    assert catalog.assign_code(metric("人大代表建议", deputies, "128件", "件")) == "npc_suggestions_handled"
    assert catalog.assign_code(metric("政协委员提案", deputies, "190件", "件")) == "cppcc_proposals_handled"


def test_reconsideration_cases_are_not_motions():
    # 复议案件 contains 议案 (a deputies' motion): the completion rate of reconsideration has no code.
    sentence = "全年审结行政复议案件412件,办结率98.6%。"
    assert catalog.assign_code(metric("行政复议办结率", sentence, "98.6%", "%", "percent")) is None


def test_traditional_script_maps_like_simplified():
    sentence = "全年審結行政復議案件412件,12345熱線群眾滿意率達97.5%。"
    assert catalog.assign_code(metric("審結行政復議案件", sentence, "412件", "件")) == "reconsideration_cases_concluded"
    assert catalog.assign_code(metric("12345熱線群眾滿意率", sentence, "97.5%", "%", "percent")) == (
        "hotline_12345_satisfaction_rate"
    )
    assert (
        catalog.assign_code(metric("辦理法律援助案件", "辦理法律援助案件4010件。", "4010件", "件")) == "legal_aid_cases"
    )


def test_units_and_kinds_gate_the_mapping():
    sentence = "组织11家单位召开新闻发布会9场。"
    assert catalog.assign_code(metric("新闻发布会", sentence, "9场", "场")) == "press_conferences"
    assert catalog.assign_code(metric("召开新闻发布会的单位", sentence, "11家", "家")) is None
    cleanup = "全年开展行政规范性文件清理6次,对全市368件现行行政规范性文件进行清理。"
    assert catalog.assign_code(metric("行政规范性文件清理", cleanup, "6次", "次")) is None
    assert catalog.assign_code(metric("清理现行行政规范性文件", cleanup, "368件", "件")) == (
        "normative_documents_cleaned_up"
    )
    assert catalog.assign_code(metric("受理复议案件", "受理复议案件518件。", "518件", None)) is None


def test_multiplier_prefix_in_a_unit_is_ignored():
    sentence = "12345热线全年受理群众诉求86.5万件。"
    assert catalog.normalize_unit("萬件") == "件"
    assert catalog.assign_code(metric("受理群众诉求", sentence, "86.5万件", "万件")) == "hotline_12345_requests"


@pytest.mark.parametrize(
    "text, codes",
    [
        # the object is printed once, with the first figure; the verbs after it still say what is counted
        (
            "全县共收到行政复议申请236件,依法受理218件,审结209件。",
            ["reconsideration_cases_received", "reconsideration_cases_received", "reconsideration_cases_concluded"],
        ),
        ("全市法院一审受理行政案件1,056件,审结987件。", ["administrative_litigation_cases", None]),
        (
            "组织召开政府常务会议24次,其中研究法治议题9次,会前学法12次。",
            [None, "leadership_meetings_on_rule_of_law", "leadership_law_study_sessions"],
        ),
        ("组织执法人员轮训两轮,参训人员三千余人次。", [None, "enforcement_officers_trained"]),
        ("新制定政府规章7件、修改5件、废止2件。", ["regulations_rules_enacted", "regulations_rules_enacted", None]),
        # two rates named together, one figure: unmapped rather than guessed
        ("代表建议按时办结率、代表委员满意率均为100%。", [None]),
        # a hotline opened is not calls answered; a legal aid breakdown is not litigation
        ("开通“12348”热线和微信群1,020个。", [None]),
        ("办理法律援助案件512件,其中民事案件296件、行政案件8件。", ["legal_aid_cases", None, None]),
    ],
)
def test_extracted_figures_map_in_context(text, codes):
    from flows.normalize.metrics import extract_metrics

    found = catalog.assign_codes(extract_metrics(text, "0123456789abcdef", []))
    assert [m["metric_code"] for m in found] == codes


def test_assign_codes_fills_copies():
    records = [
        metric("人大代表建议", "人大代表建议128件。", "128件", "件"),
        metric("应急预案", "更新应急预案9部。", "9部", "部"),
    ]
    coded = catalog.assign_codes(records)
    assert [r["metric_code"] for r in coded] == ["npc_suggestions_handled", None]
    assert "metric_code" not in records[0]


# ------------------------------------------------------------------ labelled evaluation


def test_labels_cover_every_gold_metric_with_its_sentence(labels, corpus_dir):
    real = [label for label in labels if not label["synthetic"]]
    expected = {}
    seed = json.loads((corpus_dir / "seed" / "chaoyang-2022.gold.json").read_text(encoding="utf-8"))
    expected["seed/chaoyang-2022"] = seed["metrics"]
    for path in sorted((corpus_dir / "dev").glob("d*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))["gold"]
        if gold.get("metrics_complete"):
            expected[f"dev/{path.stem}"] = gold["metrics"]
    assert len(real) == sum(len(metrics) for metrics in expected.values())
    for label in real:
        gold = expected[label["doc"]][label["index"]]
        assert (label["span"], label["value"], label["unit"], label["subject"]) == (
            gold["span"],
            gold["value"],
            gold["unit"],
            gold["subject"],
        )
        assert label["span"] in label["sentence"]
    seed_text = (corpus_dir / "seed" / "chaoyang-2022.txt").read_text(encoding="utf-8")
    for label in real:
        if label["doc"].startswith("seed/"):
            assert seed_text[label["start"] : label["start"] + len(label["span"])] == label["span"]
            assert label["sentence"] in seed_text


def test_the_label_sets_are_what_they_claim(labels):
    # Their precision and recall floors are in tests/floors.json (set metric_labels, tests/tools/test_floors.py).
    scored = catalog.score_labels(labels)
    assert scored["labels"] == 105 and scored["labelled"] == 36
    assert scored["synthetic"]["labels"] >= 60


def test_every_indicator_is_exercised_by_a_label_it_gets_right(labels):
    cat = catalog.load_catalog()
    right = {
        label["expected_code"]
        for label in labels
        if label["expected_code"] and cat.assign(label) == label["expected_code"]
    }
    assert set(cat.codes) - right == set()


def test_score_labels_counts_wrong_and_missing_codes():
    base = {
        "sentence": "全年办理法律援助案件4010件。",
        "span": "4010件",
        "unit": "件",
        "kind": "count",
        "synthetic": False,
    }
    scored = catalog.score_labels(
        [
            {**base, "key": "a", "subject": "办理法律援助案件", "expected_code": "legal_aid_cases"},
            {**base, "key": "b", "subject": "办理法律援助案件", "expected_code": None},
            {**base, "key": "c", "subject": "援助", "expected_code": "legal_aid_cases"},
        ]
    )
    assert (scored["assigned"], scored["correct"], scored["labelled"]) == (2, 1, 2)
    assert scored["precision"] == 0.5 and scored["recall"] == 0.5
    assert scored["misses"] == [
        {"key": "b", "expected_code": None, "assigned_code": "legal_aid_cases", "subject": "办理法律援助案件"},
        {"key": "c", "expected_code": "legal_aid_cases", "assigned_code": None, "subject": "援助"},
    ]
    assert scored["synthetic"]["labels"] == 0 and scored["synthetic"]["precision"] is None
    twice = catalog.score_labels(
        [{**base, "key": k, "subject": "办理法律援助案件", "expected_code": "legal_aid_cases"} for k in "de"]
    )
    assert (twice["correct"], twice["precision"]) == (2, 1.0)


def test_score_labels_reads_the_label_file_object():
    document = json.loads(LABELS_PATH.read_text(encoding="utf-8"))
    assert catalog.score_labels(document) == catalog.score_labels(document["labels"])


# ------------------------------------------------------------------ units that compare

TRAINED = "完成186个执法部门8664名执法人员培训和执法证考试。"


def test_people_are_not_person_times_and_the_metric_says_why():
    people = {**metric("执法人员培训和执法证考试", TRAINED, "8664名", "名"), "value": 8664}
    times = {**metric("培训执法人员", "培训执法人员3200人次。", "3200人次", "人次"), "value": 3200}
    coded = catalog.assign_codes([people, times])
    assert [(m["metric_code"], m["catalog_value"], m["catalog_warning"]) for m in coded] == [
        ("enforcement_officers_trained_people", 8664, None),
        ("enforcement_officers_trained", 3200, None),
    ]
    # words both indicators use, a unit neither takes: unmapped, and each indicator says what it counts
    batches = {**metric("执法人员培训", "完成执法人员培训12批。", "12批", "批"), "value": 12}
    (coded,) = catalog.assign_codes([batches])
    assert coded["metric_code"] is None and coded["catalog_value"] is None
    assert coded["catalog_warning"] == (
        "unit 批 not accepted: enforcement_officers_trained counts person_times in 人次; "
        "enforcement_officers_trained_people counts people in 人, 位, 名"
    )
    # words no indicator uses: no warning, whatever the unit
    (coded,) = catalog.assign_codes([{**metric("应急预案", "更新应急预案9部。", "9部", "部"), "value": 9}])
    assert coded["catalog_warning"] is None


def test_catalog_value_is_in_the_indicators_unit():
    sites = {**metric("村(社区)法治微广场", "建成村(社区)法治微广场190处。", "190处", "处"), "value": 190}
    corridors = {**metric("法治文化长廊", "建成法治文化长廊12条。", "12条", "条"), "value": 12}
    coded = catalog.assign_codes([sites, corridors])
    assert [(m["metric_code"], m["catalog_value"]) for m in coded] == [
        ("rule_of_law_culture_sites", 190),
        ("rule_of_law_culture_sites", 12),
    ]
    assert catalog.load_catalog().row("rule_of_law_culture_sites")["unit"] == "处"
    # a unit printed with its multiplier is that many units (extracted metrics carry it in the value)
    consults = {**metric("提供法律咨询", "提供法律咨询3.6万人次。", "3.6万人次", "万人次"), "value": 3.6}
    (coded,) = catalog.assign_codes([consults])
    assert (coded["metric_code"], coded["catalog_value"]) == ("legal_consultations", 36000)
    assert catalog.split_unit("萬人次") == ("人次", 10000) and catalog.split_unit("余人") == ("人", 1)


def test_a_declared_conversion_converts(tmp_path):
    entry = _entry()
    entry["match_rules"]["conversions"] = {"万件": 10000, "卷": 2}
    entry["unit_family"] = "items"
    cat = catalog.load_catalog(_write_catalog(tmp_path, [entry]))
    files = {**metric("办理法律援助案件", "办理法律援助案件卷宗8卷。", "8卷", "卷"), "value": 8}
    assert cat.map(files) == catalog.Mapping("legal_aid_cases", 16)


def test_every_unit_an_indicator_accepts_belongs_to_its_family(tmp_path):
    families = catalog.unit_families()
    for indicator in catalog.load_catalog().indicators:
        assert indicator.units <= families[indicator.family], indicator.code
    assert "名" in families["people"] and "名" not in families["person_times"] | families["occurrences"]
    mixed = _entry()
    mixed["match_rules"]["units"] = ["件", "人次"]
    with pytest.raises(catalog.CatalogError, match=r"match_rules/units: '人次' not in unit family 'items'"):
        catalog.load_catalog(_write_catalog(tmp_path, [mixed]))
    outside = _entry()
    outside["match_rules"]["conversions"] = {"名": 1}
    with pytest.raises(catalog.CatalogError, match=r"match_rules/conversions: '名' not in unit family 'items'"):
        catalog.load_catalog(_write_catalog(tmp_path, [outside]))


# ------------------------------------------------------------------ ties


def test_a_metric_two_indicators_accept_stays_unmapped():
    """The one tie in the generalization set (g09): corrected and mediated-then-withdrawn cases counted
    together; both indicators accept the figure, neither measures it, and it stays unmapped."""
    metric = {
        "subject": "直接纠错和调解后撤回申请的案件",
        "sentence": "全州各级行政复议机构共收到行政复议申请约260件,受理238件,审结225件,审结率94.5%;"
        "直接纠错和调解后撤回申请的案件共计47件,占审结案件的20.9%。",
        "span": "47件",
        "unit": "件",
        "kind": "count",
    }
    cat = catalog.load_catalog()
    assert [indicator.code for indicator in cat.matching(metric)] == [
        "reconsideration_cases_corrected",
        "mediation_cases",
    ]
    assert catalog.assign_code(metric) is None
    alone = {**metric, "subject": "直接纠错的案件", "sentence": "行政复议直接纠错的案件共计47件。"}
    assert [indicator.code for indicator in cat.matching(alone)] == ["reconsideration_cases_corrected"]
    assert catalog.assign_code(alone) == "reconsideration_cases_corrected"


# ------------------------------------------------------------------ what the keywords are tested on


def test_an_indicator_accepts_only_its_kinds_and_units():
    legal_aid = next(ind for ind in catalog.load_catalog().indicators if ind.code == "legal_aid_cases")
    args = ("办理法律援助案件", "全年办理法律援助案件4010件")
    assert legal_aid.accepts("count", "件", *args)
    assert not legal_aid.accepts("percent", "件", *args) and not legal_aid.accepts("count", "%", *args)


def test_the_sentence_view_ends_with_the_value_and_adds_the_subject():
    view = catalog._sentence_view
    # text after the value belongs to the next statement
    assert view({"sentence": "全年办结率99%,群众满意率97%。", "span": "99%"}, "办结率") == "全年办结率99%\n办结率"
    # a span printed twice: the first occurrence after the subject is the value the subject describes
    twice = {"sentence": "收到申请12件,受理复议案件12件,办结10件。", "span": "12件"}
    assert view(twice, "受理复议案件") == "收到申请12件,受理复议案件12件\n受理复议案件"
    assert view(twice, "复议") == "收到申请12件,受理复议案件12件\n复议"
    assert view(twice, "收到申请") == "收到申请12件\n收到申请"
    assert view(twice, "不在句中") == "收到申请12件\n不在句中"  # subject elsewhere: the first occurrence
    assert view(twice, "") == "收到申请12件\n"
    assert view({"sentence": "受理复议案件12件。", "span": "99件"}, "受理") == "受理复议案件12件。\n受理"
    assert view({"sentence": "12件为受理数。", "span": "12件"}, "受理数") == "12件\n受理数"  # at the very start
    assert view({"sentence": "12件已受理,又12件。", "span": "12件"}, "") == "12件\n"
    assert view({"sentence": "受理申请12件,受理复议案件12件。", "span": "12件"}, "受理") == "受理申请12件\n受理"


def test_occurrences_are_non_overlapping_from_the_left():
    assert catalog._occurrences("12件", "12件,共12件") == [0, 5]
    assert catalog._occurrences("11", "1111") == [0, 2]
    assert catalog._occurrences("12件", "12件,共12件,又12件") == [0, 5, 10]
    assert catalog._occurrences("件", "无") == []


# ------------------------------------------------------------------ units at their edges (mutation testing)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        (None, ("", 1)),
        ("", ("", 1)),
        ("件", ("件", 1)),
        ("余人", ("人", 1)),
        ("万余人次", ("人次", 10_000)),  # every multiplier in the prefix counts, the approximation adds none
        ("余万件", ("件", 10_000)),
        ("千万元", ("元", 10_000_000)),
        ("万", ("万", 1)),  # a multiplier alone is the unit
    ],
    ids=[
        "none",
        "empty",
        "plain",
        "approximate",
        "multiplier-then-approximation",
        "approximation-then-multiplier",
        "two-multipliers",
        "multiplier-alone",
    ],
)
def test_split_unit_takes_off_the_whole_prefix_and_multiplies_its_factors(printed, expected):
    assert catalog.split_unit(printed) == expected


def _indicator(tmp_path, **rules):
    entry = _entry()
    entry["match_rules"].update(rules)
    return catalog.load_catalog(_write_catalog(tmp_path, [entry])).indicators[0]


def test_a_listed_conversion_is_taken_as_listed_and_an_unaccepted_unit_has_no_factor(tmp_path):
    indicator = _indicator(tmp_path, units=["件"], conversions={"万起": 10_000})
    assert indicator.factor("件") == 1 and indicator.factor("万件") == 10_000
    assert indicator.factor("万起") == 10_000  # listed: 起 alone is not accepted
    assert indicator.factor("起") is None and indicator.factor("吨") is None and indicator.factor(None) is None


def test_a_metric_without_a_unit_gets_no_unit_warning():
    (coded,) = catalog.assign_codes([{**metric("法律援助案件", "办理法律援助案件12。", "12", None), "value": 12}])
    assert (coded["metric_code"], coded["catalog_warning"]) == (None, None)


def test_the_unit_warning_without_subject_words_to_gate_on(tmp_path):
    entry = _entry()
    entry["match_rules"]["rules"] = [{"sentence": {"any_of": ["法律援助"]}}]  # no subject words at all
    cat = catalog.load_catalog(_write_catalog(tmp_path, [entry]))
    assert cat.by_kind["count"][1] is None
    mapped = cat.map({**metric("案件", "办理法律援助案件12批。", "12批", "批"), "value": 12})
    assert mapped == catalog.Mapping(None, warning="unit 批 not accepted: legal_aid_cases counts items in 件, 宗, 起")
    assert cat.map({**metric("案件", "办理法律援助案件12件。", "12件", "件"), "value": 12}).code == "legal_aid_cases"


def test_a_unit_outside_the_family_is_named_with_the_family_members(tmp_path):
    family = ", ".join(sorted(catalog.unit_families()["items"]))
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.load_catalog(
            _write_catalog(tmp_path, [_entry(match_rules={**_entry()["match_rules"], "units": ["件", "吨", "人"]})])
        )
    assert str(caught.value).endswith(f"match_rules/units: '吨', '人' not in unit family 'items' ({family})")
