"""One discovery run: read each listing's pages, classify their links, record what is new.

Online, pages are fetched with the registry's fetcher (``http.fetch_session``: politeness, retries,
conditional GET from the last snapshot, encodings, address checks) and archived in ``raw/objects/``
with their rows in ``raw/listings.manifest.jsonl`` (apart from the sources' manifest, whose rows the
warehouse loads). ``robots.txt`` is read once per host and run, archived the same way; a refusal is
the listing's outcome, not an error. A listing that redirects to another host is refused. Offline,
the pages are the latest archived snapshots of the same urls; a listing never fetched is reported
as "not yet fetched".

Every page url is read at most once per run (pagination that loops back is not followed again), at
most ``max_pages`` pages and ``MAX_LINKS`` links per listing. Candidates the classifier accepts go to
``raw/sources.discovered.yaml``, uncertain ones to the review queue; a url already in either registry
or the queue is counted as known and not added again.
"""

from __future__ import annotations

import re
import urllib.robotparser
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from flows.fetch.archive import Archive, utc_now
from flows.fetch.discover.classify import classify_link
from flows.fetch.discover.links import Link, Page, read_listing_page, read_sitemap
from flows.fetch.discover.state import LISTING_MANIFEST_NAME, DiscoveryState, candidate_id, source_id_for
from flows.fetch.http import FetchOptions, fetch_session
from flows.fetch.registry import url_key

MAX_LINKS = 2000  # per listing: a column page rarely holds more than a few hundred
ROBOTS_AGENT = "fazhi"
NOT_FETCHED = "not yet fetched"


@dataclass
class ListingResult:
    listing_id: str
    url: str
    outcome: str = "read"  # "read", or the one-line reason nothing was read
    pages: int = 0
    links: int = 0
    new_candidates: int = 0
    accepted: int = 0
    review: int = 0
    known: int = 0
    warnings: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {
            "listing": self.listing_id,
            "outcome": self.outcome,
            "pages read": self.pages,
            "links": self.links,
            "new candidates": self.new_candidates,
            "accepted": self.accepted,
            "waiting for review": self.review,
            "already known": self.known,
        }


@dataclass
class DiscoveryResult:
    listings: list[ListingResult]
    offline: bool = False

    def counts(self) -> dict:
        total = {"listings": len(self.listings)}
        for name in ("pages", "links", "new_candidates", "accepted", "review", "known"):
            total[f"discover_{name}"] = sum(getattr(r, name) for r in self.listings)
        total["listings_not_read"] = sum(r.outcome != "read" for r in self.listings)
        return total


class _Pages:
    """Where a listing's pages come from: the network through one fetch session (online) or the
    listing manifest's latest snapshots (offline)."""

    def __init__(self, archive: Archive, offline: bool, options: FetchOptions, stack: ExitStack):
        self.archive, self.offline, self.options, self.stack = archive, offline, options, stack
        rows = archive.rows()
        self.latest = {url_key(r["url"]): r for r in rows if r.get("snapshot_sha256")}
        self.robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self.fetched: set[str] = set()

    def session(self, listing: dict) -> Callable[[dict, dict | None], dict] | None:
        if self.offline:
            return None
        host = (urlsplit(listing["url"]).hostname or "").lower()
        twin = host[4:] if host.startswith("www.") else f"www.{host}"
        options = replace(self.options, redirect_hosts=frozenset({host, twin}))
        return self.stack.enter_context(fetch_session(self.archive, options))

    def get(self, fetch_one, listing_id: str, url: str) -> tuple[dict | None, str | None]:
        """(row naming the page's snapshot, None) or (None, why the page cannot be read)."""
        key = url_key(url)
        if self.offline or key in self.fetched:
            row = self.latest.get(key)
            return (row, None) if row is not None else (None, NOT_FETCHED)
        refusal = self._robots_refusal(fetch_one, listing_id, url)
        if refusal:
            return None, refusal
        row = fetch_one({"source_id": listing_id, "url": url}, self.latest.get(key))
        self.fetched.add(key)
        if row.get("snapshot_sha256") and row["outcome"] != "unsupported":
            self.latest[key] = row
            return row, None
        return None, row.get("error") or f"not a listing page ({row['outcome']})"

    def _robots_refusal(self, fetch_one, listing_id: str, url: str) -> str | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            robots_url = origin + "/robots.txt"
            row = fetch_one({"source_id": listing_id, "url": robots_url}, self.latest.get(url_key(robots_url)))
            self.fetched.add(url_key(robots_url))
            status = row.get("http_status")
            if row.get("snapshot_sha256"):
                parser = urllib.robotparser.RobotFileParser()
                text = self.archive.read(row["snapshot_sha256"], row.get("content_type"))
                parser.parse(text.decode(row.get("encoding") or "utf-8", errors="replace").splitlines())
                self.robots[origin] = parser
            elif status is not None and 400 <= status < 500:
                self.robots[origin] = "allow"  # no robots.txt: everything may be read
            else:
                self.robots[origin] = f"robots.txt unreachable ({row.get('error')}): not read"
        rules = self.robots[origin]
        if isinstance(rules, str):
            return None if rules == "allow" else rules
        return None if rules.can_fetch(ROBOTS_AGENT, url) else f"robots.txt refuses {parts.path or '/'}"


def discover(
    raw_dir,
    listings: list[dict],
    *,
    offline: bool = False,
    options: FetchOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> DiscoveryResult:
    """Run discovery over ``listings`` (``listings.py`` entries) and write what it found."""
    say = progress or (lambda message: None)
    archive = Archive(raw_dir, manifest_name=LISTING_MANIFEST_NAME)
    state = DiscoveryState.read(raw_dir)
    results = []
    with ExitStack() as stack:
        pages = _Pages(archive, offline, options or FetchOptions(), stack)
        for listing in listings:
            with ExitStack() as per_listing:
                pages.stack = per_listing
                result = _discover_listing(listing, pages, state)
            results.append(result)
            detail = "" if result.outcome == "read" else f" ({result.outcome})"
            say(
                f"discover {listing['listing_id']}: {result.pages} page(s), {result.links} links, "
                f"{result.accepted} accepted, {result.review} for review{detail}"
            )
            for warning in result.warnings:
                say(f"discover {listing['listing_id']}: warning: {warning}")
    state.write()
    return DiscoveryResult(results, offline)


def _discover_listing(listing: dict, pages: _Pages, state: DiscoveryState) -> ListingResult:
    result = ListingResult(listing["listing_id"], listing["url"])
    fetch_one = pages.session(listing)
    queue, seen = [listing["url"]], {url_key(listing["url"])}
    links: dict[str, tuple[Link, dict]] = {}
    while queue and result.pages < listing["max_pages"]:
        url = queue.pop(0)
        row, problem = pages.get(fetch_one, listing["listing_id"], url)
        if problem:
            if result.pages == 0:
                result.outcome = problem
                return result
            result.warnings.append(f"page {url} not read: {problem}")
            continue
        page = _read(pages.archive, row, listing)
        result.pages += 1
        if page.script_loaded and not page.script_links:
            result.warnings.append(
                f"listing {listing['listing_id']}: part of the list is loaded by a script from elsewhere; only links in the page are read"
            )
        for link in page.links:
            if len(links) >= MAX_LINKS and link.url not in links:
                result.warnings.append(
                    f"listing {listing['listing_id']}: more than {MAX_LINKS} links; the rest are not read"
                )
                break
            held = links.get(link.url)
            if held is None or len(link.label) > len(held[0].label) or (link.date and not held[0].date):
                links[link.url] = (link, row)
        for following in page.pages:
            if url_key(following) not in seen:
                seen.add(url_key(following))
                queue.append(following)
    if queue:
        result.warnings.append(f"stopped after max_pages={listing['max_pages']}; {len(queue)} more page(s) not read")
    result.links = len(links)
    pattern = re.compile(listing["link_pattern"]) if listing.get("link_pattern") else None
    for link, row in links.values():
        _consider(link, row, listing, pattern, state, result)
    return result


def _read(archive: Archive, row: dict, listing: dict) -> Page:
    data = archive.read(row["snapshot_sha256"], row.get("content_type"))
    markup = data.decode(row.get("encoding") or "utf-8", errors="replace")
    url = row.get("final_url") or row["url"]
    return read_sitemap(markup, url) if listing["kind"] == "sitemap" else read_listing_page(markup, url)


def _consider(link: Link, row: dict, listing: dict, pattern, state: DiscoveryState, result: ListingResult) -> None:
    verdict = classify_link(link.label, link.url)
    decision, reason = verdict.decision, verdict.reason
    if decision == "reject" and pattern is not None and pattern.search(link.label or link.url):
        decision, reason = "review", f"matches the listing's link_pattern ({reason})"
    if decision == "reject":
        return
    if state.is_known(link.url):
        result.known += 1
        return
    result.new_candidates += 1
    provenance = {
        "listing_url": row["url"],
        "listing_snapshot_sha256": row["snapshot_sha256"],
        "link_text": link.label,
        "link_date": link.date,
        "found_at": utc_now(),
    }
    year, issuer = verdict.report_year, verdict.issuer or listing.get("issuer_hint")
    if decision == "accept":
        result.accepted += 1
        state.add_source(_source(link.url, listing, year, issuer, {**provenance, "decision": "classifier"}))
        return
    result.review += 1
    state.add_review(
        {
            "candidate_id": candidate_id(link.url),
            "url": link.url,
            "listing_id": listing["listing_id"],
            "reason": reason,
            "report_year": year,
            "issuer": issuer,
            "region_hint": listing.get("region_hint"),
            **provenance,
            "status": "pending",
            "decided_at": None,
        }
    )


def _source(url: str, listing: dict, year: int | None, issuer: str | None, provenance: dict) -> dict:
    return {
        "source_id": source_id_for(listing["listing_id"], year, url),
        "url": url,
        "issuer": issuer,
        "region_hint": listing.get("region_hint"),
        "report_year_hint": year,
        "discovered_from": listing["listing_id"],
        "discovery": provenance,
    }


def decide(raw_dir, ids: list[str], accept: bool) -> list[str]:
    """Accept or reject review candidates by id (or a unique prefix of at least 4 characters); one
    line per id. Unknown ids raise ``LookupError`` naming them; nothing is written then."""
    state = DiscoveryState.read(raw_dir)
    lines, unknown = [], []
    for wanted in ids:
        matches = [e for e in state.review if len(wanted) >= 4 and str(e.get("candidate_id", "")).startswith(wanted)]
        if len(matches) != 1:
            unknown.append(wanted)
            continue
        entry = matches[0]
        if entry.get("status") != "pending":
            lines.append(f"{entry['candidate_id']}: already {entry.get('status')} ({entry['url']})")
            continue
        entry["status"], entry["decided_at"] = ("accepted" if accept else "rejected"), utc_now()
        state.changed = True
        if accept:
            provenance = {
                k: entry.get(k)
                for k in ("listing_url", "listing_snapshot_sha256", "link_text", "link_date", "found_at")
            }
            listing = {"listing_id": entry["listing_id"], "region_hint": entry.get("region_hint")}
            source = _source(
                entry["url"],
                listing,
                entry.get("report_year"),
                entry.get("issuer"),
                {**provenance, "decision": "accepted in review"},
            )
            if url_key(entry["url"]) in {url_key(s["url"]) for s in state.discovered}:
                lines.append(f"{entry['candidate_id']}: accepted (already in the discovered registry)")
                continue
            state.add_source(source)
            lines.append(f"{entry['candidate_id']}: accepted as {source['source_id']} ({entry['url']})")
        else:
            lines.append(f"{entry['candidate_id']}: rejected ({entry['url']})")
    if unknown:
        raise LookupError(", ".join(unknown))
    state.write()
    return lines
