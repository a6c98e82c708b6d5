"""The accuracy floors of issues 3 and 4, measured the way `fazhi evaluate` measures them."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from flows import cli
from flows.tools.evaluate import (
    FIELDS,
    evaluate_corpus,
    find_line,
    format_report,
    load_corpus,
    parse_gold_doc,
    portal_page,
    report_json,
    scores,
)


@pytest.fixture(scope="module")
def report(corpus_dir):
    return evaluate_corpus(corpus_dir)


def test_every_report_is_a_report_and_no_negative_is(report):
    seed_and_dev = [report.sets["seed"].reports[i] + report.sets["dev"].reports[i] for i in (0, 1)]
    assert seed_and_dev == [28, 28]
    assert report.sets["dev"].negatives == [4, 4], report.negative_misses


# The accuracy floors of this corpus are in tests/floors.json (tests/tools/test_floors.py).


def test_report_text_ends_with_the_score_table(report):
    text = format_report(report)
    assert text.splitlines()[-1].startswith("negatives is_report=false")
    assert "headings F1" in text
    header = next(line for line in text.splitlines() if line.startswith("measure"))
    assert header.split() == ["measure", "seed", "dev", "dev2", "all"]


def test_seed_document_fields_exact(corpus_dir, seed):
    _, gold = seed
    doc = next(d for d in load_corpus(corpus_dir) if d.name.startswith("seed/"))
    document = parse_gold_doc(doc).document
    assert document["title"] == gold["title"]
    assert document["issuers"] == gold["issuers"]
    assert document["issuer_type"] == "party_and_government"
    assert document["region_name"] == gold["region"]
    assert document["region_code"] == gold["region_code"] == "211300"
    assert document["region_level"] == gold["region_level"]
    assert document["report_year"] == gold["report_year"]
    assert document["publish_date"] == gold["publish_date"]
    assert document["source_org"] == gold["source"]
    assert document["breadcrumb"] == gold["breadcrumb"]
    assert document["is_report"] is True


def test_seed_headings_exact_and_no_extra(corpus_dir, seed):
    _, gold = seed
    doc = next(d for d in load_corpus(corpus_dir) if d.name.startswith("seed/"))
    sections = [s for s in parse_gold_doc(doc).sections if s["level"] > 0]
    got = [(s["level"], s["number"], s["heading"], s["section_type"] if s["level"] == 1 else None) for s in sections]
    want = [(h["level"], h["number"], h["heading"], h.get("section_type")) for h in gold["headings"]]
    assert len(want) == 31
    assert got == want


def test_seed_metrics_precision_recall_and_not_metrics(corpus_dir, seed):
    text, gold = seed
    doc = next(d for d in load_corpus(corpus_dir) if d.name.startswith("seed/"))
    result = parse_gold_doc(doc)
    body = result.document["text"]
    body_start = text.index(body[:200])
    got = {(m["start"] + body_start, m["end"] + body_start, m["value"], m["unit"]) for m in result.metrics}
    want = {(m["start"], m["end"], m["value"], m["unit"]) for m in gold["metrics"]}
    assert len(want) == 61
    tp = len(got & want)
    assert tp / len(got) >= 0.98 and tp / len(want) >= 0.98, (sorted(got - want), sorted(want - got))
    for metric in result.metrics:
        assert body[metric["start"] : metric["end"]] == metric["span"]
        assert metric["span"] not in gold["not_metrics"]


# ----------------------------------------------------------------------------------------------
# dev2 (issue 15): real pages with their chrome, and look-alikes


def test_dev2_counts_and_every_lookalike_rejected(report):
    """dev2's floors are in tests/floors.json (set corpus/dev2)."""
    dev2 = report.sets["dev2"]
    assert dev2.reports == [37, 37] and dev2.negatives == [8, 8], dev2.negative_misses
    assert all(dev2.fields[name][1] == 37 for name in FIELDS)


@pytest.mark.parametrize("layout", ["div", "table"])
def test_the_html_path_scores_within_a_hundredth_of_the_text_path(report, corpus_dir, layout):
    """The corpus texts put back into portal pages (UTF-8 div / GBK table layouts, site-name <title>)."""
    data, content_type = portal_page("关于2022年法治政府建设情况的报告\n正文", layout)
    assert b"<title>" in data and (b"charset=gbk" in data) == (layout == "table")
    html_report = evaluate_corpus(corpus_dir, layout)
    for set_name in ("seed", "dev", "dev2"):
        text_scores, html_scores = scores(report.sets[set_name]), scores(html_report.sets[set_name])
        for key in [f"field {name}" for name in FIELDS] + ["headings F1", "reports is_report=true"]:
            assert html_scores[key] >= text_scores[key] - 0.01, (set_name, key, html_report.field_misses)
    assert html_report.negatives == report.negatives


def test_misses_name_the_page_line_that_misled_the_parser(tmp_path):
    """A miss lists the line holding the wrong value the parser chose, or the gold value it missed."""
    (tmp_path / "dev").mkdir()
    text = (
        "首页 > 政务公开\n示例栏目\n\n2023年,我市全面推进法治政府建设。现将有关情况报告如下。\n一、主要举措\n依法行政。"
    )
    gold = {
        "title": "株洲市人民政府关于2023年法治政府建设情况的报告",
        "issuer": None,
        "region": None,
        "region_level": None,
        "report_year": 2023,
        "publish_date": "2024-03-01",
        "source": None,
        "headings": [{"text": "一、主要举措", "level": 1}],
    }
    (tmp_path / "dev" / "x01.json").write_text(json.dumps({"url": None, "text": text, "gold": gold}), encoding="utf-8")
    result = evaluate_corpus(tmp_path)
    miss = result.field_misses["publish_date"][0]
    assert (miss.gold, miss.got, miss.line) == ("2024-03-01", None, None)
    assert any("publish date" in w for w in miss.warnings)
    title_miss = result.field_misses["title"][0]
    assert title_miss.got is None and any(w.startswith("title:") for w in title_miss.warnings)
    text = format_report(result, explain=True)
    assert "warning: title: no title line printed" in text
    data = report_json(result)
    assert data["sets"]["dev"]["field title"] == 0.0 and data["all"]["reports n"] == 1
    assert {m["field"] for m in data["misses"]} >= {"title", "publish_date"}


def test_find_line_points_at_the_chosen_value():
    text = "当前位置:首页\n>政务公开>法治政府建设年度报告株洲市人民政府关于2023年法治政府建设情况的报告\n发布日期:2024-03-01"
    assert find_line(text, "title", ">政务公开>法治政府建设年度报告株洲市").startswith("line 2:")
    assert find_line(text, "publish_date", "2024-03-01") == "line 3: 发布日期:2024-03-01"
    assert find_line(text, "region", "湖南省株洲市").startswith("line 2:")


# --- what evaluate measures is the corpus it is given -----------------------------------------------

TEXT = "全年共受理行政复议案件12件,审结10件。办理法律援助案件5件。"


def _metric(span: str, value: int, unit: str, **extra) -> dict:
    return {"span": span, "value": value, "unit": unit, "qualifier": None, "kind": "count", **extra}


def _write_corpus(root, metrics: list[dict], labels: list[dict] | None = None):
    (root / "dev").mkdir(parents=True)
    item = {"url": None, "text": TEXT, "gold": {"metrics_complete": True, "metrics": metrics}}
    (root / "dev" / "x01.json").write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    if labels is not None:
        (root / "metric_labels.json").write_text(json.dumps({"labels": labels}, ensure_ascii=False), encoding="utf-8")
    return root


def _label(key: str, code: str | None, **extra) -> dict:
    return {"key": key, "expected_code": code, **extra}


def _run_json(*args) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["evaluate", *map(str, args), "--json"]) == 0
    return json.loads(out.getvalue())


def test_a_corpus_stating_no_codes_gets_no_mapping_measure(tmp_path):
    corpus = _write_corpus(
        tmp_path / "c", [_metric("12件", 12, "件"), _metric("10件", 10, "件"), _metric("5件", 5, "件")]
    )
    result = _run_json("--corpus", corpus)
    assert result["corpus"] == str(corpus) and result["all"]["documents"] == 1
    assert list(result["measures"]) == ["dev", "all"]
    assert not any(name.startswith(("catalog", "links")) for name in result["measures"]["all"])
    assert result["measures"]["dev"]["metrics recall (value, unit)"] == {
        "score": 1.0,
        "correct": 3,
        "total": 3,
        "step": 0.333333,
    }
    text = format_report(evaluate_corpus(corpus))
    assert "catalog mapping" not in text and "headings" not in text and "field " not in text


def test_mapping_is_scored_from_the_gold_codes_of_the_corpus(tmp_path):
    metrics = [
        _metric("12件", 12, "件", code="reconsideration_cases_received"),
        _metric("10件", 10, "件", code="reconsideration_cases_corrected"),  # wrong on purpose: 审结 is concluded
        _metric("5件", 5, "件", code=None),
    ]
    report = evaluate_corpus(_write_corpus(tmp_path / "c", metrics))
    assert report.mapping == [1, 3, 2]  # correct, assigned, labelled
    assert [(span, want, got) for _, span, want, got, _ in report.mapping_misses] == [
        ("10件", "reconsideration_cases_corrected", "reconsideration_cases_concluded"),
        ("5件", None, "legal_aid_cases"),
    ]


def test_labels_apply_only_to_the_metrics_of_this_corpus_they_name(tmp_path):
    metrics = [_metric("12件", 12, "件"), _metric("10件", 10, "件"), _metric("5件", 5, "件")]
    labels = [
        _label("dev/x01#0#12件", "reconsideration_cases_received"),
        _label("dev/x01#1#99件", "reconsideration_cases_concluded"),  # not this corpus's metric #1
        _label("dev/x02#0#12件", "legal_aid_cases"),  # a document the corpus does not have
        _label("dev/x01#2#5件", "legal_aid_cases", synthetic=True),  # invented labels belong to no document
    ]
    corpus = _write_corpus(tmp_path / "c", metrics, labels)
    assert evaluate_corpus(corpus).mapping == [1, 1, 1]
    elsewhere = tmp_path / "other-labels.json"
    elsewhere.write_text(json.dumps([_label("dev/x01#1#10件", "legal_aid_cases")]), encoding="utf-8")
    report = evaluate_corpus(corpus, labels_path=elsewhere)
    assert report.mapping == [0, 1, 1] and report.mapping_misses[0][2:4] == (
        "legal_aid_cases",
        "reconsideration_cases_concluded",
    )
    via_cli = _run_json("--corpus", corpus, "--labels", elsewhere)["measures"]["all"]
    assert via_cli["catalog mapping precision"] == {"score": 0.0, "correct": 0, "total": 1, "step": 1.0}


def test_the_json_measures_are_the_table_rows(corpus_dir, report):
    """Every score the table prints, per set, is a measure of `--json` with the same value."""
    result = _run_json("--corpus", corpus_dir)
    lines = format_report(report).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("measure"))
    columns = lines[header].split()[1:]
    assert columns == ["seed", "dev", "dev2", "all"]
    rows = lines[header + 2 :]
    assert [row[:34].strip() for row in rows] == list(result["measures"]["all"])
    for row in rows:
        name = row[:34].strip()
        for index, column in enumerate(columns):
            cell = row[34 + 16 * index : 34 + 16 * (index + 1)].split("(")[0].strip()
            figures = result["measures"][column].get(name)
            assert cell == ("n/a" if figures is None else f"{figures['score']:.3f}"), (name, column)
    assert result["measures"]["seed"]["headings F1"]["total"] == 2 * 31  # predicted + gold: one item is 2/62


def test_a_missing_label_file_is_a_one_line_error(tmp_path, capsys):
    corpus = _write_corpus(tmp_path / "c", [_metric("12件", 12, "件")])
    assert cli.main(["evaluate", "--corpus", str(corpus), "--labels", str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err.strip().endswith(f"label file not found: {tmp_path / 'nope.json'}")
