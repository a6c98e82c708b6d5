"""``fazhi evaluate``: score the parser against the hand-checked gold corpus.

Text is compared after NFKC and whitespace removal (the corpus README's convention). Fields are
scored on every gold document that has the field (a null gold value expects null). Headings match on
(level, marker + heading); metrics on (value, unit) in text order, on documents whose gold says its
metric list is complete. Negatives must come out ``is_report: false``.

Discovery's link classifier is scored on the hand-labelled real link texts of
``tests/fixtures/discover/link_labels.json``: precision of what it accepts on its own (those go to the
registry unseen), recall of what it proposes (accepted or sent to review: nothing a person would
want is lost), and the strict precision that counts every candidate sent to review as a claim.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flows.core.textnorm import nfkc_compact
from flows.fetch.discover.classify import classify_link
from flows.normalize.document import ParseInput, parse_snapshot
from flows.tools.printed import print_pdfs, text_docx, text_html

FIELDS = ["title", "issuer", "region", "region_level", "report_year", "publish_date", "source"]


@dataclass
class GoldDoc:
    name: str
    url: str | None
    text: str
    gold: dict | None  # None for negatives


@dataclass
class Report:
    fields: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # field -> [correct, total]
    field_misses: dict = field(default_factory=lambda: defaultdict(list))
    headings: list = field(default_factory=lambda: [0, 0, 0])  # tp, predicted, gold
    heading_misses: list = field(default_factory=list)
    metrics: list = field(default_factory=lambda: [0, 0, 0])
    metric_misses: list = field(default_factory=list)
    kind: list = field(default_factory=lambda: [0, 0])
    qualifier: list = field(default_factory=lambda: [0, 0])
    reports: list = field(default_factory=lambda: [0, 0])  # reports correctly is_report true
    negatives: list = field(default_factory=lambda: [0, 0])
    negative_misses: list = field(default_factory=list)
    mapping: dict | None = None
    links: dict | None = None
    documents: int = 0


def load_corpus(corpus_dir: Path) -> list[GoldDoc]:
    docs: list[GoldDoc] = []
    seed_dir = corpus_dir / "seed"
    for gold_path in sorted(seed_dir.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text_path = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt"))
        docs.append(GoldDoc(f"seed/{text_path.name}", gold.get("url"), text_path.read_text(encoding="utf-8"), gold))
    for path in sorted((corpus_dir / "dev").glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        docs.append(GoldDoc(f"dev/{path.name}", item.get("url"), item["text"], item["gold"]))
    for path in sorted((corpus_dir / "dev-negatives").glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        docs.append(GoldDoc(f"dev-negatives/{path.name}", item.get("url"), item["text"], None))
    return docs


AS_CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def as_attachments(docs: list[GoldDoc], as_format: str) -> dict[str, bytes]:
    """Each gold text printed to PDF by headless Chromium, or saved as .docx: name -> bytes."""
    if as_format == "pdf":
        return print_pdfs({doc.name: text_html(doc.text) for doc in docs})
    if as_format == "docx":
        return {doc.name: text_docx(doc.text) for doc in docs}
    raise ValueError(f"unknown format {as_format!r} (expected pdf or docx)")


def parse_gold_doc(doc: GoldDoc, data: bytes | None = None, as_format: str = "text"):
    """The parse of a gold document: its text, or ``data``, the same text as a ``as_format`` file."""
    data = doc.text.encode("utf-8") if data is None else data
    return parse_snapshot(
        ParseInput(
            data=data,
            source_id=f"corpus:{doc.name}",
            snapshot_sha256=hashlib.sha256(data).hexdigest(),
            url=doc.url,
            content_type=AS_CONTENT_TYPES[as_format],
            encoding="utf-8" if as_format == "text" else None,
        )
    )


def _predicted_fields(document: dict | None) -> dict:
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


def _same(gold, predicted) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    if isinstance(gold, str) or isinstance(predicted, str):
        return nfkc_compact(str(gold)) == nfkc_compact(str(predicted))
    return gold == predicted


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


def evaluate_corpus(corpus_dir: Path, as_format: str = "text", attachments: dict[str, bytes] | None = None) -> Report:
    """Scores of the parser on the corpus; ``as_format`` pdf or docx parses each text as that file
    (``attachments``, name -> bytes, when already made; else made here)."""
    report = Report()
    docs = load_corpus(corpus_dir)
    if as_format != "text" and attachments is None:
        attachments = as_attachments(docs, as_format)
    for doc in docs:
        data = attachments[doc.name] if as_format != "text" else None
        result = parse_gold_doc(doc, data, as_format)
        document = result.document
        report.documents += 1
        if doc.gold is None:
            report.negatives[1] += 1
            if document is not None and not document["is_report"]:
                report.negatives[0] += 1
            else:
                report.negative_misses.append(doc.name)
            continue
        report.reports[1] += 1
        if document is not None and document["is_report"]:
            report.reports[0] += 1
        else:
            report.negative_misses.append(f"{doc.name} (a report, parsed as not one)")
        predicted = _predicted_fields(document)
        for name in FIELDS:
            if name not in doc.gold:
                continue
            report.fields[name][1] += 1
            if _same(doc.gold[name], predicted.get(name)):
                report.fields[name][0] += 1
            else:
                report.field_misses[name].append((doc.name, doc.gold[name], predicted.get(name)))
        _score_headings(report, doc, result.sections)
        if doc.gold.get("metrics_complete"):
            _score_metrics(report, doc, result.metrics)
    report.mapping = _mapping_scores()
    report.links = link_scores()
    return report


def _score_headings(report: Report, doc: GoldDoc, sections: list[dict]) -> None:
    gold = [(h["level"], nfkc_compact(h["text"])) for h in doc.gold.get("headings", [])]
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


def _score_metrics(report: Report, doc: GoldDoc, metrics: list[dict]) -> None:
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


def _mapping_scores() -> dict | None:
    """Catalog mapping precision/recall on the hand-labelled metrics (tests/fixtures/metric_labels.json)."""
    from flows.core.config import PROJECT_DIR

    labels_path = PROJECT_DIR / "tests" / "fixtures" / "metric_labels.json"
    if not labels_path.exists():
        return None
    from flows.normalize.catalog import score_labels

    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    return score_labels(labels)


LINK_LABELS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "discover" / "link_labels.json"


def link_scores(path: Path = LINK_LABELS) -> dict | None:
    """The discovery classifier on hand-labelled real link texts (None when the file is absent)."""
    if not Path(path).exists():
        return None
    items = json.loads(Path(path).read_text(encoding="utf-8"))["items"]
    counts = defaultdict(int)
    misses = []
    for item in items:
        decision = classify_link(item["text"], item.get("url")).decision
        is_report = item["label"] == "report"
        counts["labelled"] += 1
        counts["reports"] += is_report
        counts[decision] += 1
        counts[f"{decision}_reports"] += is_report
        if (decision == "reject") == is_report or (decision == "review" and not is_report):
            misses.append((decision, item["label"], item["text"]))
    accepted, proposed = counts["accept"], counts["accept"] + counts["review"]
    return {
        **counts,
        "precision": counts["accept_reports"] / accepted if accepted else 0.0,
        "recall": (counts["accept_reports"] + counts["review_reports"]) / counts["reports"]
        if counts["reports"]
        else 0.0,
        "strict_precision": (counts["accept_reports"] + counts["review_reports"]) / proposed if proposed else 0.0,
        "misses": misses,
    }


def _ratio(correct: int, total: int) -> str:
    return f"{correct / total:.3f}" if total else "  n/a"


def _prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def format_report(report: Report, misses: int = 40) -> str:
    """Misses first, the score table last (so that the end of the output is the summary)."""
    lines = [f"{'measure':<34}{'score':>8}{'n':>8}"]
    lines.append("-" * 50)
    for name in FIELDS:
        correct, total = report.fields.get(name, [0, 0])
        lines.append(f"{'field ' + name:<34}{_ratio(correct, total):>8}{total:>8}")
    p, r, f = _prf(*report.headings)
    lines.append(f"{'headings precision':<34}{p:>8.3f}{report.headings[1]:>8}")
    lines.append(f"{'headings recall':<34}{r:>8.3f}{report.headings[2]:>8}")
    lines.append(f"{'headings F1':<34}{f:>8.3f}{'':>8}")
    p, r, f = _prf(*report.metrics)
    lines.append(f"{'metrics precision (value, unit)':<34}{p:>8.3f}{report.metrics[1]:>8}")
    lines.append(f"{'metrics recall (value, unit)':<34}{r:>8.3f}{report.metrics[2]:>8}")
    lines.append(f"{'metrics F1':<34}{f:>8.3f}{'':>8}")
    lines.append(f"{'metric kind (matched)':<34}{_ratio(*report.kind):>8}{report.kind[1]:>8}")
    lines.append(f"{'metric qualifier (matched)':<34}{_ratio(*report.qualifier):>8}{report.qualifier[1]:>8}")
    if report.mapping:
        m = report.mapping
        lines.append(f"{'catalog mapping precision':<34}{m['precision']:>8.3f}{m.get('assigned', 0):>8}")
        lines.append(f"{'catalog mapping recall':<34}{m['recall']:>8.3f}{m.get('labelled', 0):>8}")
    if report.links:
        k = report.links
        lines.append(f"{'links: precision (accepted)':<34}{k['precision']:>8.3f}{k['accept']:>8}")
        lines.append(f"{'links: recall (accepted+review)':<34}{k['recall']:>8.3f}{k['reports']:>8}")
        lines.append(f"{'links: strict precision':<34}{k['strict_precision']:>8.3f}{k['accept'] + k['review']:>8}")
        lines.append(f"{'links: sent to review':<34}{k['review']:>8}{k['labelled']:>8}")
    lines.append(f"{'reports is_report=true':<34}{_ratio(*report.reports):>8}{report.reports[1]:>8}")
    lines.append(f"{'negatives is_report=false':<34}{_ratio(*report.negatives):>8}{report.negatives[1]:>8}")

    table = lines
    lines = ["misses:"]
    for name in FIELDS:
        for doc, gold, got in report.field_misses.get(name, [])[:misses]:
            lines.append(f"  {name:<13} {doc:<22} gold={gold!r} got={got!r}")
    for doc, what, item in report.heading_misses[:misses]:
        lines.append(f"  heading {what:<7} {doc:<22} {item}")
    for doc, what, span, detail in report.metric_misses[:misses]:
        lines.append(f"  metric {what:<14} {doc:<22} {span!r} {detail}")
    for name in report.negative_misses:
        lines.append(f"  is_report      {name}")
    for decision, label, text in (report.links or {}).get("misses", [])[:misses]:
        lines.append(f"  link {decision:<9} {label:<7} {text}")
    if len(lines) == 1:
        lines.append("  none")
    header = (
        f"fazhi evaluate: {report.documents} documents ({report.reports[1]} reports, {report.negatives[1]} negatives)"
    )
    return "\n".join(lines + ["", header] + table)
