"""The listings registry ``raw/listings.yaml``: portal columns, roundup pages and sitemaps to read.

Format (``schemas/listing.schema.json``)::

    listings:
      - listing_id: gd-fzzfjs                         # stable slug
        url: http://www.gd.gov.cn/zwgk/fzzfjs/         # the first page
        issuer_hint: 广东省人民政府                    # optional
        region_hint: 广东省                            # optional
        max_pages: 10                                  # optional, default 10
        link_pattern: 法治.*报告                        # optional regex on link texts
        kind: page                                     # page (default) | sitemap
        notes: where it was seen                       # optional

Errors name the file, the entry (1-based, with its listing_id) and the field, all at once.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from flows.core import contracts, layout
from flows.fetch.registry import RegistryError, strict_yaml, url_key, url_problem

LISTINGS_NAME = layout.LISTINGS
DEFAULTS = {
    "issuer_hint": None,
    "region_hint": None,
    "max_pages": 10,
    "link_pattern": None,
    "kind": "page",
    "notes": None,
}
FIELDS = ("listing_id", "url", *DEFAULTS)


def parse_listings(text: str, name: str = LISTINGS_NAME) -> list[dict]:
    """The listings in registry text, defaults filled in; ``RegistryError`` lists every problem."""
    document = strict_yaml(text, name)
    if document is None or (isinstance(document, dict) and document.get("listings") is None):
        return []
    if not isinstance(document, dict) or not isinstance(document.get("listings"), list):
        raise RegistryError([f"{name}: expected a mapping with a 'listings' list"])
    extra = sorted(str(key) for key in document if key != "listings")
    if extra:
        raise RegistryError([f"{name}: unknown top-level key(s): {', '.join(extra)}"])
    problems: list[str] = []
    listings: list[dict] = []
    ids: dict[str, int] = {}
    urls: dict[str, int] = {}
    for index, entry in enumerate(document["listings"], start=1):
        listing_id = entry.get("listing_id") if isinstance(entry, dict) else None
        label = f"{name}: entry {index}" + (f" (listing_id {listing_id!r})" if listing_id is not None else "")
        found = _problems(entry)
        if not found:
            if listing_id in ids:
                found.append(("listing_id", f"{listing_id!r} already used by entry {ids[listing_id]}"))
            key = url_key(entry["url"])
            if key in urls:
                found.append(("url", f"same url as entry {urls[key]}: {entry['url']!r}"))
        problems += [f"{label}: {field}: {message}" for field, message in found]
        if not found:
            ids[listing_id] = index
            urls[url_key(entry["url"])] = index
            listings.append({**DEFAULTS, **entry})
    if problems:
        raise RegistryError(problems)
    return listings


def _problems(entry: object) -> list[tuple[str, str]]:
    if not isinstance(entry, dict):
        return [("(entry)", f"expected a mapping of fields, got {type(entry).__name__}")]
    found = [(str(key), f"unknown field (allowed: {', '.join(FIELDS)})") for key in entry if key not in FIELDS]
    found += [(key, "required field missing") for key in ("listing_id", "url") if entry.get(key) is None]
    if entry.get("url") is not None and (problem := url_problem(entry["url"])):
        found.append(("url", problem))
    if isinstance(entry.get("link_pattern"), str):
        try:
            re.compile(entry["link_pattern"])
        except re.error as error:
            found.append(("link_pattern", f"not a regular expression: {error}"))
    if found:
        return found
    for message in contracts.errors({**DEFAULTS, **entry}, "listing"):
        field, _, text = message.partition(": ")
        found.append((field, text))
    return found


def load_listings(path: str | os.PathLike) -> list[dict]:
    """Every listing in the file at ``path``; a missing file is an empty registry."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RegistryError([f"{path}: not UTF-8 text (byte {error.start})"]) from None
    return parse_listings(text, str(path))
