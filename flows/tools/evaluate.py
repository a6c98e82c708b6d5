"""``fazhi evaluate``: score the parser against the hand-checked gold corpus, one table column per set.

The corpus is read in sets: ``seed/`` (the fully annotated page), ``dev/`` with ``dev-negatives/``, and
``dev2/`` with ``dev2-negatives/`` (a set is skipped when its directory is absent, so a fixture directory
with only ``dev/`` is scored as is). Text is compared after NFKC and whitespace removal (the corpus
README's convention). Fields are scored on every gold document that has the field (a null gold value
expects null). Headings match on (level, marker + heading), on documents whose gold lists headings;
metrics on (value, unit) in text order, on documents whose gold says its metric list is complete.
Negatives must come out ``is_report: false``.

Catalog mapping is scored on the extracted metrics matched to gold ones whose catalog code the corpus
states: a gold metric's own ``code``, else the label of that metric in the corpus's
``metric_labels.json`` (keyed ``<doc>#<index in gold metrics>#<span>``; ``labels_path`` names another
file). A corpus that states no codes gets no mapping figures, and a measure with nothing to count in
any set is not printed: every measure printed is a measure of the corpus given. ``measures`` is a
set's scores with their counts and one item's worth (``fazhi evaluate --json``, tests/floors.py).

Discovery's link classifier is scored on hand-labelled real link texts when the corpus holds them
(``link_labels.json``, as ``tests/fixtures/discover`` does; ``links_path`` names another file):
precision of what it accepts on its own (those go to the registry unseen), recall of what it
proposes (accepted or sent to review: nothing a person would want is lost), and the strict
precision that counts every candidate sent to review as a claim.

Every miss keeps the page line that misled the parser (the line holding the wrong value it chose, or,
when it found nothing, the line holding the gold value it missed) and the parser's warnings about the
field; ``fazhi evaluate --misses`` prints them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flows.core.textnorm import nfkc_compact
from flows.normalize.document import ParseInput, parse_snapshot
from flows.tools.labels import LABELS_FILE, LINK_LABELS_FILE, NO_LABEL, expected_code, link_scores, load_labels
from flows.tools.misled import find_line
from flows.tools.portal import portal_page
from flows.tools.printed import print_pdfs, text_docx, text_html

FIELDS = ["title", "issuer", "region", "region_level", "report_year", "publish_date", "source"]
# (set name, reports directory, negatives directory)
SETS = (("seed", "seed", None), ("dev", "dev", "dev-negatives"), ("dev2", "dev2", "dev2-negatives"))
# Words in a warning that concern each field (a miss lists the parser's warnings about its field).
_FIELD_WARNING_WORDS = {
    "title": ("title",),
    "issuer": ("issuer", "department", "jurisdiction", "region"),
    "region": ("jurisdiction", "region", "unit", "code", "county"),
    "region_level": ("level", "region", "county"),
    "report_year": ("report_year",),
    "publish_date": ("publish date", "publish_date", "date"),
    "source": ("source",),
}


@dataclass
class GoldDoc:
    name: str
    url: str | None
    text: str
    gold: dict | None  # None for negatives
    set: str = "dev"


@dataclass
class Miss:
    doc: str
    field: str
    gold: object
    got: object
    line: str | None = None  # the page line that misled the parser ("line N: …")
    warnings: list[str] = field(default_factory=list)


@dataclass
class Report:
    fields: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # field -> [correct, total]
    field_misses: dict = field(default_factory=lambda: defaultdict(list))  # field -> [Miss]
    headings: list = field(default_factory=lambda: [0, 0, 0])  # tp, predicted, gold
    heading_misses: list = field(default_factory=list)
    metrics: list = field(default_factory=lambda: [0, 0, 0])
    metric_misses: list = field(default_factory=list)
    kind: list = field(default_factory=lambda: [0, 0])
    qualifier: list = field(default_factory=lambda: [0, 0])
    reports: list = field(default_factory=lambda: [0, 0])  # reports correctly is_report true
    negatives: list = field(default_factory=lambda: [0, 0])
    negative_misses: list = field(default_factory=list)
    mapping: list = field(default_factory=lambda: [0, 0, 0])  # correct, assigned, labelled
    mapping_misses: list = field(default_factory=list)
    links: dict | None = None
    documents: int = 0
    sets: dict = field(default_factory=dict)  # set name -> Report of that set alone


def load_corpus(corpus_dir: Path) -> list[GoldDoc]:
    docs: list[GoldDoc] = []
    for set_name, reports_dir, negatives_dir in SETS:
        if reports_dir == "seed":
            for gold_path in sorted((corpus_dir / "seed").glob("*.gold.json")):
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
                text_path = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt"))
                text = text_path.read_text(encoding="utf-8")
                docs.append(GoldDoc(f"seed/{text_path.name}", gold.get("url"), text, gold, set_name))
            continue
        for path in sorted((corpus_dir / reports_dir).glob("*.json")):
            item = json.loads(path.read_text(encoding="utf-8"))
            docs.append(GoldDoc(f"{reports_dir}/{path.name}", item.get("url"), item["text"], item["gold"], set_name))
        for path in sorted((corpus_dir / negatives_dir).glob("*.json")):
            item = json.loads(path.read_text(encoding="utf-8"))
            docs.append(GoldDoc(f"{negatives_dir}/{path.name}", item.get("url"), item["text"], None, set_name))
    return docs


AS_CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ofd": "application/ofd",
}


def as_attachments(docs: list[GoldDoc], as_format: str) -> dict[str, bytes]:
    """Each gold text printed to PDF by headless Chromium, or saved as .docx: name -> bytes."""
    if as_format == "pdf":
        return print_pdfs({doc.name: text_html(doc.text) for doc in docs})
    if as_format == "docx":
        return {doc.name: text_docx(doc.text) for doc in docs}
    raise ValueError(f"unknown format {as_format!r} (expected pdf or docx)")


def parse_gold_doc(doc: GoldDoc, layout: str | None = None, data: bytes | None = None, as_format: str = "text"):
    """Parse a gold page as captured text, put back into a portal page (``layout`` ``div`` or
    ``table``, see ``portal_page``) and parsed as HTML, or ``data``: the same text as an
    ``as_format`` file (pdf, docx, ofd)."""
    if as_format != "text":
        content_type, encoding = AS_CONTENT_TYPES[as_format], None
    elif layout is None:
        data, content_type, encoding = doc.text.encode("utf-8"), "text/plain; charset=utf-8", "utf-8"
    else:
        data, content_type = portal_page(doc.text, layout)
        encoding = None
    return parse_snapshot(
        ParseInput(
            data=data,
            source_id=f"corpus:{doc.name}",
            snapshot_sha256=hashlib.sha256(data).hexdigest(),
            url=doc.url,
            content_type=content_type,
            encoding=encoding,
        )
    )


def predicted_fields(document: dict | None) -> dict:
    if document is None:
        return {}
    return {
        "title": document["title"],
        "issuer": " ".join(document["issuers"]) or None,
        "region": document["region_name"],
        "region_level": document["region_level"],
        "report_year": document["report_year"],
        "publish_date": document["publish_date"],
        "source": document["source_org"],
    }


_predicted_fields = predicted_fields  # the name tests and older callers use


def same(gold, predicted) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    if isinstance(gold, str) or isinstance(predicted, str):
        return nfkc_compact(str(gold)) == nfkc_compact(str(predicted))
    return gold == predicted


_same = same


def _match_in_order(gold: list, predicted: list, key) -> list[tuple[int, int]]:
    """Longest common subsequence on ``key``: pairs (gold index, predicted index)."""
    g = [key(x) for x in gold]
    p = [key(x) for x in predicted]
    n, m = len(g), len(p)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if g[i] == p[j] else max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if g[i] == p[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _value_key(value) -> str:
    if value is None:
        return "None"
    return f"{float(value):.6g}"


def _explain(doc: GoldDoc, name: str, gold, got, warnings: list[str]) -> Miss:
    line = find_line(doc.text, name, got) if got is not None else None
    if line is None and got is None and gold is not None:
        found = find_line(doc.text, name, gold)
        line = f"missed, gold is on {found}" if found else None
    elif line is not None:
        line = f"chosen from {line}"
    words = _FIELD_WARNING_WORDS.get(name, ())
    about = [w for w in warnings if any(word in w for word in words)]
    return Miss(doc.name, name, gold, got, line, about)


# ---------------------------------------------------------------------------------------------
def _score_doc(report: Report, doc: GoldDoc, result, labels: dict) -> None:
    document = result.document
    report.documents += 1
    if doc.gold is None:
        report.negatives[1] += 1
        if document is None or not document["is_report"]:
            report.negatives[0] += 1
        else:
            report.negative_misses.append(f"{doc.name} (a look-alike, parsed as a report)")
        return
    report.reports[1] += 1
    if document is not None and document["is_report"]:
        report.reports[0] += 1
    else:
        why = (document or {}).get("not_report_reason") if document else "quarantined"
        report.negative_misses.append(f"{doc.name} (a report, parsed as not one: {why})")
    predicted = predicted_fields(document)
    warnings = list((document or {}).get("warnings") or [])
    for name in FIELDS:
        if name not in doc.gold:
            continue
        report.fields[name][1] += 1
        if same(doc.gold[name], predicted.get(name)):
            report.fields[name][0] += 1
        else:
            report.field_misses[name].append(_explain(doc, name, doc.gold[name], predicted.get(name), warnings))
    if "headings" in doc.gold:
        _score_headings(report, doc, result.sections)
    if doc.gold.get("metrics_complete"):
        _score_metrics(report, doc, result.metrics, labels)


def _merge(total: Report, part: Report) -> None:
    for name, (correct, count) in part.fields.items():
        total.fields[name][0] += correct
        total.fields[name][1] += count
    for name, misses in part.field_misses.items():
        total.field_misses[name].extend(misses)
    for attr in ("headings", "metrics", "kind", "qualifier", "mapping", "reports", "negatives"):
        mine, theirs = getattr(total, attr), getattr(part, attr)
        for index, value in enumerate(theirs):
            mine[index] += value
    total.heading_misses += part.heading_misses
    total.metric_misses += part.metric_misses
    total.mapping_misses += part.mapping_misses
    total.negative_misses += part.negative_misses
    total.documents += part.documents


def evaluate_corpus(
    corpus_dir: Path,
    layout: str | None = None,
    as_format: str = "text",
    attachments: dict[str, bytes] | None = None,
    labels_path: Path | None = None,
    links_path: Path | None = None,
    names: set[str] | None = None,
) -> Report:
    """Score every gold page, as captured text, (``layout``) put back into a portal page, or
    (``as_format`` pdf, docx, ofd) as that file (``attachments``, name -> bytes, when already made).
    Catalog codes come from the corpus (``labels_path`` overrides its ``metric_labels.json``), link
    labels likewise (``links_path`` overrides its ``link_labels.json``). ``names`` keeps only those gold
    pages (``dev/d01.json``; the OFD fixtures hold a few of them)."""
    report = Report()
    if links_path is None and (corpus_dir / LINK_LABELS_FILE).is_file():
        links_path = corpus_dir / LINK_LABELS_FILE
    if links_path is not None:
        report.links = link_scores(links_path)
    if labels_path is None and (corpus_dir / LABELS_FILE).is_file():
        labels_path = corpus_dir / LABELS_FILE
    labels = load_labels(labels_path) if labels_path is not None else {}
    docs = [doc for doc in load_corpus(corpus_dir) if names is None or doc.name in names]
    if as_format != "text" and attachments is None:
        attachments = as_attachments(docs, as_format)
    for doc in docs:
        part = report.sets.setdefault(doc.set, Report())
        data = attachments[doc.name] if as_format != "text" else None
        _score_doc(part, doc, parse_gold_doc(doc, layout, data, as_format), labels)
    for part in report.sets.values():
        _merge(report, part)
    return report


def _score_headings(report: Report, doc: GoldDoc, sections: list[dict]) -> None:
    gold = [(h["level"], nfkc_compact(h["text"])) for h in doc.gold["headings"]]
    predicted = [
        (s["level"], nfkc_compact((s.get("marker") or "") + (s.get("heading") or "")))
        for s in sections
        if s["level"] > 0
    ]
    pairs = _match_in_order(gold, predicted, key=lambda x: x)
    report.headings[0] += len(pairs)
    report.headings[1] += len(predicted)
    report.headings[2] += len(gold)
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    report.heading_misses += [(doc.name, "missed", g) for i, g in enumerate(gold) if i not in matched_g]
    report.heading_misses += [(doc.name, "extra", p) for j, p in enumerate(predicted) if j not in matched_p]


def _score_metrics(report: Report, doc: GoldDoc, metrics: list[dict], labels: dict) -> None:
    gold = doc.gold.get("metrics") or []
    key = lambda m: (_value_key(m.get("value")), m.get("unit"))  # noqa: E731
    pairs = _match_in_order(gold, metrics, key=key)
    report.metrics[0] += len(pairs)
    report.metrics[1] += len(metrics)
    report.metrics[2] += len(gold)
    for i, j in pairs:
        report.kind[1] += 1
        report.kind[0] += gold[i].get("kind") == metrics[j].get("kind")
        report.qualifier[1] += 1
        report.qualifier[0] += gold[i].get("qualifier") == metrics[j].get("qualifier")
        if gold[i].get("kind") != metrics[j].get("kind") or gold[i].get("qualifier") != metrics[j].get("qualifier"):
            report.metric_misses.append(
                (
                    doc.name,
                    "kind/qualifier",
                    gold[i]["span"],
                    f"gold {gold[i].get('kind')}/{gold[i].get('qualifier')} "
                    f"got {metrics[j].get('kind')}/{metrics[j].get('qualifier')}",
                )
            )
        _score_mapping(report, doc, i, gold[i], metrics[j], labels)
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    report.metric_misses += [
        (doc.name, "missed", g["span"], f"{g.get('value')} {g.get('unit')}")
        for i, g in enumerate(gold)
        if i not in matched_g
    ]
    report.metric_misses += [
        (doc.name, "extra", m["span"], f"{m.get('value')} {m.get('unit')}")
        for j, m in enumerate(metrics)
        if j not in matched_p
    ]


def _score_mapping(report: Report, doc: GoldDoc, index: int, gold: dict, found: dict, labels: dict) -> None:
    """The catalog code of an extracted metric against the code the corpus states for its gold metric."""
    want = expected_code(labels, doc.name, index, gold)
    if want is NO_LABEL:
        return
    got = found.get("metric_code")
    report.mapping[1] += got is not None
    report.mapping[2] += want is not None
    report.mapping[0] += got is not None and got == want
    if got != want:
        report.mapping_misses.append((doc.name, gold["span"], want, got, found.get("subject")))


def _prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ---------------------------------------------------------------------------------------------
# Output


def scores(report: Report) -> dict:
    """The scores of one report (a set or all) as numbers: what the table prints and ``--json`` writes.
    A ratio with nothing to count is None."""

    def ratio(pair) -> float | None:
        return round(pair[0] / pair[1], 4) if pair[1] else None

    out: dict = {"documents": report.documents}
    for name in FIELDS:
        out[f"field {name}"] = ratio(report.fields.get(name, [0, 0]))
        out[f"field {name} n"] = report.fields.get(name, [0, 0])[1]
    for label, counts in (("headings", report.headings), ("metrics", report.metrics)):
        p, r, f = _prf(*counts)
        has = counts[1] or counts[2]
        out[f"{label} precision"] = round(p, 4) if has else None
        out[f"{label} recall"] = round(r, 4) if has else None
        out[f"{label} F1"] = round(f, 4) if has else None
        out[f"{label} n"] = counts[2]
    out["metric kind (matched)"] = ratio(report.kind)
    out["metric qualifier (matched)"] = ratio(report.qualifier)
    correct, assigned, labelled = report.mapping
    out["catalog mapping precision"] = ratio((correct, assigned))
    out["catalog mapping precision n"] = assigned
    out["catalog mapping recall"] = ratio((correct, labelled))
    out["catalog mapping recall n"] = labelled
    out["reports is_report=true"] = ratio(report.reports)
    out["reports n"] = report.reports[1]
    out["negatives is_report=false"] = ratio(report.negatives)
    out["negatives n"] = report.negatives[1]
    return out


@dataclass(frozen=True)
class Measure:
    """One measure of a report: ``score`` = ``correct`` / ``total`` (an F1 as 2 tp / (predicted +
    gold)), so one item more or fewer moves it by ``step``: 1 / total, 2 / total for an F1."""

    name: str
    correct: int
    total: int

    @property
    def score(self) -> float:
        return self.correct / self.total

    @property
    def step(self) -> float:
        return (2 if self.name.endswith("F1") else 1) / self.total


def measures(report: Report) -> list[Measure]:
    """The measures of ``report`` (a set or all) under the table's row names, in table order; a
    measure with nothing to count is left out. The links' measures belong to the whole corpus."""
    rows = [Measure(f"field {name}", *report.fields.get(name, [0, 0])) for name in FIELDS]
    for label, (tp, predicted, gold) in (("headings", report.headings), ("metrics", report.metrics)):
        suffix = " (value, unit)" if label == "metrics" else ""
        rows += [
            Measure(f"{label} precision{suffix}", tp, predicted),
            Measure(f"{label} recall{suffix}", tp, gold),
            Measure(f"{label} F1", 2 * tp, predicted + gold),
        ]
    correct, assigned, labelled = report.mapping
    rows += [
        Measure("metric kind (matched)", *report.kind),
        Measure("metric qualifier (matched)", *report.qualifier),
        Measure("catalog mapping precision", correct, assigned),
        Measure("catalog mapping recall", correct, labelled),
    ]
    if report.links:
        k = report.links
        proposed = k["accept_reports"] + k["review_reports"]
        rows += [
            Measure("links: precision (accepted)", k["accept_reports"], k["accept"]),
            Measure("links: recall (accepted+review)", proposed, k["reports"]),
            Measure("links: strict precision", proposed, k["accept"] + k["review"]),
        ]
    rows += [
        Measure("reports is_report=true", *report.reports),
        Measure("negatives is_report=false", *report.negatives),
    ]
    return [row for row in rows if row.total]


def _measures_json(report: Report) -> dict:
    return {
        m.name: {"score": round(m.score, 6), "correct": m.correct, "total": m.total, "step": round(m.step, 6)}
        for m in measures(report)
    }


def report_json(report: Report, corpus_dir: Path | None = None) -> dict:
    """Machine-readable scores: per set and for all sets, every measure with its counts and one
    item's worth (``measures``, what tests/floors.json holds floors of), the links and every miss."""
    return {
        "corpus": None if corpus_dir is None else str(corpus_dir),
        "sets": {name: scores(part) for name, part in report.sets.items()},
        "all": scores(report),
        "measures": {
            **{name: _measures_json(part) for name, part in report.sets.items()},
            "all": _measures_json(report),
        },
        "links": {key: value for key, value in (report.links or {}).items() if key != "misses"} or None,
        "misses": [
            {
                "doc": m.doc,
                "field": m.field,
                "gold": m.gold,
                "got": m.got,
                "line": m.line,
                "warnings": m.warnings,
            }
            for name in FIELDS
            for m in report.field_misses.get(name, [])
        ]
        + [{"doc": name, "field": "is_report"} for name in report.negative_misses]
        + [
            {"doc": doc, "field": "metric_code", "span": span, "gold": want, "got": got}
            for doc, span, want, got, _ in report.mapping_misses
        ],
    }


_ROWS = [(f"field {name}", f"field {name}", f"field {name} n") for name in FIELDS] + [
    ("headings precision", "headings precision", None),
    ("headings recall", "headings recall", None),
    ("headings F1", "headings F1", "headings n"),
    ("metrics precision (value, unit)", "metrics precision", None),
    ("metrics recall (value, unit)", "metrics recall", None),
    ("metrics F1", "metrics F1", "metrics n"),
    ("metric kind (matched)", "metric kind (matched)", None),
    ("metric qualifier (matched)", "metric qualifier (matched)", None),
    ("catalog mapping precision", "catalog mapping precision", "catalog mapping precision n"),
    ("catalog mapping recall", "catalog mapping recall", "catalog mapping recall n"),
    ("reports is_report=true", "reports is_report=true", "reports n"),
    ("negatives is_report=false", "negatives is_report=false", "negatives n"),
]


def format_report(report: Report, misses: int = 40, explain: bool = False) -> str:
    """Misses first, the score table last (so that the end of the output is the summary). The table has
    a column per set and one for all sets (``n`` counts are in brackets after each score); a measure
    with nothing to count in any set is left out. With ``explain`` every miss also shows the page line
    that misled the parser and its warnings."""
    columns = [(name, scores(part)) for name, part in report.sets.items()]
    if len(columns) != 1:
        columns.append(("all", scores(report)))
    width = 34
    header = f"{'measure':<{width}}" + "".join(f"{name:>16}" for name, _ in columns)
    table = [header, "-" * len(header)]
    for label, key, count_key in _ROWS:
        if label == "reports is_report=true" and report.links:
            k = report.links
            table.append(f"{'links: precision (accepted)':<{width}}{k['precision']:>16.3f}")
            table.append(f"{'links: recall (accepted+review)':<{width}}{k['recall']:>16.3f}")
            table.append(f"{'links: strict precision':<{width}}{k['strict_precision']:>16.3f}")
            table.append(f"{'links: sent to review':<{width}}{k['review']:>16} of {k['labelled']}")
        if all(values.get(key) is None for _, values in columns):
            continue
        cells = []
        for _, values in columns:
            value = values.get(key)
            cell = "n/a" if value is None else f"{value:.3f}"
            if count_key is not None and value is not None:
                cell += f" ({values[count_key]})"
            cells.append(f"{cell:>16}")
        table.append(f"{label:<{width}}" + "".join(cells))

    lines = ["misses:"]
    for name in FIELDS:
        for miss in report.field_misses.get(name, [])[:misses]:
            lines.append(f"  {name:<13} {miss.doc:<26} gold={miss.gold!r} got={miss.got!r}")
            if explain:
                lines.append(f"      {miss.line or 'no page line holds either value'}")
                lines.extend(f"      warning: {w}" for w in miss.warnings)
    for doc, what, item in report.heading_misses[:misses]:
        lines.append(f"  heading {what:<7} {doc:<26} {item}")
    for doc, what, span, detail in report.metric_misses[:misses]:
        lines.append(f"  metric {what:<14} {doc:<26} {span!r} {detail}")
    for doc, span, want, got, subject in report.mapping_misses[:misses]:
        lines.append(f"  catalog code   {doc:<26} {span!r} gold={want} got={got} subject={subject!r}")
    for name in report.negative_misses:
        lines.append(f"  is_report      {name}")
    for decision, label, text in (report.links or {}).get("misses", [])[:misses]:
        lines.append(f"  link {decision:<9} {label:<7} {text}")
    if len(lines) == 1:
        lines.append("  none")
    summary = (
        f"fazhi evaluate: {report.documents} documents ({report.reports[1]} reports, {report.negatives[1]} negatives)"
    )
    return "\n".join(lines + ["", summary] + table)
