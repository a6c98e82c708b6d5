"""Hand labels a corpus may hold beside its gold: the catalog code of each gold metric
(``metric_labels.json``) and discovery's link texts (``link_labels.json``)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from flows.fetch.discover.classify import classify_link

LABELS_FILE = "metric_labels.json"
LINK_LABELS_FILE = "link_labels.json"
NO_LABEL = object()  # a metric the corpus states no code for


def load_labels(path: Path) -> dict[str, str | None]:
    """Expected catalog codes by label key, from a label file (``tests/fixtures/corpus/metric_labels.json``).
    Invented (``synthetic``) labels belong to no corpus document and are left out."""
    labels = json.loads(Path(path).read_text(encoding="utf-8"))
    labels = labels["labels"] if isinstance(labels, dict) else labels
    return {label["key"]: label.get("expected_code") for label in labels if not label.get("synthetic")}


def expected_code(labels: dict[str, str | None], doc_name: str, index: int, gold: dict):
    """The catalog code the corpus states for gold metric ``index`` of ``doc_name``: the metric's own
    ``code``, else its label (keyed ``<doc without extension>#<index>#<span>``), else ``NO_LABEL``."""
    if "code" in gold:
        return gold["code"]
    return labels.get(f"{doc_name.rsplit('.', 1)[0]}#{index}#{gold['span']}", NO_LABEL)


def link_scores(path: Path) -> dict:
    """The discovery classifier on hand-labelled real link texts (``tests/fixtures/discover/link_labels.json``)."""
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
