"""One archived snapshot -> a validated document, its sections and metrics, and quarantine rows.

Pure: bytes or text in, records out. This is the only place that knows the order of the parsing
steps; each step lives in its own module (see docs/DEVELOPING.md).
"""
from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field

from . import contracts
from .textnorm import clean_text, is_traditional

# Bump whenever parsing output can change: staged results made by another version are reparsed.
PARSER_VERSION = "0.1.0"

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)


def doc_id_for(source_id: str, snapshot_sha256: str) -> str:
    return hashlib.sha256(f"{source_id}\n{snapshot_sha256}".encode("utf-8")).hexdigest()[:16]


def looks_like_html(data: bytes | str) -> bool:
    head = data[:4096]
    if isinstance(head, bytes):
        head = head.decode("latin-1")
    head = head.lower()
    return any(tag in head for tag in ("<html", "<!doctype html", "<body", "<div", "<table", "<p>", "<meta"))


@dataclass
class ParseInput:
    """What is known about a snapshot before parsing it."""

    data: bytes
    source_id: str
    snapshot_sha256: str
    url: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    issuer_hint: str | None = None
    region_hint: str | None = None
    report_year_hint: int | None = None
    is_synthetic: bool = False


@dataclass
class ParseResult:
    doc_id: str
    source_id: str
    document: dict | None = None
    sections: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)

    def staged(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "source_id": self.source_id,
            "parser_version": PARSER_VERSION,
            "document": self.document,
            "sections": self.sections,
            "metrics": self.metrics,
            "quarantine": self.quarantine,
        }


def decode(data: bytes, content_type: str | None, encoding: str | None) -> tuple[str, str, list[str]]:
    """Bytes -> str with the recorded encoding, else detection; undecodable bytes are replaced
    (and reported) rather than failing the page."""
    from .encoding import detect_encoding

    warnings: list[str] = []
    if not encoding:
        encoding, _ = detect_encoding(data, content_type)
    try:
        return data.decode(encoding), encoding, warnings
    except (LookupError, UnicodeDecodeError) as exc:
        warnings.append(f"bytes not valid {encoding} ({type(exc).__name__}); undecodable bytes replaced")
        try:
            return data.decode(encoding, errors="replace"), encoding, warnings
        except LookupError:
            return data.decode("utf-8", errors="replace"), "utf-8", warnings


def parse_snapshot(item: ParseInput) -> ParseResult:
    """Never raises for bad input: a failure becomes a quarantine row naming the stage."""
    doc_id = doc_id_for(item.source_id, item.snapshot_sha256)
    result = ParseResult(doc_id=doc_id, source_id=item.source_id)
    stage = "decode"
    try:
        text, _, warnings = decode(item.data, item.content_type, item.encoding)
        stage = "extract"
        page_fields: dict = {}
        is_html = (item.content_type or "").split(";")[0].strip().lower() in HTML_TYPES or (
            not (item.content_type or "").startswith(TEXT_TYPES) and looks_like_html(text)
        )
        if is_html:
            from .html_extract import extract

            extracted = extract(text)
            text, page_fields = extracted.text, dict(extracted.fields)
        stage = "page"
        _parse_text(result, clean_text(text), item, page_fields, warnings)
    except Exception as exc:  # one bad page never stops the batch; the reason is kept
        result.document, result.sections, result.metrics = None, [], []
        result.quarantine.append(contracts.quarantine_record(
            stage=f"normalize:{stage}", schema=None, source_id=item.source_id, doc_id=doc_id,
            reason=f"parser failed: {type(exc).__name__}: {exc}".splitlines()[0][:500],
            record={"traceback": traceback.format_exc(limit=6)},
        ))
    return result


def _parse_text(result: ParseResult, text: str, item: ParseInput, page_fields: dict, warnings: list[str]) -> None:
    from . import metrics as metrics_mod
    from . import page, regions, sections as sections_mod
    from .catalog import assign_codes

    info = page.read_page(text, url=item.url, page_fields=page_fields)
    report_year = info.report_year if info.report_year is not None else item.report_year_hint
    # Labelled page fields (发布机构: 南昌县人民政府) name the issuer formally; the regions module
    # reads them as header lines.
    publisher_lines = [f"{key}: {value}" for key, value in (info.meta or {}).items()
                       if key in ("发布机构", "发文机关", "发文单位") and value]
    issuer = regions.resolve_issuer(
        title=info.title, text=info.text, url=item.url, source_org=info.source_org,
        report_year=report_year, header_lines=list(info.header_lines) + publisher_lines,
        issuer_hint=item.issuer_hint, region_hint=item.region_hint,
    )
    body = info.text
    all_warnings = list(warnings) + list(info.warnings) + list(issuer.warnings)
    document = {
        "doc_id": result.doc_id,
        "source_id": item.source_id,
        "url": item.url,
        "snapshot_sha256": item.snapshot_sha256,
        "title": info.title,
        "issuers": list(issuer.issuers),
        "issuer_type": issuer.issuer_type,
        "issuer_id": issuer.issuer_id,
        "region_name": issuer.region_name,
        "region_code": issuer.region_code,
        "region_level": issuer.region_level,
        "report_year": report_year,
        "publish_date": info.publish_date,
        "source_org": info.source_org,
        "breadcrumb": list(info.breadcrumb),
        "is_report": bool(info.is_report),
        "is_traditional_script": is_traditional(body),
        "is_synthetic": bool(item.is_synthetic),
        "text": body,
        "text_chars": len(body),
        "parser_version": PARSER_VERSION,
        "warnings": all_warnings,
    }
    sections = sections_mod.parse_sections(body, result.doc_id)
    if not [s for s in sections if s["level"] > 0]:
        document["warnings"].append("no numbered headings found")
    metrics = assign_codes(metrics_mod.extract_metrics(body, result.doc_id, sections))

    problems = contracts.errors(document, "document")
    if problems:
        result.quarantine.append(contracts.quarantine_record(
            stage="normalize:document", schema="document", source_id=item.source_id, doc_id=result.doc_id,
            record_id=result.doc_id, reason="; ".join(problems), record=document,
        ))
        # Children of a quarantined document would be orphans: they follow it, with the reason.
        for kind, rows, key in (("section", sections, "section_id"), ("metric", metrics, "metric_id")):
            for row in rows:
                result.quarantine.append(contracts.quarantine_record(
                    stage=f"normalize:{kind}", schema=kind, source_id=item.source_id, doc_id=result.doc_id,
                    record_id=row.get(key), reason="document quarantined", record=row,
                ))
        return
    result.document = document
    result.sections, bad_sections = contracts.split_valid(sections, "section", stage="normalize:section", id_field="section_id")
    bad_ids = {row["record_id"] for row in bad_sections}
    metrics_ok, bad_metrics = contracts.split_valid(metrics, "metric", stage="normalize:metric", id_field="metric_id")
    result.metrics = []
    for metric in metrics_ok:
        if metric.get("section_id") in bad_ids:
            bad_metrics.append(contracts.quarantine_record(
                stage="normalize:metric", schema="metric", source_id=item.source_id, doc_id=result.doc_id,
                record_id=metric["metric_id"], reason=f"its section {metric['section_id']} was quarantined", record=metric,
            ))
        else:
            result.metrics.append(metric)
    for row in bad_sections + bad_metrics:
        row["source_id"] = item.source_id
    result.quarantine.extend(bad_sections + bad_metrics)
