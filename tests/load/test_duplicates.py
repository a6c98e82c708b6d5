"""Duplicate detection (flows/load/duplicates.py) on labelled pairs and on hand-made cases.

The labelled pairs (tests/fixtures/duplicates/pairs.json, written by make_pairs.py from the gold
corpus copy): the same report on another host, in the other script, an excerpt inside the whole
(duplicates); another county's report written from the same text, two different reports (not
duplicates); a revised issue on the same site (superseded). Every page goes through the real parser
first, and detection runs over all of them at once, as the load runs it over a warehouse."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from flows.load.duplicates import (
    EXACT,
    NEAR,
    Marks,
    comparable_text,
    find_duplicates,
    fingerprint,
    site_rank,
)
from flows.normalize.document import ParseInput, parse_snapshot

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAIRS = FIXTURES / "duplicates" / "pairs.json"


def _text(document: dict) -> str:
    key = document.get("corpus")
    if key == "seed":
        return (FIXTURES / "corpus" / "seed" / "chaoyang-2022.txt").read_text(encoding="utf-8")
    if key:
        return json.loads((FIXTURES / "corpus" / f"{key}.json").read_text(encoding="utf-8"))["text"]
    return document["text"]


def _parse(key: str, text: str, url: str) -> dict:
    data = text.encode("utf-8")
    result = parse_snapshot(
        ParseInput(
            data=data,
            source_id=key.replace("/", "-").replace("~", "-"),
            snapshot_sha256=hashlib.sha256(data).hexdigest(),
            url=url,
            content_type="text/plain; charset=utf-8",
        )
    )
    assert result.document is not None, (key, result.quarantine)
    return result.document


@cache
def labelled() -> tuple[dict[str, dict], list[dict]]:
    payload = json.loads(PAIRS.read_text(encoding="utf-8"))
    documents = {}
    for key, item in payload["documents"].items():
        document = _parse(key, _text(item), item["url"])
        if item.get("publish_date"):
            document["publish_date"] = item["publish_date"]  # the date each copy was posted
        documents[key] = document
    return documents, payload["pairs"]


@pytest.fixture(scope="module")
def detected():
    documents, pairs = labelled()
    marks = find_duplicates(fingerprint(d) for d in documents.values())
    return documents, pairs, marks


def _canonical(doc_id: str, marks: dict[str, Marks]) -> str:
    mark = marks.get(doc_id)
    return mark.duplicate_of if mark and mark.duplicate_of else doc_id


def _scores(outcomes: list[tuple[bool, bool]]) -> tuple[float, float]:
    tp = sum(1 for truth, said in outcomes if truth and said)
    fp = sum(1 for truth, said in outcomes if said and not truth)
    fn = sum(1 for truth, said in outcomes if truth and not said)
    return tp / (tp + fp), tp / (tp + fn)


def test_labelled_pairs_precision_and_recall(detected):
    documents, pairs, marks = detected
    outcomes, missed = [], Counter()
    for pair in pairs:
        if pair["label"] == "revision":
            continue
        a, b = documents[pair["a"]]["doc_id"], documents[pair["b"]]["doc_id"]
        truth = pair["label"] == "duplicate"
        said = _canonical(a, marks) == _canonical(b, marks)
        outcomes.append((truth, said))
        if truth != said:
            missed[pair["kind"]] += 1
    kinds = Counter(p["kind"] for p in pairs)
    assert kinds["host_mirror"] >= 60 and kinds["script_mirror"] >= 60 and kinds["excerpt"] >= 60
    assert kinds["template"] >= 50 and kinds["other_report"] >= 60
    precision, recall = _scores(outcomes)
    assert precision >= 0.98 and recall >= 0.98, (precision, recall, dict(missed))
    # Two counties' reports from one template are never one report.
    assert missed["template"] == 0


def test_labelled_revisions_supersede_the_earlier_issue(detected):
    documents, pairs, marks = detected
    revisions = [p for p in pairs if p["label"] == "revision"]
    assert len(revisions) >= 12
    outcomes = []
    for pair in pairs:
        a, b = documents[pair["a"]]["doc_id"], documents[pair["b"]]["doc_id"]
        # the earlier report (or the copy of it that is canonical) points at the revision's canonical document
        said = (marks.get(_canonical(a, marks)) or Marks()).superseded_by == _canonical(b, marks)
        outcomes.append((pair["label"] == "revision", said))
        if pair["label"] == "revision":
            assert _canonical(a, marks) != _canonical(b, marks)  # a revision is no duplicate
    precision, recall = _scores(outcomes)
    assert precision >= 0.98 and recall >= 0.98, (precision, recall)


def test_kinds_on_the_labelled_pairs(detected):
    documents, pairs, marks = detected
    kinds = Counter()
    for pair in pairs:
        if pair["label"] != "duplicate":
            continue
        # the copy's mark, or the page's when the copy is the canonical one (an excerpt never is)
        mark = marks.get(documents[pair["b"]]["doc_id"]) or marks.get(documents[pair["a"]]["doc_id"])
        if mark and mark.duplicate_kind:
            kinds[(pair["kind"], mark.duplicate_kind)] += 1
    # A mirror in the other script mostly folds to the same text (exact); OpenCC's phrase-level
    # conversion also picks other characters for some words (near). An excerpt is never exact.
    assert kinds[("script_mirror", EXACT)] >= 40
    assert kinds[("script_mirror", EXACT)] + kinds[("script_mirror", NEAR)] >= 64
    assert kinds[("excerpt", EXACT)] == 0 and kinds[("excerpt", NEAR)] >= 60


# -- hand-made cases ----------------------------------------------------------------------------

SEED = (FIXTURES / "corpus" / "seed" / "chaoyang-2022.txt").read_text(encoding="utf-8")


def _doc(doc_id: str, text: str, *, url: str, publish_date: str | None, **fields) -> dict:
    return {
        "doc_id": doc_id,
        "url": url,
        "text": text,
        "title": "中共朝阳市委 朝阳市人民政府关于2022年法治政府建设情况的报告",
        "issuer_id": "211300-gov",
        "region_code": "211300",
        "report_year": 2022,
        "publish_date": publish_date,
        "is_report": True,
        **fields,
    }


def _run(*documents: dict) -> dict[str, Marks]:
    return find_duplicates(fingerprint(d) for d in documents)


def test_exact_copy_folds_script_width_and_spacing():
    traditional = SEED.replace("朝阳", "朝陽").replace("发展", "發展").replace("，", ",").replace("\n", "\n\n  ")
    assert comparable_text(traditional) == comparable_text(SEED)
    marks = _run(
        _doc("a" * 16, SEED, url="http://www.zgcy.gov.cn/a.html", publish_date="2023-03-10"),
        _doc("b" * 16, traditional, url="http://big5.mirror.com/a.html", publish_date="2023-03-10"),
    )
    assert marks == {"b" * 16: Marks(duplicate_of="a" * 16, duplicate_kind=EXACT)}


def test_canonical_is_the_full_text_then_the_own_site_then_the_earliest():
    body = SEED
    own = _doc("1" * 16, body, url="http://www.chaoyang.gov.cn/art/1.html", publish_date="2023-04-20")
    portal = _doc("2" * 16, body + "\n来源:辽宁省司法厅", url="http://sft.ln.gov.cn/1.html", publish_date="2023-03-01")
    mirror = _doc("3" * 16, body + "\n转载", url="http://news.example.com/1.html", publish_date="2023-02-01")
    excerpt = _doc(
        "4" * 16, body[: len(body) // 2], url="http://www.chaoyang.gov.cn/art/2.html", publish_date="2023-01-05"
    )
    assert site_rank(fingerprint(own)) == 2 and site_rank(fingerprint(portal)) == 1
    assert site_rank(fingerprint(mirror)) == 0
    marks = _run(own, portal, mirror, excerpt)
    # the issuer's own host wins over an earlier .gov.cn portal and an earlier mirror; its excerpt,
    # published first on the same host, loses to the full text
    assert {doc_id: m.duplicate_of for doc_id, m in marks.items()} == {
        d: "1" * 16 for d in ("2" * 16, "3" * 16, "4" * 16)
    }
    assert {m.duplicate_kind for m in marks.values()} == {NEAR}
    # without the own site's full text: an excerpt, even on the own site, loses to a full text, and a
    # .gov.cn host wins over another; between equals, the earliest publish date
    marks = _run(portal, mirror, excerpt)
    assert {doc_id: m.duplicate_of for doc_id, m in marks.items()} == {d: "2" * 16 for d in ("3" * 16, "4" * 16)}
    copy = _doc("5" * 16, body + "\n来源:朝阳市司法局", url="http://sfj.other.gov.cn/1.html", publish_date="2023-02-15")
    assert _run(portal, copy)["2" * 16].duplicate_of == "5" * 16


def test_a_report_wins_over_a_non_report_copy():
    report = _doc("1" * 16, SEED, url="http://news.example.com/1.html", publish_date="2023-04-01")
    news = _doc("2" * 16, SEED, url="http://www.zgcy.gov.cn/1.html", publish_date="2023-03-01", is_report=False)
    assert _run(report, news) == {"2" * 16: Marks(duplicate_of="1" * 16, duplicate_kind=EXACT)}


def _with_changed_figures(text: str, count: int) -> str:
    changed = text
    for old, new in (("368件", "386件"), ("4010件", "4100件"), ("56%", "65%"))[:count]:
        assert old in changed
        changed = changed.replace(old, new, 1)
    return changed


def test_revision_on_the_same_site_supersedes():
    first = _doc("1" * 16, SEED, url="http://www.zgcy.gov.cn/art/1.html", publish_date="2023-03-10")
    revised = _doc(
        "2" * 16, _with_changed_figures(SEED, 2), url="http://www.zgcy.gov.cn/art/9.html", publish_date="2023-05-02"
    )
    final = _doc(
        "3" * 16, _with_changed_figures(SEED, 3), url="http://www.zgcy.gov.cn/art/12.html", publish_date="2023-06-20"
    )
    mirror = _doc("4" * 16, SEED + "\n转载", url="http://news.example.com/1.html", publish_date="2023-03-12")
    marks = _run(first, revised, mirror)
    assert marks == {
        "1" * 16: Marks(superseded_by="2" * 16),
        "4" * 16: Marks(duplicate_of="1" * 16, duplicate_kind=NEAR),
    }
    # a chain of revisions: each earlier issue points at the latest
    marks = _run(first, revised, final)
    assert marks == {"1" * 16: Marks(superseded_by="3" * 16), "2" * 16: Marks(superseded_by="3" * 16)}


def test_what_is_not_a_revision():
    first = _doc("1" * 16, SEED, url="http://www.zgcy.gov.cn/art/1.html", publish_date="2023-03-10")
    changed = _with_changed_figures(SEED, 3)
    # the same figures reposted later on the same site: a copy, not a revision
    repost = _doc("2" * 16, SEED + "\n(重发)", url="http://www.zgcy.gov.cn/art/5.html", publish_date="2023-05-01")
    assert _run(first, repost) == {"2" * 16: Marks(duplicate_of="1" * 16, duplicate_kind=NEAR)}
    # a few changed figures (3 of 116) on another site: a copy (of a revision not at hand), not a revision
    elsewhere = _doc("3" * 16, changed, url="http://news.example.com/1.html", publish_date="2023-05-01")
    assert _run(first, elsewhere) == {"3" * 16: Marks(duplicate_of="1" * 16, duplicate_kind=NEAR)}
    # same site, no publish date on one of them: nothing tells which came first, so no revision (a copy)
    undated = _doc("4" * 16, changed, url="http://www.zgcy.gov.cn/art/7.html", publish_date=None)
    assert _run(first, undated) == {"4" * 16: Marks(duplicate_of="1" * 16, duplicate_kind=NEAR)}


def test_different_years_regions_and_short_texts_are_not_duplicates():
    first = _doc("1" * 16, SEED, url="http://www.zgcy.gov.cn/1.html", publish_date="2023-03-10")
    next_year = _doc(
        "2" * 16, SEED + "\n附一", url="http://www.zgcy.gov.cn/2.html", publish_date="2024-03-10", report_year=2023
    )
    elsewhere = _doc(
        "3" * 16, SEED + "\n附二", url="http://www.other.gov.cn/2.html", publish_date="2023-03-10", region_code="330100"
    )
    assert _run(first, next_year, elsewhere) == {}
    # short texts (a title page, an error notice) are compared exactly only
    short_a = _doc("4" * 16, "2022年法治政府建设年度报告。详见附件。", url="http://a.gov.cn/1", publish_date=None)
    short_b = _doc("5" * 16, "2022年法治政府建设年度报告。详见附件！", url="http://b.gov.cn/1", publish_date=None)
    short_c = _doc("6" * 16, "2022年法治政府建设年度报告:详见附件", url="http://c.gov.cn/1", publish_date=None)
    assert set(_run(short_a, short_b, short_c)) == {"5" * 16, "6" * 16}  # punctuation ignored: exact
    short_d = _doc("7" * 16, "2022年法治政府建设年度报告。详见附件一。", url="http://d.gov.cn/1", publish_date=None)
    assert _run(short_a, short_d) == {}


def test_empty_and_single_inputs():
    assert find_duplicates([]) == {}
    empty = [_doc(c * 16, "", url=None, publish_date=None) for c in "12"]
    assert _run(*empty) == {}  # two empty texts are not one report
    assert _run(_doc("1" * 16, SEED, url=None, publish_date=None)) == {}


@pytest.mark.parametrize("entries", [1, 500])
def test_candidates_paired_a_few_owners_at_a_time_are_those_paired_at_once(monkeypatch, entries):
    # every owner in its own chunk (1) or a few (500): the same candidates as all expanded together
    from flows.load import duplicates

    documents, _ = labelled()
    prints = [fingerprint(d) for d in documents.values()]
    at_once = duplicates._candidates(prints)
    assert len(at_once) > 20
    monkeypatch.setattr(duplicates, "PAIR_ENTRIES", entries)
    assert duplicates._candidates(prints) == at_once


def test_owner_chunks_cover_every_anchor_and_never_split_an_owner():
    import numpy as np

    from flows.load.duplicates import _owner_chunks

    owners = np.array([0, 0, 0, 1, 2, 2, 5, 5, 5, 5, 6])
    lengths = np.array([3, 3, 3, 10, 1, 1, 2, 2, 2, 2, 4])
    assert list(_owner_chunks(owners, lengths, 10)) == [(0, 3), (3, 4), (4, 10), (10, 11)]
    assert list(_owner_chunks(owners, lengths, 1)) == [(0, 3), (3, 4), (4, 6), (6, 10), (10, 11)]
    assert list(_owner_chunks(owners, lengths, 1000)) == [(0, 11)]
    assert list(_owner_chunks(owners[:0], lengths[:0], 10)) == []
