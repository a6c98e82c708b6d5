"""The JSON Schemas in ``schemas/`` are the single contract: this module reads them and validates.

Conventions every schema follows (see docs/DEVELOPING.md):

* ``$id`` ``https://fazhi.example/schemas/<name>.schema.json``, draft 2020-12, ``type: object``,
  ``additionalProperties: false``, every property listed in ``required`` (nullable ones allow null).
* Table metadata at the top level: ``x-table`` (table/dataset name), ``x-primary-key`` (list),
  ``x-foreign-keys`` (list of ``{"fields": [...], "reference": {"table": ..., "fields": [...]}}``),
  ``title`` (English), ``x-title-zh``, ``description`` (English), ``x-description-zh``.
* Per property: ``title``, ``x-title-zh``, ``description``, ``x-description-zh``; JSON type with
  ``format: date`` / ``date-time`` where it applies; nullable as ``"type": ["string", "null"]``.
  Loaders derive Arrow and DuckDB types and all comments from these, nothing by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache, cached_property
from typing import Any

from flows.core.config import SCHEMAS_DIR
from flows.core.errors import FazhiError


class SchemaError(FazhiError, ValueError):
    """A record does not satisfy its schema (a record the code made: a bug, exit status 1)."""


@cache
def load_schema(name: str) -> dict:
    """``name`` is the stem: ``document`` reads ``schemas/document.schema.json``."""
    path = SCHEMAS_DIR / f"{name}.schema.json"
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _is_date(value: Any) -> bool:
    from datetime import date

    if not isinstance(value, str) or len(value) != 10:
        return True  # only strings are format-checked, as in JSON Schema
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: Any) -> bool:
    from datetime import datetime

    if not isinstance(value, str):
        return True
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return "T" in value.upper() and parsed.tzinfo is not None


class Checker:
    """Validation against one schema: a compiled validator (fastjsonschema, ~80x faster than
    jsonschema) decides the common case that a record is valid; jsonschema stays the authority and
    lists the violations when it is not."""

    def __init__(self, schema: dict):
        import fastjsonschema

        self.schema = schema
        self._fast = fastjsonschema.compile(schema, formats={"date": _is_date, "date-time": _is_date_time})

    @cached_property
    def _full(self):  # built on the first invalid record: most runs never import jsonschema
        from jsonschema import Draft202012Validator, FormatChecker

        Draft202012Validator.check_schema(self.schema)
        return Draft202012Validator(self.schema, format_checker=FormatChecker())

    def violations(self, record: Any) -> list:
        """jsonschema's errors for ``record``, ordered by path; empty when it is valid."""
        import fastjsonschema

        try:
            self._fast(record)
            return []
        except fastjsonschema.JsonSchemaException:
            pass
        return sorted(self._full.iter_errors(record), key=lambda e: list(e.absolute_path))

    def errors(self, record: Any) -> list[str]:
        """Every violation by ``record``, as ``path: message`` strings (empty = valid): the one wording
        of a schema violation, in normalize's and the load's quarantine rows alike."""
        found = []
        for error in self.violations(record):
            where = "/".join(str(part) for part in error.absolute_path) or "(record)"
            message = error.message
            if len(message) > 300:
                message = message[:297] + "..."
            found.append(f"{where}: {message}")
        return found


@cache
def _checker(name: str) -> Checker:
    return Checker(load_schema(name))


def errors(record: Any, name: str) -> list[str]:
    """Every violation of schema ``name`` by ``record`` (``Checker.errors``; empty = valid)."""
    return _checker(name).errors(record)


def validate(record: Any, name: str) -> None:
    problems = errors(record, name)
    if problems:
        raise SchemaError(f"{name}: " + "; ".join(problems))


def quarantine_record(
    *,
    stage: str,
    schema: str | None,
    reason: str,
    doc_id: str | None = None,
    source_id: str | None = None,
    record_id: str | None = None,
    record: Any = None,
) -> dict:
    """A row for the quarantine table: what was rejected, where, and why. Nothing is dropped silently."""
    return {
        "stage": stage,
        "schema": schema,
        "source_id": source_id,
        "doc_id": doc_id,
        "record_id": record_id,
        "reason": reason,
        "record_json": json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
        if record is not None
        else None,
    }


def split_valid(records: Iterable[dict], name: str, *, stage: str, id_field: str) -> tuple[list[dict], list[dict]]:
    """Validate a batch: valid records and quarantine rows for the rest."""
    valid, rejected = [], []
    for record in records:
        problems = errors(record, name)
        if problems:
            rejected.append(
                quarantine_record(
                    stage=stage,
                    schema=name,
                    reason="; ".join(problems),
                    doc_id=record.get("doc_id") if isinstance(record, dict) else None,
                    record_id=record.get(id_field) if isinstance(record, dict) else None,
                    record=record,
                )
            )
        else:
            valid.append(record)
    return valid, rejected


def field_names(name: str) -> list[str]:
    return list(load_schema(name)["properties"])


def read_yaml(path) -> Any:
    """Parse a YAML data file with libyaml when available (ten times faster than pure Python)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)
