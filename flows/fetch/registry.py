"""The sources registry ``raw/sources.yaml``: which pages to fetch and what is known about them.

Format::

    sources:
      - source_id: chaoyang-2022
        url: http://www.chaoyang.gov.cn/html/CYSZF/202303/0167817108436099.html
        issuer: 中共朝阳市委 朝阳市人民政府      # optional, as published
        region_hint: 辽宁省朝阳市                # optional
        report_year_hint: 2022                  # optional
        notes: null                             # optional
        is_synthetic: false                     # optional, default false

Only ``source_id`` and ``url`` are required: a two-line entry is a whole entry. ``fazhi discover``
writes the sources it finds to ``raw/sources.discovered.yaml`` in the same format, each with
``discovered_from`` (the listing's id) and a ``discovery`` mapping (its provenance, kept in the file,
not in the ``sources`` table); ``load_sources`` reads both files, the hand-written one first.

Every entry is validated against ``schemas/source.schema.json`` after defaults are filled in. The
file is hand-edited, so errors name the file, the entry (1-based, with its source_id) and the
field, and all problems are reported at once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from flows.core import contracts, layout, yaml_stream
from flows.core.errors import UserError

FIELDS = ("source_id", "url", "issuer", "region_hint", "report_year_hint", "notes", "is_synthetic", "discovered_from")
REQUIRED = ("source_id", "url")
DEFAULTS = {
    "issuer": None,
    "region_hint": None,
    "report_year_hint": None,
    "notes": None,
    "is_synthetic": False,
    "discovered_from": None,
}
REGISTRY_NAME = layout.REGISTRY
DISCOVERED_NAME = layout.DISCOVERED
PROVENANCE_KEY = "discovery"  # allowed in the discovered registry only; not a source field


# The registry ``fazhi init`` writes: the format explained, and an example entry commented out.
TEMPLATE = """\
# The sources registry of this fazhi project: one entry per web page that holds (or is expected to
# hold) a rule-of-law government report (法治政府建设情况的报告). `fazhi run` fetches the entries not
# yet archived in raw/, then normalizes, loads and publishes; `fazhi import-text SOURCE_ID FILE
# --note "WHO: WHY"` archives the text of a page captured by hand (the note is required).
#
# Fields: source_id (required: lowercase letters and digits in hyphen-separated groups, never reused
# for another page), url (required: http or https); optional hints known before fetching: issuer,
# region_hint, report_year_hint, notes; is_synthetic (default false: synthetic data is never published).
#
# An example entry: remove the "#" at the start of its lines to use it.
sources:
#  - source_id: chaoyang-2022
#    url: http://www.chaoyang.gov.cn/html/CYSZF/202303/0167817108436099.html
#    issuer: 中共朝阳市委 朝阳市人民政府
#    region_hint: 辽宁省朝阳市
#    report_year_hint: 2022
#    notes: null
#    is_synthetic: false
"""


class RegistryError(UserError, ValueError):
    """The registry file is unreadable or an entry is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML that refuses a key given twice in one mapping (the second would silently win).

    Built on libyaml's parser where available: a registry of thousands of entries parses in a
    fraction of the pure-Python time."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark
            )
        seen[key] = True
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def url_problem(url: object) -> str | None:
    """Why ``url`` is not an acceptable source address, or None. Only absolute http(s) URLs with a
    host are accepted: a registry entry must never make the pipeline read files or other schemes."""
    if not isinstance(url, str):
        return f"{url!r} is not a string"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number in range)
    except ValueError:
        return f"{url!r} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or url != url.strip():
        return f"{url!r} is not an http(s) URL"
    if any(ch.isspace() for ch in url):
        return f"{url!r} contains whitespace"
    return None


def url_key(url: str) -> str:
    """The form two registry urls are compared in: scheme and host case-folded, fragment and a
    default port dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    netloc = (parts.hostname or "").lower()
    if parts.port and parts.port != {"http": 80, "https": 443}.get(scheme):
        netloc += f":{parts.port}"
    return f"{scheme}://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def _entry_problems(entry: object, extra: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with one entry."""
    if not isinstance(entry, dict):
        return [("(entry)", f"expected a mapping of fields, got {type(entry).__name__}")]
    found = []
    for key in entry:
        if key not in FIELDS and key not in extra:
            found.append((str(key), f"unknown field (allowed: {', '.join(FIELDS)})"))
    for key in REQUIRED:
        if entry.get(key) is None:
            found.append((key, "required field missing"))
    if entry.get("url") is not None and (problem := url_problem(entry["url"])):
        found.append(("url", problem))
    if found:
        return found
    record = {**DEFAULTS, **{k: v for k, v in entry.items() if k in FIELDS}}
    for message in contracts.errors(record, "source"):
        field, _, text = message.partition(": ")
        found.append((field, text))
    return found


def strict_yaml(text: str, name: str, *, strict: bool = True) -> object:
    """Safe YAML that refuses a key given twice (``strict``: hand-edited files; the files the machine
    writes have none); a syntax error is a ``RegistryError`` naming the line. Built from the parser's
    events (``yaml_stream``): a registry of 50,000 entries in ~2 s and ~60 MB instead of ~8 s and ~350 MB."""
    loader = _StrictLoader if strict else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml_stream.load(text, loader, unique_keys=strict)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RegistryError([f"{name}:{where} YAML syntax error: {' '.join(str(problem).split())}"]) from None


def parse_registry(text: str, name: str = "sources.yaml", *, provenance: bool = False) -> list[dict]:
    """The sources in registry text; ``name`` is used in error messages. ``provenance``: entries may
    carry a ``discovery`` mapping (the discovered registry, written by the machine), which is checked
    and left out."""
    return registry_entries(strict_yaml(text, name, strict=not provenance), name, provenance=provenance)


def registry_entries(document: object, name: str, *, provenance: bool = False) -> list[dict]:
    """The sources of a parsed registry document (see ``parse_registry``)."""
    if isinstance(document, dict) and "sources" in document and document["sources"] is None:
        document["sources"] = []  # ``sources:`` with every entry commented out, as ``fazhi init`` writes it
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise RegistryError([f"{name}: expected a mapping with a 'sources' list"])
    extra = sorted(str(key) for key in document if key != "sources")
    if extra:
        raise RegistryError([f"{name}: unknown top-level key(s): {', '.join(extra)}"])

    problems: list[str] = []
    sources: list[dict] = []
    by_id: dict[str, int] = {}
    by_url: dict[str, tuple[int, str]] = {}
    for index, entry in enumerate(document["sources"], start=1):
        source_id = entry.get("source_id") if isinstance(entry, dict) else None
        label = f"{name}: entry {index}" + (f" (source_id {source_id!r})" if source_id is not None else "")
        entry_problems = _entry_problems(entry, (PROVENANCE_KEY,) if provenance else ())
        if provenance and isinstance(entry, dict) and not isinstance(entry.get(PROVENANCE_KEY, {}), dict):
            entry_problems.append((PROVENANCE_KEY, "expected a mapping"))
        if not entry_problems:
            if source_id in by_id:
                entry_problems.append(("source_id", f"{source_id!r} already used by entry {by_id[source_id]}"))
            key = url_key(entry["url"])
            if key in by_url:
                other, other_id = by_url[key]
                entry_problems.append(("url", f"same url as entry {other} (source_id {other_id!r}): {entry['url']!r}"))
        problems.extend(f"{label}: {field}: {message}" for field, message in entry_problems)
        if not entry_problems:
            by_id[source_id] = index
            by_url[url_key(entry["url"])] = (index, source_id)
            sources.append({field: {**DEFAULTS, **entry}[field] for field in FIELDS})
    if problems:
        raise RegistryError(problems)
    return sources


def select_sources(sources: list[dict], source_ids: Iterable[str] | None, registry_path) -> list[dict]:
    """The sources named by ``source_ids`` (all when None or empty), in registry order; a
    ``UserError`` naming the registry lists the ids it does not hold."""
    if not source_ids:
        return sources
    wanted = list(dict.fromkeys(source_ids))
    known = {s["source_id"] for s in sources}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise UserError(f"{registry_path}: unknown source id(s): {', '.join(unknown)}")
    return [s for s in sources if s["source_id"] in set(wanted)]


# The registries parsed last, by their bytes: one command reads the registry once per stage, and
# parsing and checking a registry of 10,000 sources takes seconds (reading and hashing it, milliseconds).
_parsed: dict[bytes, list[dict]] = {}


def load_registry(path: str | os.PathLike, *, provenance: bool = False) -> list[dict]:
    """Every source in the registry file at ``path``, in file order, defaults filled in.

    Raises ``RegistryError`` naming the file, entry and field of each problem."""
    path = Path(path)
    name = _display(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise RegistryError([f"{name}: registry file not found"]) from None
    except UnicodeDecodeError as error:
        raise RegistryError([f"{name}: not UTF-8 text (byte {error.start})"]) from None
    digest = hashlib.sha256(data + (b"\0provenance" if provenance else b"")).digest()
    if digest not in _parsed:
        sources = parse_registry(text, name, provenance=provenance)
        if len(_parsed) >= 2:
            _parsed.clear()
        _parsed[digest] = sources
    return [dict(source) for source in _parsed[digest]]


def load_sources(registry_path: str | os.PathLike) -> list[dict]:
    """The hand-written registry at ``registry_path`` followed by the discovered one beside it
    (``sources.discovered.yaml``, when it exists). A discovered entry whose source_id or url the
    hand-written registry already has is left out: the person's entry wins."""
    registry_path = Path(registry_path)
    sources = load_registry(registry_path)
    discovered_path = registry_path.with_name(DISCOVERED_NAME)
    if not discovered_path.is_file():
        return sources
    ids = {s["source_id"] for s in sources}
    urls = {url_key(s["url"]) for s in sources}
    for source in load_registry(discovered_path, provenance=True):
        if source["source_id"] not in ids and url_key(source["url"]) not in urls:
            sources.append(source)
    return sources
