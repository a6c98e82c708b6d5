"""Fetch registry urls over HTTP into the ``raw/`` archive.

Every attempt ends as exactly one manifest row, and one bad url never stops the others: network
failures, HTTP errors, oversize bodies, non-text responses and error pages or login walls served
with a 2xx status (``soft_error``) become ``error`` rows with a one-line reason; PDF and Word
attachments are archived as ``unsupported`` rather than dropped.

Retries (timeouts, dropped connections, 5xx, 429 with Retry-After) live here; callers must not
retry again. Politeness: at most ``per_host_concurrency`` requests in flight per host and
``per_host_delay`` seconds between request starts to one host. Hostile input: only http(s), every
redirect target is checked again, hosts resolving to private, loopback, link-local or otherwise
non-public addresses are refused unless ``allow_private_addresses``, bodies are capped while they
stream (after decompression), redirects are followed by hand with a hop limit.

Known gap: the address check resolves the host itself before httpx connects, so a DNS server that
answers differently the second time (DNS rebinding) is not caught.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from flows import __version__
from flows.core.config import USER_AGENT
from flows.fetch.archive import Archive, fetch_id, media_type, utc_now
from flows.fetch.attachments import report_attachment
from flows.fetch.content import attachment_problem, sniff_media_type
from flows.fetch.encoding import detect_encoding
from flows.fetch.screen import soft_error
from flows.fetch.targets import target_problem

log = logging.getLogger(__name__)

MB = 1024 * 1024
PARSEABLE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/ofd",
    }
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_ERRORS = (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError)


@dataclass(frozen=True)
class FetchOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # between two reads, not for the whole body
    total_timeout: float = 120.0  # the whole body of one response
    retries: int = 3  # extra attempts after the first
    backoff_base: float = 1.0  # seconds; doubled each retry
    backoff_max: float = 30.0
    retry_after_max: float = 60.0  # a longer Retry-After gives up instead of blocking the run
    max_bytes: int = 20 * MB
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    workers: int = 8
    allow_private_addresses: bool = False
    user_agent: str | None = None  # default: flows.core.config.USER_AGENT with this version
    trust_env: bool = True  # proxies and CA bundle from the environment, as httpx does
    verify: bool = True
    redirect_hosts: frozenset[str] | None = None  # hosts a redirect may lead to (None: any); discovery's listings
    transport: httpx.BaseTransport | None = field(default=None, compare=False)

    @classmethod
    def from_settings(cls, settings, **overrides) -> FetchOptions:
        return cls(allow_private_addresses=settings.allow_private_addresses, **overrides)


@dataclass
class FetchSummary:
    rows: list[dict]  # manifest rows written this run, in the order of the sources given
    # outcome -> number of rows written, plus sources not fetched: "archived" (a snapshot exists,
    # default mode) and "offline" (offline mode, whether or not a snapshot exists)
    counts: dict[str, int]
    snapshots: dict[str, dict | None]  # source_id -> its current snapshot row after the run, or None
    skipped: list[str]  # source_ids not fetched because a snapshot exists (default mode, offline)
    offline: bool = False

    @property
    def missing(self) -> list[str]:
        """Sources without any snapshot after the run."""
        return [source_id for source_id, row in self.snapshots.items() if row is None]


class _Failure(Exception):
    """An attempt that ends as an error row, with whatever is known of the response."""

    def __init__(
        self, reason: str, *, final_url: str | None, status: int | None = None, headers: httpx.Headers | None = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.final_url = final_url
        self.status = status
        self.headers = headers


@dataclass
class _Response:
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes | None  # read only for 2xx
    attempts: int = 1


def format_size(n: int) -> str:
    if n % MB == 0:
        return f"{n // MB} MB"
    if n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n} bytes"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(error: BaseException, url: str) -> str:
    """One line for a network error, naming DNS and TLS failures as such."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return _one_line(f"DNS lookup failed for {urlsplit(url).hostname}: {cause.strerror or cause}")
        if isinstance(cause, ssl.SSLError):
            return _one_line("TLS error: " + re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(cause)))
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.ConnectTimeout):
        return "connect timed out"
    if isinstance(error, httpx.TimeoutException):
        return "read timed out" if isinstance(error, httpx.ReadTimeout) else "timed out"
    if isinstance(error, httpx.ConnectError):
        return _one_line(f"connection failed: {error}")
    return _one_line(f"{type(error).__name__}: {error}")


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _HostGate:
    """Per-host concurrency cap and spacing between request starts."""

    def __init__(self, concurrency: int, delay: float):
        self._concurrency = max(1, concurrency)
        self._delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.Semaphore(self._concurrency))
        with semaphore:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, 0.0))
                self._next_start[host] = start + self._delay
            if start > now:
                time.sleep(start - now)
            yield


class _Fetcher:
    def __init__(self, client: httpx.Client, options: FetchOptions):
        self.client = client
        self.options = options
        self.gate = _HostGate(options.per_host_concurrency, options.per_host_delay)

    def _backoff(self, attempt: int) -> float:
        base = min(self.options.backoff_max, self.options.backoff_base * 2**attempt)
        return base * (1 + random.uniform(0, 0.25))

    def _request_once(self, url: str, headers: dict) -> _Response:
        options = self.options
        with self.client.stream("GET", url, headers=headers) as response:
            result = _Response(str(response.url), response.status_code, response.reason_phrase, response.headers, None)
            if not response.is_success:
                return result
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > options.max_bytes:
                raise _Failure(
                    f"body exceeds {format_size(options.max_bytes)} limit",
                    final_url=url,
                    status=response.status_code,
                    headers=response.headers,
                )
            chunks, size, started = [], 0, time.monotonic()
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > options.max_bytes:
                    raise _Failure(
                        f"body exceeds {format_size(options.max_bytes)} limit",
                        final_url=url,
                        status=response.status_code,
                        headers=response.headers,
                    )
                if time.monotonic() - started > options.total_timeout:
                    raise _Failure(
                        f"body not received within {options.total_timeout:g} s",
                        final_url=url,
                        status=response.status_code,
                        headers=response.headers,
                    )
                chunks.append(chunk)
            result.body = b"".join(chunks)
            return result

    def _request(self, url: str, headers: dict) -> _Response:
        """One url, retried on transient failures."""
        host = (urlsplit(url).hostname or "").lower()
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            try:
                with self.gate.slot(host):
                    response = self._request_once(url, headers)
            except _RETRY_ERRORS as error:
                if attempt + 1 < attempts:
                    time.sleep(self._backoff(attempt))
                    continue
                suffix = f" after {attempts} attempts" if attempts > 1 else ""
                raise _Failure(_describe(error, url) + suffix, final_url=url) from None
            except httpx.HTTPError as error:
                raise _Failure(_describe(error, url), final_url=url) from None
            response.attempts = attempt + 1
            if response.status not in _RETRY_STATUSES or attempt + 1 == attempts:
                return response
            wait = _retry_after(response.headers)
            if wait is not None and wait > self.options.retry_after_max:
                raise _Failure(
                    f"HTTP {response.status} {response.reason}; Retry-After {wait:g} s exceeds the "
                    f"{self.options.retry_after_max:g} s limit",
                    final_url=url,
                    status=response.status,
                    headers=response.headers,
                )
            time.sleep(self._backoff(attempt) if wait is None else wait)
        raise AssertionError("unreachable")

    def get(self, url: str, headers: dict) -> _Response:
        """GET ``url`` following redirects by hand, each hop checked like the first."""
        seen = {url}
        current = url
        for _ in range(self.options.max_redirects + 1):
            problem = target_problem(current, self.options.allow_private_addresses)
            if problem:
                raise _Failure(problem, final_url=current if current != url else None)
            response = self._request(current, headers)
            location = response.headers.get("location")
            if response.status not in _REDIRECT_STATUSES or not location:
                return response
            following = urljoin(current, location.strip())
            allowed = self.options.redirect_hosts
            if allowed is not None and (urlsplit(following).hostname or "").lower() not in allowed:
                raise _Failure(f"refused: redirect off-site to {following}", final_url=current, status=response.status)
            if following in seen:
                raise _Failure(
                    f"redirect loop: {current} redirects back to {following}",
                    final_url=current,
                    status=response.status,
                    headers=response.headers,
                )
            seen.add(following)
            current = following
        raise _Failure(f"too many redirects (more than {self.options.max_redirects})", final_url=current)


def _headers_object(headers: httpx.Headers | None) -> dict | None:
    if headers is None:
        return None
    joined: dict[str, str] = {}
    for name, value in headers.multi_items():
        name = name.lower()
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def _row(source: dict, **fields) -> dict:
    fetched_at = utc_now()
    row = {
        "fetch_id": fetch_id(source["source_id"], fetched_at, source["url"]),
        "source_id": source["source_id"],
        "url": source["url"],
        "final_url": None,
        "fetched_at": fetched_at,
        "http_status": None,
        "content_type": None,
        "etag": None,
        "last_modified": None,
        "encoding": None,
        "encoding_source": None,
        "snapshot_sha256": None,
        "bytes": None,
        "outcome": "error",
        "error": None,
        "is_captured_text": False,
        "parent_sha256": None,
        "response_headers": None,
    }
    row.update(fields)
    return row


def _fetch_one(
    fetcher: _Fetcher, archive: Archive, source: dict, previous: dict | None, parent_sha256: str | None = None
) -> dict:
    """Fetch one source's url (or, with ``parent_sha256``, an attachment of its page: ``source``
    then carries the attachment's url), archive what came back, append and return its row."""
    row = _fetch_row(fetcher, archive, source, previous, attachment=parent_sha256 is not None)
    row["parent_sha256"] = parent_sha256
    archive.append(row)
    return row


def _fetch_source(
    fetcher: _Fetcher, archive: Archive, source: dict, previous: dict | None, attachments: dict
) -> tuple[dict, dict | None]:
    """The source's row, and the row of the report attachment its page links when the page is a
    short page linking one (``attachments``: (source_id, url) -> that url's latest snapshot row)."""
    row = _fetch_one(fetcher, archive, source, previous)
    if not row["snapshot_sha256"] or media_type(row["content_type"]) not in ("text/html", "application/xhtml+xml"):
        return row, None
    try:
        markup = archive.read(row["snapshot_sha256"], row["content_type"]).decode(row["encoding"] or "utf-8", "replace")
    except (OSError, LookupError):
        return row, None
    link = report_attachment(markup, row["final_url"] or source["url"])
    if link is None:
        return row, None
    attached = {**source, "url": link.url}
    prior = attachments.get((source["source_id"], link.url))
    return row, _fetch_one(fetcher, archive, attached, prior, parent_sha256=row["snapshot_sha256"])


def _fetch_row(fetcher: _Fetcher, archive: Archive, source: dict, previous: dict | None, attachment: bool) -> dict:
    url = source["url"]
    conditional = {}
    if previous is not None and previous["url"] == url and not previous["is_captured_text"]:
        if previous.get("etag"):
            conditional["If-None-Match"] = previous["etag"]
        if previous.get("last_modified"):
            conditional["If-Modified-Since"] = previous["last_modified"]
    try:
        response = fetcher.get(url, conditional)
    except _Failure as failure:
        return _row(
            source,
            final_url=failure.final_url,
            http_status=failure.status,
            content_type=failure.headers.get("content-type") if failure.headers is not None else None,
            error=failure.reason,
            response_headers=_headers_object(failure.headers),
        )
    except Exception as error:  # a bug or an exotic failure must not stop the other sources
        log.exception("fetching %s failed unexpectedly", url)
        return _row(source, error=_one_line(f"internal error: {type(error).__name__}: {error}"))

    headers = response.headers
    described = dict(
        final_url=response.url,
        http_status=response.status,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        content_type=headers.get("content-type"),
        response_headers=_headers_object(headers),
    )
    if response.status == 304 and conditional:
        described.update(
            content_type=previous["content_type"],
            etag=described["etag"] or previous["etag"],
            last_modified=described["last_modified"] or previous["last_modified"],
            encoding=previous["encoding"],
            encoding_source=previous["encoding_source"],
            snapshot_sha256=previous["snapshot_sha256"],
            bytes=previous["bytes"],
        )
        return _row(source, outcome="not_modified", **described)
    if not 200 <= response.status < 300:
        suffix = f" after {response.attempts} attempts" if response.attempts > 1 else ""
        return _row(source, error=_one_line(f"HTTP {response.status} {response.reason}{suffix}"), **described)
    if not response.body:
        return _row(source, error="empty body", **described)
    return _archive_body(archive, source, response.body, previous, described, attachment)


def _archive_body(
    archive: Archive, source: dict, data: bytes, previous: dict | None, described: dict, attachment: bool = False
) -> dict:
    kind = media_type(described["content_type"])
    sniffed = sniff_media_type(data)
    if sniffed in ATTACHMENT_TYPES or (kind in ("", "application/octet-stream", "binary/octet-stream") and sniffed):
        kind = sniffed  # the bytes' magic wins over a generic or wrong declared type
        described["content_type"] = sniffed
    if kind in ATTACHMENT_TYPES or (attachment and kind not in PARSEABLE_TYPES):
        problem = attachment_problem(data, kind) if kind in ATTACHMENT_TYPES else f"not a PDF or Word file: {kind}"
        if problem:
            return _row(source, error=_one_line(f"HTTP {described['http_status']} but {problem}"), **described)
        sha256, _ = archive.put(data, described["content_type"])
        unchanged = previous is not None and previous["snapshot_sha256"] == sha256
        return _row(
            source, outcome="unchanged" if unchanged else "new", snapshot_sha256=sha256, bytes=len(data), **described
        )
    if attachment:
        # A page where a file was linked: the server answers with an error or login page.
        return _row(
            source, error=_one_line(f"HTTP {described['http_status']} but an HTML page, not the file"), **described
        )
    if kind in PARSEABLE_TYPES:
        encoding, encoding_source = detect_encoding(data, described["content_type"])
        stand_in = soft_error(data, encoding)
        if stand_in:
            # Not archived as a snapshot: it would supersede the source's last good page.
            return _row(source, error=_one_line(f"HTTP {described['http_status']} but {stand_in}"), **described)
        sha256, _ = archive.put(data, described["content_type"])
        unchanged = previous is not None and previous["snapshot_sha256"] == sha256
        return _row(
            source,
            outcome="unchanged" if unchanged else "new",
            encoding=encoding,
            encoding_source=encoding_source,
            snapshot_sha256=sha256,
            bytes=len(data),
            **described,
        )
    return _row(source, error=f"not HTML or text: {kind or 'no content type'}", **described)


def _client(options: FetchOptions) -> httpx.Client:
    user_agent = options.user_agent or USER_AGENT.format(version=__version__)
    return httpx.Client(
        headers={
            "User-Agent": user_agent,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
        },
        timeout=httpx.Timeout(options.read_timeout, connect=options.connect_timeout),
        follow_redirects=False,
        trust_env=options.trust_env,
        verify=options.verify,
        transport=options.transport,
    )


@contextmanager
def fetch_session(archive: Archive, options: FetchOptions) -> Iterator[Callable[[dict, dict | None], dict]]:
    """``fetch_one(source, previous_row) -> row``: one client and one politeness gate shared by every
    fetch made with it (discovery reads a listing's pages one after another)."""
    with _client(options) as client:
        fetcher = _Fetcher(client, options)
        yield lambda source, previous: _fetch_one(fetcher, archive, source, previous)


def fetch_sources(
    sources: list[dict],
    archive: Archive,
    *,
    refresh: bool = False,
    offline: bool = False,
    options: FetchOptions = FetchOptions(),
    progress: Callable[[dict], None] | None = None,
) -> FetchSummary:
    """Fetch ``sources`` (registry entries) into ``archive``.

    Default: only sources without a snapshot yet; ``refresh``: all of them (conditional GET from
    the last snapshot's ETag/Last-Modified); ``offline``: no network and no rows, only which
    sources have a snapshot. ``progress`` gets one event per source as it finishes:
    ``{"source_id", "url", "outcome", "error", "snapshot_sha256", "has_snapshot", "done", "total"}``
    where outcome is the row's, or ``archived`` / ``offline`` for a source not fetched."""
    rows_before = archive.rows()
    latest = archive.latest_snapshots(rows_before, pages_only=True)
    current = archive.current_snapshots(rows_before)
    previous = {source["source_id"]: latest.get(source["source_id"]) for source in sources}
    attachments = {
        (row["source_id"], row["url"]): row
        for row in rows_before
        if row.get("parent_sha256") and row["snapshot_sha256"]
    }
    to_fetch = [] if offline else [s for s in sources if refresh or previous[s["source_id"]] is None]
    fetching = {source["source_id"] for source in to_fetch}
    skipped = [source["source_id"] for source in sources if source["source_id"] not in fetching]
    total, done = len(sources), 0
    written: dict[str, dict] = {}
    fetched_attachments: dict[str, dict] = {}

    def report(source: dict, row: dict | None) -> None:
        nonlocal done
        done += 1
        if progress is None:
            return
        current_row = row if row is not None and row["snapshot_sha256"] else current.get(source["source_id"])
        if row is not None:
            outcome, error = row["outcome"], row["error"]
        else:
            outcome = "offline" if offline else "archived"
            error = None if current_row is not None else "no snapshot archived"
        progress(
            {
                "source_id": source["source_id"],
                "url": source["url"],
                "outcome": outcome,
                "error": error,
                "snapshot_sha256": current_row["snapshot_sha256"] if current_row else None,
                "has_snapshot": current_row is not None,
                "done": done,
                "total": total,
            }
        )

    for source in sources:
        if source["source_id"] not in fetching:
            report(source, None)

    if to_fetch:
        with _client(options) as client, ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            fetcher = _Fetcher(client, options)
            futures = {
                pool.submit(_fetch_source, fetcher, archive, source, previous[source["source_id"]], attachments): source
                for source in to_fetch
            }
            for future in as_completed(futures):
                source = futures[future]
                row, attached = future.result()
                written[source["source_id"]] = row
                if attached is not None:
                    fetched_attachments[source["source_id"]] = attached
                report(source, attached if attached is not None and attached["snapshot_sha256"] else row)

    rows = []
    counts: dict[str, int] = {}
    for source in to_fetch:
        row = written[source["source_id"]]
        rows.append(row)
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
        attached = fetched_attachments.get(source["source_id"])
        if attached is not None:
            rows.append(attached)
            key = "attachments" if attached["snapshot_sha256"] else "error"
            counts[key] = counts.get(key, 0) + 1
    if skipped:
        counts["offline" if offline else "archived"] = len(skipped)
    after = archive.current_snapshots(rows_before + rows) if rows else current
    snapshots = {source["source_id"]: after.get(source["source_id"]) for source in sources}
    return FetchSummary(rows=rows, counts=counts, snapshots=snapshots, skipped=skipped, offline=offline)
