"""One archived snapshot -> a validated document, its sections and metrics, and quarantine rows.

Pure: bytes or text in, records out. This is the only place that knows the order of the parsing
steps; each step lives in its own module (see docs/DEVELOPING.md).
"""

from __future__ import annotations

import hashlib
import re
import traceback
from bisect import bisect_right
from dataclasses import dataclass, field

from flows.core import contracts
from flows.core.textnorm import clean_text, fold, is_traditional
from flows.fetch.screen import letters, soft_error_reason
from flows.normalize.attachments.extract import extract as extract_attachment
from flows.normalize.attachments.formats import AttachmentError, Extracted, media_kind, sniff_format
from flows.normalize.attachments.formats import describe_not_pdf as _describe_not_pdf
from flows.normalize.attachments.reading_text import page_at

# Bump whenever parsing output can change: staged results made by another version are reparsed.
PARSER_VERSION = "0.3.7"

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)

# Bounds on hostile input (HTML is also cut by html_extract). Fetch caps bodies at 20 MB and local
# files are refused over 50 MB, so a larger snapshot came from elsewhere and is not parsed.
MAX_SNAPSHOT_BYTES = 50 * 2**20
MAX_TEXT_CHARS = 1_500_000
# A decoded page with more control or undecodable characters than this share is binary data.
MAX_BINARY_SHARE = 0.05
MIN_BINARY_CHARS = 32
# A page with fewer letters (Han, Latin, digits) than this beyond its title has no body.
MIN_BODY_CHARS = 20

_NOT_TEXT_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")

_TAG_COUNT_RES = {
    "images": re.compile(r"<img\b", re.IGNORECASE),
    "scripts": re.compile(r"<script\b", re.IGNORECASE),
    "frames": re.compile(r"<i?frame\b", re.IGNORECASE),
    "embedded objects": re.compile(r"<(?:embed|object)\b", re.IGNORECASE),
}


# Paragraphs this long printed twice are one paragraph shown twice (a print view, a pasted copy).
MIN_REPEATED_PARAGRAPH_CHARS = 30
_REPORT_TITLE_LINE_RE = re.compile(r"(?:法治政府|依法行政|法治建设)[^。;]{0,30}报告(?:\s*[(][^()]{0,20}[)])?$")
_HEADING_MARK_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]|\d+[、.])")


def repeated_paragraphs(body: str) -> list[tuple[int, int, int]]:
    """``(start, end, first_start)`` of every line that repeats an earlier line of the body verbatim
    (at least ``MIN_REPEATED_PARAGRAPH_CHARS`` letters; short lines such as headings repeat)."""
    seen: dict[str, int] = {}
    found, pos = [], 0
    for line in body.split("\n"):
        key = line.strip()
        if (
            len(key) >= MIN_REPEATED_PARAGRAPH_CHARS
            and letters(key, MIN_REPEATED_PARAGRAPH_CHARS) >= MIN_REPEATED_PARAGRAPH_CHARS
        ):
            if key in seen:
                found.append((pos, pos + len(line), seen[key]))
            else:
                seen[key] = pos
        pos += len(line) + 1
    return found


_YEAR_RE = re.compile(r"(?:19|20)\d{2}")
_TITLE_NOISE_RE = re.compile(r"\s|[的之]|[(][^()]*[)]|(?:19|20)\d{2}年度?")


def _same_title(line: str, title: str) -> bool:
    """The report's own title printed again (with or without its year, 的, a bracketed note)."""
    years = set(_YEAR_RE.findall(line))
    return _TITLE_NOISE_RE.sub("", line) == _TITLE_NOISE_RE.sub("", title) and (
        not years or years == set(_YEAR_RE.findall(title))
    )


def second_report_titles(body: str, title: str | None) -> list[tuple[int, str]]:
    """Lines of the body that read as another report's title: (offset, line)."""
    own = fold(title or "").strip()
    found, pos = [], 0
    for line in body.split("\n"):
        folded = fold(line).strip()
        if (
            len(folded) <= 80
            and _REPORT_TITLE_LINE_RE.search(folded)
            and not _same_title(folded, own)
            and not _HEADING_MARK_RE.match(folded)
            and not folded.startswith("《")
        ):
            found.append((pos, line.strip()))
        pos += len(line) + 1
    return found


class NotContent(Exception):
    """The snapshot holds no page content to parse; the message is the quarantine reason."""


def _binary_share(text: str) -> tuple[float, int]:
    """Share and number of control or undecodable characters in the first 100,000 characters."""
    sample = text[:100_000]
    count = len(_NOT_TEXT_RE.findall(sample))
    return (count / len(sample) if sample else 0.0), count


def _markup_hint(html: str | None) -> str:
    """What a page without text holds instead, for the quarantine reason."""
    if not html:
        return ""
    counts = {name: len(regex.findall(html)) for name, regex in _TAG_COUNT_RES.items()}
    held = [f"{n} {name if n != 1 else name[:-1]}" for name, n in counts.items() if n]
    if not held:
        return ""
    guess = ""
    if counts["images"] and not counts["scripts"]:
        guess = "; published as images?"
    elif counts["scripts"]:
        guess = "; rendered by JavaScript?"
    elif counts["frames"] or counts["embedded objects"]:
        guess = "; content in a frame or plug-in?"
    return f" (markup holds {', '.join(held)}{guess})"


def doc_id_for(source_id: str, snapshot_sha256: str) -> str:
    return hashlib.sha256(f"{source_id}\n{snapshot_sha256}".encode()).hexdigest()[:16]


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
    name: str | None = None  # the file name, when known (it tells .wps from .doc)
    parent: ParseInput | None = None  # an attachment's linking page (its printed date and source)


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
    # imported on use: load and the flow import this module for ids and PARSER_VERSION, not the parsers (0.45 s)
    from flows.fetch.encoding import detect_encoding

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
    """Never raises for bad input: a failure becomes a quarantine row naming the stage.

    A snapshot without page content (empty, oversize, an attachment, binary data, no visible
    text, only a title, an error page or a login wall) is quarantined with the reason, not made
    into a document."""
    doc_id = doc_id_for(item.source_id, item.snapshot_sha256)
    result = ParseResult(doc_id=doc_id, source_id=item.source_id)
    stage = "decode"
    try:
        data = item.data
        if not data:
            raise NotContent("empty snapshot (0 bytes)")
        if len(data) > MAX_SNAPSHOT_BYTES:
            raise NotContent(f"snapshot is {len(data)} bytes, over the {MAX_SNAPSHOT_BYTES // 2**20} MB limit")
        kind = sniff_format(data, item.content_type, item.name or item.url)
        if kind is None and media_kind(item.content_type) is not None:
            raise NotContent(_not_the_declared_type(data, item.content_type))
        if kind is not None:
            stage = "extract"
            try:
                extracted = extract_attachment(data, kind)
            except AttachmentError as error:
                raise NotContent(str(error)) from None
            stage = "page"
            _parse_attachment(result, extracted, item)
            return result
        text, _, warnings = decode(data, item.content_type, item.encoding)
        share, count = _binary_share(text)
        if share > MAX_BINARY_SHARE and count >= MIN_BINARY_CHARS:
            raise NotContent(
                f"not text: {share:.0%} of the decoded characters are control or undecodable characters "
                f"(binary data served as {item.content_type or 'no content type'})"
            )
        stage = "extract"
        page_fields: dict = {}
        html = None
        is_html = (item.content_type or "").split(";")[0].strip().lower() in HTML_TYPES or (
            not (item.content_type or "").startswith(TEXT_TYPES) and looks_like_html(text)
        )
        if is_html:
            # imported on use: load and the flow import this module for ids and PARSER_VERSION, not the parsers (0.45 s)
            from flows.normalize.html_extract import extract

            html = text
            extracted = extract(text)
            text, page_fields = extracted.text, dict(extracted.fields)
            warnings.extend(extracted.warnings)
        elif len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            warnings.append(f"text cut at {MAX_TEXT_CHARS} characters")
        text = clean_text(text)
        if not letters(text, 1):
            raise NotContent("no text in the page" + _markup_hint(html))
        stage = "page"
        _parse_text(result, text, item, page_fields, warnings, html, text_source="html" if is_html else "text")
    except Exception as exc:  # one bad page never stops the batch; the reason is kept
        if isinstance(exc, NotContent):
            reason = str(exc)
            record = {"url": item.url, "content_type": item.content_type, "bytes": len(item.data)}
        else:
            reason = f"parser failed: {type(exc).__name__}: {exc}".splitlines()[0][:500]
            record = {"traceback": traceback.format_exc(limit=6)}
        result.document, result.sections, result.metrics = None, [], []
        result.quarantine.append(
            contracts.quarantine_record(
                stage=f"normalize:{stage}",
                schema=None,
                source_id=item.source_id,
                doc_id=doc_id,
                reason=reason,
                record=record,
            )
        )
    return result


def _not_the_declared_type(data: bytes, content_type: str | None) -> str:
    """The reason for bytes that are not the attachment their content type says."""
    declared = media_kind(content_type)
    if declared == "pdf":
        return _describe_not_pdf(data)
    reason = (
        _describe_not_pdf(data)
        .replace("not a PDF", f"not a .{declared} file")
        .replace("served as a PDF", f"served as .{declared}")
    )
    return reason.replace(", not %PDF-", "")


def parent_page_fields(parent: ParseInput) -> dict:
    """What an attachment's linking page prints about the report: title, publish date, source and
    breadcrumb, as page fields (the attachment's own printed values win over them)."""
    # imported on use: load and the flow import this module for ids and PARSER_VERSION, not the parsers (0.45 s)
    from flows.normalize import page
    from flows.normalize.html_extract import extract

    text, _, _ = decode(parent.data, parent.content_type, parent.encoding)
    page_fields: dict = {}
    if looks_like_html(text) or (parent.content_type or "").startswith(HTML_TYPES):
        extracted = extract(text)
        text, page_fields = extracted.text, dict(extracted.fields)
    info = page.read_page(clean_text(text), url=parent.url, page_fields=page_fields)
    fields = {"title": info.title, "publish_date": info.publish_date, "source": info.source_org}
    if info.breadcrumb:
        fields["breadcrumb"] = list(info.breadcrumb)
    return {key: value for key, value in fields.items() if value}


def _parse_attachment(result: ParseResult, extracted: Extracted, item: ParseInput) -> None:
    page_fields: dict = {}
    if item.parent is not None:
        try:
            page_fields = parent_page_fields(item.parent)
        except Exception as error:  # the linking page only adds fields; the attachment is parsed anyway
            extracted.warnings.append(f"linking page not read: {type(error).__name__}: {error}"[:200])
    text = clean_text(extracted.text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        extracted.warnings.append(f"text cut at {MAX_TEXT_CHARS} characters")
    if not letters(text, 1):
        raise NotContent(f"no text in the {extracted.text_source.upper()} file")
    _parse_text(
        result,
        text,
        item,
        page_fields,
        list(extracted.warnings),
        None,
        text_source=extracted.text_source,
        page_starts=extracted.page_starts,
    )


def _parse_text(
    result: ParseResult,
    text: str,
    item: ParseInput,
    page_fields: dict,
    warnings: list[str],
    html: str | None,
    *,
    text_source: str,
    page_starts: list[int] | None = None,
) -> None:
    # imported on use: load and the flow import this module for ids and PARSER_VERSION, not the parsers (0.45 s)
    from flows.normalize import metrics as metrics_mod
    from flows.normalize import page, regions
    from flows.normalize import sections as sections_mod
    from flows.normalize.catalog import assign_codes

    info = page.read_page(text, url=item.url, page_fields=page_fields)
    page_title = info.title or page_fields.get("page_title") or page_fields.get("title")
    stand_in = None if info.is_report else soft_error_reason(page_title, info.text, html)
    if stand_in:
        raise NotContent(stand_in)
    body_letters = letters(info.text.replace(info.title, "") if info.title else info.text, MIN_BODY_CHARS)
    if body_letters < MIN_BODY_CHARS:
        title = f" {info.title!r}" if info.title else ""
        raise NotContent(f"no body text: the page holds only its title{title}" + _markup_hint(html))
    report_year = info.report_year if info.report_year is not None else item.report_year_hint
    # Labelled page fields (发布机构: 南昌县人民政府) name the issuer formally; the regions module
    # reads them as header lines.
    publisher_lines = [
        f"{key}: {value}"
        for key, value in (info.meta or {}).items()
        if key in ("发布机构", "发文机关", "发文单位") and value
    ]
    issuer = regions.resolve_issuer(
        title=info.title,
        text=info.text,
        url=item.url,
        source_org=info.source_org,
        report_year=report_year,
        header_lines=list(info.header_lines) + publisher_lines,
        issuer_hint=item.issuer_hint,
        region_hint=item.region_hint,
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
        "issuer_full_name": issuer.issuer_full_name,
        "region_name": issuer.region_name,
        "region_code": issuer.region_code,
        "region_level": issuer.region_level,
        "report_year": report_year,
        "publish_date": info.publish_date,
        "source_org": info.source_org,
        "breadcrumb": list(info.breadcrumb),
        "is_report": bool(info.is_report),
        "not_report_reason": info.not_report_reason,
        "is_traditional_script": is_traditional(body),
        "is_synthetic": bool(item.is_synthetic),
        "text_source": text_source,
        "text": body,
        "text_chars": len(body),
        "parser_version": PARSER_VERSION,
        "warnings": all_warnings,
        # Set by the load, which sees every document (flows/load/duplicates.py).
        "duplicate_of": None,
        "duplicate_kind": None,
        "superseded_by": None,
    }
    sections = sections_mod.parse_sections(body, result.doc_id)
    if not [s for s in sections if s["level"] > 0]:
        document["warnings"].append("no numbered headings found")
    for offset, line in second_report_titles(body, info.title):
        document["warnings"].append(
            f"another report title inside the body at offset {offset} ({line[:60]!r}): "
            "figures after it may belong to another report"
        )
    metrics = assign_codes(metrics_mod.extract_metrics(body, result.doc_id, sections))
    for record in sections + metrics:
        record["page"] = page_at(page_starts, info.body_start + record["start"]) if page_starts else None
    repeats = repeated_paragraphs(body)
    if repeats:
        document["warnings"].append(
            f"{len(repeats)} paragraph(s) printed again verbatim; their metrics are quarantined as duplicates"
        )

    problems = contracts.errors(document, "document")
    if problems:
        result.quarantine.append(
            contracts.quarantine_record(
                stage="normalize:document",
                schema="document",
                source_id=item.source_id,
                doc_id=result.doc_id,
                record_id=result.doc_id,
                reason="; ".join(problems),
                record=document,
            )
        )
        # Children of a quarantined document would be orphans: they follow it, with the reason.
        for kind, rows, key in (("section", sections, "section_id"), ("metric", metrics, "metric_id")):
            for row in rows:
                result.quarantine.append(
                    contracts.quarantine_record(
                        stage=f"normalize:{kind}",
                        schema=kind,
                        source_id=item.source_id,
                        doc_id=result.doc_id,
                        record_id=row.get(key),
                        reason="document quarantined",
                        record=row,
                    )
                )
        return
    result.document = document
    result.sections, bad_sections = contracts.split_valid(
        sections, "section", stage="normalize:section", id_field="section_id"
    )
    bad_ids = {row["record_id"] for row in bad_sections}
    metrics_ok, bad_metrics = contracts.split_valid(metrics, "metric", stage="normalize:metric", id_field="metric_id")
    result.metrics = []
    repeat_starts = [start for start, _, _ in repeats]
    for metric in metrics_ok:
        at = bisect_right(repeat_starts, metric["start"]) - 1
        repeat = repeats[at] if at >= 0 and metric["start"] < repeats[at][1] else None
        if repeat is not None:
            reason = (
                f"duplicate: its paragraph at offset {repeat[0]} repeats the paragraph at offset {repeat[2]} verbatim"
            )
        elif metric.get("section_id") in bad_ids:
            reason = f"its section {metric['section_id']} was quarantined"
        else:
            result.metrics.append(metric)
            continue
        bad_metrics.append(
            contracts.quarantine_record(
                stage="normalize:metric",
                schema="metric",
                source_id=item.source_id,
                doc_id=result.doc_id,
                record_id=metric["metric_id"],
                reason=reason,
                record=metric,
            )
        )
    for row in bad_sections + bad_metrics:
        row["source_id"] = item.source_id
    result.quarantine.extend(bad_sections + bad_metrics)
