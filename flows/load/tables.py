"""The rows of the load's tables, assembled from its inputs (``LoadInputs``).

Which document a source contributes: ``documents`` holds the latest parsed snapshot of each source
(the one fetched last according to the manifest); older snapshots stay in ``raw/`` and ``fetches``.
A source removed from the registry is not deleted: its row stays in ``sources`` with
``is_in_registry = false``, its staged document stays loaded, and every load prints a notice listing
such sources. Every record is validated again against its schema (the schemas may have moved since
the page was parsed) with the same checker and wording as normalize's; a failing one goes to
``quarantine`` (``contracts.quarantine_record``) with a stable ``quarantine_id``.

One report, one canonical document: the first pass over the staged results keeps a fingerprint of
each document's text (``duplicates.fingerprint``), ``duplicates.find_duplicates`` compares the loaded
documents once, and the second pass writes ``duplicate_of``, ``duplicate_kind`` and
``superseded_by`` into every document row (null unless marked).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flows import __version__
from flows.core.contracts import Checker, load_schema, quarantine_record
from flows.load.columns import TableSpec
from flows.load.duplicates import Fingerprint, Marks, find_duplicates, fingerprint
from flows.load.inputs import LoadInputs
from flows.load.parquet import PARTITION_COLUMN, PARTITIONED, PartitionWriter
from flows.load.specs import schema_name
from flows.normalize.document import doc_id_for

# text_source values of documents read from attachments (PDF, Word, OFD, scans), from the schema.
ATTACHMENT_TEXT_SOURCES = frozenset(load_schema("document")["properties"]["text_source"]["x-attachment-values"])
CHUNK_DOCUMENTS = 1_000  # documents per chunk of rows held at once by the load (a row group per chunk)


def with_source_flags(
    document: dict, source: dict | None, origins: dict[str, tuple[str, str | None]] | None = None
) -> dict:
    """A document from a registry source marked ``is_synthetic`` is synthetic whatever the parser said.
    With ``origins`` (``text_origins``), the document also gets ``text_origin`` and ``capture_note``."""
    if source and source.get("is_synthetic") and not document.get("is_synthetic"):
        document = {**document, "is_synthetic": True}
    if origins is not None:
        origin, note = origins.get(document["doc_id"]) or (
            "fetched_attachment" if document.get("text_source") in ATTACHMENT_TEXT_SOURCES else "fetched_page",
            None,
        )
        if document.get("is_synthetic"):
            origin = "synthetic"
        document = {**document, "text_origin": origin, "capture_note": note if origin == "captured_text" else None}
    return document


def text_origins(fetches: Iterable[dict]) -> dict[str, tuple[str, str | None]]:
    """``doc_id -> (text_origin, capture_note)`` from the manifest rows: a snapshot fetched over HTTP
    is a fetched page (or, with ``parent_sha256``, a fetched attachment) even if the same bytes were
    also imported; one only ever imported is a captured text, with the note of its latest import that
    has one."""
    fetched: dict[str, str] = {}
    captured: dict[str, str | None] = {}
    for row in fetches:
        if not (row.get("source_id") and row.get("snapshot_sha256")):
            continue
        doc_id = doc_id_for(row["source_id"], row["snapshot_sha256"])
        if row.get("is_captured_text"):
            captured[doc_id] = row.get("note") or captured.get(doc_id)
        else:
            fetched[doc_id] = "fetched_attachment" if row.get("parent_sha256") else "fetched_page"
    origins = {doc_id: ("captured_text", note) for doc_id, note in captured.items()}
    origins.update({doc_id: (origin, None) for doc_id, origin in fetched.items()})
    return origins


def quarantine_id(row: dict) -> str:
    parts = [row.get(k) for k in ("stage", "schema", "source_id", "doc_id", "record_id", "reason", "record_json")]
    joined = "\n".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def pick_latest(staged: Iterable[dict], fetches: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """Per source, the staged result to load (latest snapshot that parsed into a document) and the
    results whose quarantine rows still matter (that one and newer snapshots that failed to parse).

    "Latest" is the position of the snapshot's last fetch in the append-only manifest; snapshots the
    manifest does not know rank below every known one, ties by doc_id."""
    last_seen: dict[str, float] = {}
    for position, row in enumerate(fetches):
        if row.get("source_id") and row.get("snapshot_sha256"):
            last_seen[doc_id_for(row["source_id"], row["snapshot_sha256"])] = position
    # An attachment stands for its linking page: it ranks just above the page's last fetch (a later
    # refetch of the page whose attachment fetch failed keeps the attachment's document).
    for row in fetches:
        if row.get("source_id") and row.get("snapshot_sha256") and row.get("parent_sha256"):
            page = last_seen.get(doc_id_for(row["source_id"], row["parent_sha256"]), -1)
            doc_id = doc_id_for(row["source_id"], row["snapshot_sha256"])
            last_seen[doc_id] = max(last_seen[doc_id], page + 0.5)
    by_source: dict[str, list[dict]] = defaultdict(list)
    for result in staged:
        by_source[result["source_id"]].append(result)
    loaded, kept = [], []
    for source_id in sorted(by_source):
        results = sorted(by_source[source_id], key=lambda r: (last_seen.get(r["doc_id"], -1), r["doc_id"]))
        parsed = [r for r in results if r.get("document")]
        chosen = parsed[-1] if parsed else None
        if chosen is not None:
            loaded.append(chosen)
            kept.extend(results[results.index(chosen) :])
        else:
            kept.extend(results[-1:])
    return loaded, kept


def _region_fk(specs: dict[str, TableSpec]) -> dict:
    """The documents' foreign key into ``regions``."""
    fks = specs["documents"].foreign_keys if "documents" in specs else ()
    return next(
        (fk for fk in fks if fk["reference"]["table"] == "regions"),
        {"fields": ["region_code"], "reference": {"table": "regions", "fields": ["region_code"]}},
    )


def _region_key_fields(specs: dict[str, TableSpec]) -> list[str]:
    return list(_region_fk(specs)["fields"])


def _region_rows(specs: dict[str, TableSpec], documents: list[dict], region_table) -> list[dict]:
    """The code-table rows the documents point at, and their ancestors (via the regions table's
    self-referencing foreign key, when its schema declares one), from the code table of each
    document's report year; a code that table lacks (a year outside the tables' range) is taken from
    its latest run in ``region_table(None)``."""
    if "regions" not in specs or region_table is None:
        return []
    spec = specs["regions"]
    doc_fk = _region_fk(specs)
    doc_fields, region_fields = doc_fk["fields"], doc_fk["reference"]["fields"]
    parents = [fk for fk in spec.foreign_keys if fk["reference"]["table"] == "regions"]
    wanted: dict[int | None, set] = defaultdict(set)
    for document in documents:
        key = tuple(document.get(f) for f in doc_fields)
        if all(v is not None for v in key):
            wanted[document.get(PARTITION_COLUMN)].add(key)

    def index_of(rows: list[dict], fields) -> dict[tuple, dict]:
        return {tuple(r.get(f) for f in fields): r for r in rows}  # later rows (newer runs) win

    fallback: dict[tuple, dict] | None = None
    rows: dict[tuple, dict] = {}
    for year in sorted(wanted, key=lambda y: (y is None, y or 0)):
        table = list(region_table(year)) if year is not None else []
        by_key = index_of(table, region_fields)
        by_parent_key = [index_of(table, fk["reference"]["fields"]) for fk in parents]
        todo = list(wanted[year])
        while todo:
            key = todo.pop()
            row = by_key.get(key)
            if row is None:
                fallback = index_of(list(region_table(None)), region_fields) if fallback is None else fallback
                row = fallback.get(key)
            if row is None:
                continue
            pk = tuple(row.get(k) for k in spec.primary_key)
            if pk in rows:
                continue
            rows[pk] = row
            for fk, index in zip(parents, by_parent_key):
                parent_key = tuple(row.get(f) for f in fk["fields"])
                parent = index.get(parent_key) if all(v is not None for v in parent_key) else None
                if parent is None and fallback is not None and list(fk["reference"]["fields"]) == list(region_fields):
                    parent = fallback.get(parent_key)  # a row from the latest runs: its parents too
                if parent is not None:
                    todo.append(tuple(parent.get(f) for f in region_fields))
    return list(rows.values())


@dataclass
class Assembled:
    tables: dict[str, list[dict]]  # every table but the partitioned ones, whose rows went to Parquet
    notices: list[str]
    counts: dict[str, int]
    rows_by_year: dict[str, dict[str, int]]


def _light(result: dict, prints: dict[str, Fingerprint]) -> dict:
    """What ``pick_latest`` needs of a staged result (never its text, sections or metrics); the
    document's duplicate fingerprint goes to ``prints``."""
    document = result.get("document")
    if document:
        prints[result["doc_id"]] = fingerprint(document)
    return {
        "doc_id": result["doc_id"],
        "source_id": result["source_id"],
        "document": True if document else None,
        "quarantine": result.get("quarantine") or [],
    }


def with_duplicate_marks(document: dict, marks: Marks | None) -> dict:
    """The document with the load's duplicate columns (``flows.load.duplicates``): null unless marked."""
    marks = marks or Marks()
    return {
        **document,
        "duplicate_of": marks.duplicate_of,
        "duplicate_kind": marks.duplicate_kind,
        "superseded_by": marks.superseded_by,
    }


def _in_doc_order(staged: Iterable[dict]) -> Iterable[dict]:
    """Staged results by doc_id: ``StagedFiles`` reads them in that order; a list is sorted."""
    return sorted(staged, key=lambda r: r["doc_id"]) if isinstance(staged, list) else staged


def stream_tables(
    specs: dict[str, TableSpec],
    inputs: LoadInputs,
    incoming: Path,
    *,
    code_version: str,
    previous_sources: list[dict] = (),
) -> Assembled:
    """Latest document per source, its sections and metrics validated again (schemas may have moved
    since the page was parsed), written to ``incoming/<table>`` in chunks of ``CHUNK_DOCUMENTS``
    documents; and, returned whole, the rows of every other table but ``runs``: sources including
    those removed from the registry, fetches, the catalog, the region code rows used, quarantine with
    stable ids. Two passes over ``inputs.staged``: the first keeps only ids, the second the chunk."""
    notices: list[str] = []
    quarantine: list[dict] = list(inputs.extra_quarantine)
    checkers = {n: Checker(specs[n].schema) for n in ("documents", "sections", "metrics") if n in specs}

    registry = {s["source_id"]: {**s, "is_in_registry": True} for s in inputs.registry}
    removed = {}
    for row in previous_sources:
        if row["source_id"] not in registry:
            removed[row["source_id"]] = {**row, "is_in_registry": False}
    if removed:
        notices.append(
            f"{len(removed)} source(s) no longer in the registry keep their documents and history "
            f"(sources.is_in_registry = false): {', '.join(sorted(removed))}"
        )
    sources = list(registry.values()) + list(removed.values())

    prints: dict[str, Fingerprint] = {}
    loaded, kept = pick_latest((_light(r, prints) for r in inputs.staged), inputs.fetches)
    for result in kept:
        quarantine.extend(result["quarantine"])
    loaded_ids = {r["doc_id"] for r in loaded}
    # Where each document's bytes came from; only when the documents' schema has the columns.
    origins = (
        text_origins(inputs.fetches) if "text_origin" in getattr(specs.get("documents"), "column_names", ()) else None
    )
    # One report, one canonical document: compared across every loaded document at once.
    duplicates = find_duplicates(prints[doc_id] for doc_id in sorted(loaded_ids) if doc_id in prints)
    del prints

    streamed = [name for name in PARTITIONED if name in specs]
    writers = {name: PartitionWriter(specs[name], incoming / name, code_version) for name in streamed}
    counts: Counter = Counter({name: 0 for name in streamed})
    counts.update({"report_documents": 0, "canonical_metrics": 0})
    by_year: dict[str, Counter] = {name: Counter() for name in streamed}
    region_fields = [*_region_key_fields(specs), PARTITION_COLUMN]
    region_keys: list[dict] = []
    chunk: dict[str, list[dict]] = {name: [] for name in PARTITIONED}
    held = 0

    def flush() -> None:
        for name in streamed:
            if chunk[name]:
                writers[name].write(chunk[name])
            chunk[name] = []

    try:
        for result in _in_doc_order(inputs.staged):
            if result["doc_id"] not in loaded_ids:
                continue
            source_id = result["source_id"]
            document = with_source_flags(result["document"], registry.get(source_id) or removed.get(source_id), origins)
            document = with_duplicate_marks(document, duplicates.get(result["doc_id"]))
            problems = checkers["documents"].errors(document)
            if problems:
                quarantine.append(
                    quarantine_record(
                        stage="load:document",
                        schema=schema_name(specs["documents"]),
                        reason="; ".join(problems),
                        source_id=source_id,
                        doc_id=document.get("doc_id"),
                        record_id=document.get("doc_id"),
                        record=document,
                    )
                )
                for table, key in (("sections", "section_id"), ("metrics", "metric_id")):
                    for row in result.get(table) or []:
                        quarantine.append(
                            quarantine_record(
                                stage=f"load:{schema_name(specs[table])}",
                                schema=schema_name(specs[table]),
                                reason="document quarantined",
                                source_id=source_id,
                                doc_id=document.get("doc_id"),
                                record_id=row.get(key),
                                record=row,
                            )
                        )
                continue
            year = document.get(PARTITION_COLUMN)
            chunk["documents"].append(document)
            region_keys.append({f: document.get(f) for f in region_fields})
            counts["report_documents"] += bool(document.get("is_report"))
            trusted = result["doc_id"] in inputs.prevalidated
            for table, key in (("sections", "section_id"), ("metrics", "metric_id")):
                for row in result.get(table) or []:
                    problems = [] if trusted else checkers[table].errors(row)
                    if problems:
                        quarantine.append(
                            quarantine_record(
                                stage=f"load:{schema_name(specs[table])}",
                                schema=schema_name(specs[table]),
                                reason="; ".join(problems),
                                source_id=source_id,
                                doc_id=row.get("doc_id"),
                                record_id=row.get(key),
                                record=row,
                            )
                        )
                    else:
                        chunk[table].append({**row, PARTITION_COLUMN: year})
                        counts["canonical_metrics"] += bool(table == "metrics" and row.get("metric_code"))
            held += 1
            if held >= CHUNK_DOCUMENTS:
                _tally(chunk, streamed, counts, by_year)
                flush()
                held = 0
        _tally(chunk, streamed, counts, by_year)
        flush()
    finally:
        for writer in writers.values():
            writer.close()

    unique_quarantine = {}
    for row in quarantine:
        row = {**row, "quarantine_id": quarantine_id(row)}
        unique_quarantine[row["quarantine_id"]] = row
    tables = {
        "sources": sources,
        "fetches": list(inputs.fetches),
        "metric_catalog": list(inputs.catalog),
        "regions": _region_rows(specs, region_keys, inputs.region_table),
        "roster": inputs.roster({key.get(PARTITION_COLUMN) for key in region_keys}) if inputs.roster else [],
        "quarantine": list(unique_quarantine.values()),
    }
    tables = {name: rows for name, rows in tables.items() if name in specs}
    sizes = {name: len(rows) for name, rows in tables.items()}
    ordered = {
        name: sizes[name] if name in sizes else counts[name]
        for name in ("sources", "fetches", "metric_catalog", "regions", "roster", *PARTITIONED, "quarantine")
        if name in sizes or name in streamed
    }
    ordered["report_documents"] = counts["report_documents"]
    ordered["canonical_metrics"] = counts["canonical_metrics"]
    ordered["sources_not_in_registry"] = sum(1 for s in sources if s.get("is_in_registry") is False)
    rows_by_year = {name: dict(sorted(by_year[name].items())) for name in streamed}
    return Assembled(tables=tables, notices=notices, counts=ordered, rows_by_year=rows_by_year)


def _tally(chunk: dict[str, list[dict]], names: list[str], counts: Counter, by_year: dict[str, Counter]) -> None:
    for name in names:
        counts[name] += len(chunk[name])
        by_year[name].update(
            "null" if r.get(PARTITION_COLUMN) is None else str(r[PARTITION_COLUMN]) for r in chunk[name]
        )


# -- runs ---------------------------------------------------------------------------------------


def run_row(
    spec: TableSpec, run: dict, counts: dict[str, int], by_year: dict, *, allow_drop: bool, finished_at: str
) -> dict:
    """The ``runs`` row of this load: what the caller knows about the run, plus the load's counts
    (each ``<name>_count`` column of the run schema takes ``counts[name]``)."""
    row = {name: run.get(name) for name in spec.column_names}
    row["started_at"] = run.get("started_at") or finished_at
    row["finished_at"] = run.get("finished_at") or finished_at
    row["code_version"] = run.get("code_version") or __version__
    row["is_drop_allowed"] = bool(allow_drop)
    row["stage_counts"] = dict(run.get("counts") or {})
    row["rows_by_year"] = by_year
    for name in spec.column_names:
        if name.endswith("_count"):
            row[name] = counts.get(name.removesuffix("_count"), 0)
    return row


def previous_run(runs: list[dict], run_id: str) -> dict | None:
    earlier = [r for r in runs if r.get("run_id") != run_id]
    return max(earlier, key=lambda r: (str(r.get("finished_at")), r["run_id"])) if earlier else None


def runs_table(
    spec: TableSpec,
    run: dict,
    counts: dict[str, int],
    by_year: dict,
    previous_runs: list[dict],
    *,
    allow_drop: bool,
    finished_at: str,
) -> list[dict]:
    """The ``runs`` table after this load: the earlier runs and this one's row (``run_row``), checked
    against the run schema (a bad row is a bug in the caller's ``run``, not data to quarantine)."""
    this_run = run_row(spec, run, counts, by_year, allow_drop=allow_drop, finished_at=finished_at)
    problems = Checker(spec.schema).errors(this_run)
    if problems:
        raise ValueError(f"runs row does not match schemas/run.schema.json: {'; '.join(problems)}")
    return [r for r in previous_runs if r["run_id"] != this_run["run_id"]] + [this_run]
