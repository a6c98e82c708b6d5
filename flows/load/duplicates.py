"""Duplicate and revised reports across documents: one canonical document per report.

The same report arrives several times: the government's portal and its 司法局's site, a province's
roundup, a mirror in traditional script, a news item quoting part of it. This module is pure: the
load hands it one ``Fingerprint`` per loaded document (``fingerprint``: a few hundred integers, never
the text) and gets back, per document that is not its group's canonical one, ``duplicate_of`` and
``duplicate_kind``, and for a report replaced by a revised version, ``superseded_by``.

The text compared (``comparable_text``): the stored text folded to simplified script and ASCII
forms (``textnorm.fold``), keeping only letters, digits and Han characters (line breaks, spaces and
punctuation differ between a page, its mirror and its PDF).

* **exact**: the comparable texts are equal (a 128-bit digest).
* **near**: the two texts share most of their character 5-grams. Each text keeps the 5-grams whose
  64-bit hash falls in one sixteenth of the hash space (content-defined sampling, so a sample does
  not depend on where a passage sits in the page). Candidates are looked for within each report
  year (a document of unknown year in every year): each document's ``ANCHORS`` rarest sampled
  5-grams (held by 2 to ``COMMON`` documents: its figures, names and own sentences, never the
  boilerplate every report prints) find the documents holding ``MIN_SHARED`` of them (half of them
  when it has fewer). A candidate pair is measured on the whole samples: resemblance (Jaccard)
  ``J`` and the share of the smaller sample found in the larger (containment ``C``). It is a near
  duplicate when ``J >= NEAR_JACCARD`` (a mirror, a traditional-script copy, the same report with
  other chrome) or ``C >= EXCERPT_CONTAINMENT`` (an excerpt inside the whole), and the shorter
  text's figures (``figures``: numbers but dates, years and times) are found in the longer one
  (``NUMBERS_CONTAINMENT``) and one text's place names all in the other's text, title or own
  region (``PLACES_CONTAINMENT``): two counties' reports written from one template share their
  wording, never their figures and places. Two documents whose report years are known and differ,
  or whose region codes are known and neither lies within the other, are never near duplicates.
  Thresholds were chosen on the labelled pairs of ``tests/fixtures/duplicates/pairs.json``
  (tests/load/test_duplicates.py).
* **revision** (``superseded_by``): the same issuer and report year, both publish dates known and
  different, the same site (registrable domain), texts of comparable length (the shorter at least
  ``REVISION_LENGTH_RATIO`` of the longer) sharing ``J >= REVISION_JACCARD`` of their sample, and
  the printed numbers differ: the later document is a corrected or revised issue of the earlier,
  which is superseded (``superseded_by`` = the latest revision's canonical document). A revision is
  not a duplicate: the two are kept apart when grouping.

Groups are the connected documents: exact pairs first, then whole copies from the most similar down,
then each excerpt joins the group it is most contained in; two groups are never joined when one
revises the other or when a pair across them has the same wording but other figures, places or
years (so an excerpt without figures cannot tie two counties' template reports together). The
canonical document of a group: a report (``is_report``) before a non-report, the full text before
an excerpt (shorter than ``EXCERPT_LENGTH_RATIO`` of the group's longest: an excerpt would lose the
rest of the report's figures), the issuer's own site (the host spells the issuer's region, then any
``.gov.cn`` host) before others, the earliest publish date (unknown last), the longest text, the
smallest doc_id.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np

from flows.core.textnorm import fold, fold_once
from flows.fetch.attachments import registrable_domain
from flows.normalize.region_codes import place_names, region_by_code
from flows.normalize.url_places import url_place_score, url_province, url_tokens

SHINGLE = 5  # characters per shingle
SAMPLE_BITS = 4  # a shingle is sampled when the top SAMPLE_BITS bits of its hash are zero (1 in 16)
ANCHORS = 8  # a document's rarest sampled shingles, through which its candidates are found
COMMON = 400  # a sampled shingle held by more documents (of a report year) is never an anchor
MIN_SHARED = 4  # of a document's anchors another must hold to be measured with it
PAIR_ENTRIES = 250_000  # (anchor, holder) entries expanded at once when pairing candidates
MIN_SAMPLE = 8  # texts with a smaller sample (about 130 characters) are matched exactly only

NEAR_JACCARD = 0.80
EXCERPT_CONTAINMENT = 0.75
NUMBERS_CONTAINMENT = 0.90
PLACES_CONTAINMENT = 1.0
EXCERPT_LENGTH_RATIO = 0.80
REVISION_JACCARD = 0.50
REVISION_LENGTH_RATIO = 0.80

EXACT, NEAR = "exact", "near"

# A figure: digits (and a decimal part) neither inside a date or a time nor next to one
# (2022年3月28日, 2023-03-31, 11:33:28 give nothing).
_FIGURE_RE = re.compile(r"(?<![0-9.:/年月-])[0-9]+(?:\.[0-9]+)?(?![0-9.:/年月日-])")
_CENTURIES = ("19", "20")


@dataclass(frozen=True)
class Fingerprint:
    """What duplicate detection needs of one document (no text)."""

    doc_id: str
    url: str | None
    issuer_id: str | None
    region_code: str | None
    report_year: int | None
    publish_date: str | None
    is_report: bool
    digest: bytes  # of the comparable text
    length: int  # characters of the comparable text
    sample: np.ndarray  # sorted unique uint64 hashes of the sampled shingles
    numbers: tuple[str, ...]  # the text's figures (``figures``), sorted (a multiset)
    places: frozenset[str]  # unit names the title and text mention
    own_places: frozenset[str]  # names of the document's region and its parents


@dataclass(frozen=True)
class Marks:
    """The duplicate columns of one document (only documents with a mark are returned)."""

    duplicate_of: str | None = None
    duplicate_kind: str | None = None
    superseded_by: str | None = None


@lru_cache(maxsize=1)
def _kept() -> np.ndarray:
    """True for the code points compared: letters, digits and Han (``str.isalnum``)."""
    return np.fromiter((chr(code).isalnum() for code in range(0x110000)), dtype=bool, count=0x110000)


def _comparable_codes(folded: str) -> np.ndarray:
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes[_kept()[codes]]


def comparable_text(text: str) -> str:
    """The text compared: folded to simplified script and ASCII forms, letters, digits and Han only."""
    return _comparable_codes(fold_once(text or "")).tobytes().decode("utf-32-le")


def _shingle_hashes(codes: np.ndarray) -> np.ndarray:
    """64-bit hashes of every ``SHINGLE``-character window (a polynomial over the code points,
    then mixed so that its top bits are uniform)."""
    codes = codes.astype(np.uint64)
    if len(codes) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    windows = len(codes) - SHINGLE + 1
    h = np.zeros(windows, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):
            h = h * prime + codes[j : j + windows]
        # splitmix64's finaliser
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def figures(folded: str) -> tuple[str, ...]:
    """The figures a text prints, sorted (a multiset): runs of two digits or more and decimals, not
    dates, years or times (they say when, not what: every report of a year prints the same ones)."""
    found = [t for t in _FIGURE_RE.findall(folded) if len(t) >= 2 and not (len(t) == 4 and t[:2] in _CENTURIES)]
    return tuple(sorted(found))


def fingerprint(document: dict) -> Fingerprint:
    """The fingerprint of a document record (its ``text`` and metadata)."""
    folded = fold_once(document.get("text") or "")
    codes = _comparable_codes(folded)
    hashes = _shingle_hashes(codes)
    sample = np.unique(hashes[(hashes >> np.uint64(64 - SAMPLE_BITS)) == 0])
    return Fingerprint(
        doc_id=document["doc_id"],
        url=document.get("url"),
        issuer_id=document.get("issuer_id"),
        region_code=document.get("region_code"),
        report_year=document.get("report_year"),
        publish_date=_date_text(document.get("publish_date")),
        is_report=bool(document.get("is_report")),
        digest=hashlib.blake2b(codes.tobytes(), digest_size=16).digest(),
        length=len(codes),
        sample=sample,
        numbers=figures(folded),
        places=place_names(fold(document.get("title") or "") + "\n" + folded),
        own_places=_own_places(document),
    )


def _own_places(document: dict) -> frozenset[str]:
    """The names of the document's region and its parents (a page's title may be gone from its text)."""
    code = document.get("region_code")
    region = region_by_code(code, document.get("report_year")) if code else None
    return frozenset([region.name, *(name for name, _ in region.ancestors)]) if region else frozenset()


def _date_text(value) -> str | None:
    return None if value is None else str(value)[:10]


# -- pairs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    a: int  # positions in the fingerprint list, a < b
    b: int
    jaccard: float
    containment: float  # of the smaller sample in the larger
    numbers: float  # of the shorter text's numbers in the longer's
    places: float  # of the shorter text's place names in the longer's


def _candidates(prints: list[Fingerprint]) -> list[tuple[int, int]]:
    """Pairs of documents worth measuring: document ``a`` and any document holding at least
    ``MIN_SHARED`` of ``a``'s anchors, its ``ANCHORS`` rarest sampled shingles (held by 2 to
    ``COMMON`` documents). Rare shingles carry what sets a report apart (its figures, names and own
    sentences), so a copy or an excerpt holds the anchors of its original or of itself, while
    reports written from one template meet only by chance. Vectorised: an inverted index of the
    samples, sorted once."""
    sizes = np.array([len(p.sample) if len(p.sample) >= MIN_SAMPLE else 0 for p in prints], dtype=np.int64)
    if not sizes.any():
        return []
    n = len(prints)
    hashes = np.concatenate([p.sample for p, size in zip(prints, sizes) if size])
    owners = np.repeat(np.arange(n, dtype=np.int64), sizes)
    order = np.argsort(hashes, kind="stable")
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    counts = np.diff(np.r_[starts, len(hashes)])
    group = np.repeat(np.arange(len(starts)), counts)  # each entry's shingle
    df = counts[group]
    # Each document's anchors: its entries of df 2..COMMON, rarest first (then by hash), the first ANCHORS.
    eligible = np.flatnonzero((df >= 2) & (df <= COMMON))
    by_owner = eligible[np.lexsort((hashes[eligible], df[eligible], owners[eligible]))]
    owner_of = owners[by_owner]
    first = np.r_[True, owner_of[1:] != owner_of[:-1]]
    rank = np.arange(len(by_owner)) - np.maximum.accumulate(np.where(first, np.arange(len(by_owner)), 0))
    anchors = by_owner[rank < ANCHORS]  # in owner order
    anchor_owners, anchor_groups = owners[anchors], group[anchors]
    lengths = counts[anchor_groups]
    # A document with fewer anchors (its other shingles all common) needs half of them held.
    own_anchors = np.bincount(anchor_owners, minlength=n)
    found = []
    # Every holder of each anchor, paired with the anchor's owner; a few owners at a time, so the
    # pairs expanded stay near PAIR_ENTRIES (all at once, the 10,000 documents of a year took 360 MB;
    # in chunks of 250,000, 70 MB and half the time).
    for lo, hi in _owner_chunks(anchor_owners, lengths, PAIR_ENTRIES):
        sizes_ = lengths[lo:hi]
        member_at = np.repeat(starts[anchor_groups[lo:hi]] - np.cumsum(np.r_[0, sizes_[:-1]]), sizes_)
        members = owners[member_at + np.arange(sizes_.sum())]
        holders = np.repeat(anchor_owners[lo:hi], sizes_)
        keep = members != holders
        codes, shared = np.unique(holders[keep] * n + members[keep], return_counts=True)
        found.append(codes[shared >= np.minimum(MIN_SHARED, (own_anchors[codes // n] + 1) // 2)])
    codes = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    a, b = codes // n, codes % n
    pairs = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    return [(int(c // n), int(c % n)) for c in pairs]


def _owner_chunks(owners: np.ndarray, lengths: np.ndarray, limit: int):
    """(lo, hi) slices of ``owners`` (sorted) whose ``lengths`` add up to about ``limit``, never
    splitting one owner's run: its anchors' pairs are counted together."""
    runs = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
    ends = np.cumsum(lengths)
    lo = 0
    while lo < len(owners):
        cut = int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + limit, side="right"))
        at = int(np.searchsorted(runs, max(cut, lo + 1)))
        hi = int(runs[at]) if at < len(runs) else len(owners)
        yield lo, hi
        lo = hi


def _blocked_candidates(prints: list[Fingerprint]) -> list[tuple[int, int]]:
    """Candidates within each report year (documents of an unknown year join every year's block):
    documents of two years are never near duplicates, and a year's figures collide less often than
    a whole corpus's."""
    blocks: dict[int, list[int]] = defaultdict(list)
    unknown = []
    for index, print_ in enumerate(prints):
        (unknown if print_.report_year is None else blocks[print_.report_year]).append(index)
    if not blocks:
        blocks[0] = []
    pairs: set[tuple[int, int]] = set()
    for year in sorted(blocks):
        members = blocks[year] + unknown
        for a, b in _candidates([prints[i] for i in members]):
            pairs.add((min(members[a], members[b]), max(members[a], members[b])))
    return sorted(pairs)


def _may_be_one_report(x: Fingerprint, y: Fingerprint) -> bool:
    if x.report_year is not None and y.report_year is not None and x.report_year != y.report_year:
        return False
    return _related_regions(x, y)


def _numbers_contained(x: Fingerprint, y: Fingerprint) -> float:
    """Share of the shorter text's numbers (as a multiset) found in the other's."""
    small, large = (x, y) if x.length <= y.length else (y, x)
    if not small.numbers:
        return 1.0
    common = Counter(small.numbers) & Counter(large.numbers)
    return sum(common.values()) / len(small.numbers)


def _places_contained(x: Fingerprint, y: Fingerprint) -> float:
    """Share of one document's place names found in the other's (or in the other's own region), in
    the direction where it is larger: a mirror's chrome or an excerpt's lead may name more places."""

    def share(small: Fingerprint, large: Fingerprint) -> float:
        if not small.places:
            return 1.0
        return len(small.places & (large.places | large.own_places)) / len(small.places)

    return max(share(x, y), share(y, x))


def _related_regions(x: Fingerprint, y: Fingerprint) -> bool:
    """False when both region codes are known and neither unit lies within the other."""
    a, b = x.region_code, y.region_code
    if not a or not b or a == b:
        return True
    for outer, inner in ((a, b), (b, a)):
        if outer.endswith("0000") and inner[:2] == outer[:2]:
            return True
        if outer.endswith("00") and inner[:4] == outer[:4]:
            return True
    return False


def measure(x: Fingerprint, y: Fingerprint, a: int = 0, b: int = 1) -> Pair:
    shared = len(np.intersect1d(x.sample, y.sample, assume_unique=True))
    union = len(x.sample) + len(y.sample) - shared
    smaller = min(len(x.sample), len(y.sample))
    return Pair(
        a=a,
        b=b,
        jaccard=shared / union if union else 1.0,
        containment=shared / smaller if smaller else 0.0,
        numbers=_numbers_contained(x, y),
        places=_places_contained(x, y),
    )


def is_near_duplicate(x: Fingerprint, y: Fingerprint, pair: Pair) -> bool:
    if not _may_be_one_report(x, y) or min(len(x.sample), len(y.sample)) < MIN_SAMPLE:
        return False
    similar = pair.jaccard >= NEAR_JACCARD or pair.containment >= EXCERPT_CONTAINMENT
    return similar and pair.numbers >= NUMBERS_CONTAINMENT and pair.places >= PLACES_CONTAINMENT


def is_revision(x: Fingerprint, y: Fingerprint, pair: Pair) -> bool:
    """``y`` or ``x`` revises the other (see the module docstring); which one: the later publish date."""
    if x.issuer_id is None or x.issuer_id != y.issuer_id or x.report_year is None or x.report_year != y.report_year:
        return False
    if x.publish_date is None or y.publish_date is None or x.publish_date == y.publish_date:
        return False
    if x.digest == y.digest or _site(x.url) is None or _site(x.url) != _site(y.url):
        return False
    if min(x.length, y.length) < REVISION_LENGTH_RATIO * max(x.length, y.length):
        return False
    return pair.jaccard >= REVISION_JACCARD and Counter(x.numbers) != Counter(y.numbers)


def _site(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url and "//" in url else None
    return registrable_domain(host) if host else None


# -- groups -------------------------------------------------------------------------------------


def site_rank(print_: Fingerprint) -> int:
    """2: the host spells the issuer's region (or is its province's portal); 1: another ``.gov.cn``
    host; 0: anything else (or no url)."""
    host = (urlsplit(print_.url).hostname or "").lower() if print_.url and "//" in print_.url else ""
    if not host:
        return 0
    region = region_by_code(print_.region_code, print_.report_year) if print_.region_code else None
    if region is not None:
        if region.level == "province" and url_province(print_.url) == region.name:
            return 2
        if url_place_score(region, url_tokens(print_.url)) >= 2:
            return 2
    return 1 if host.endswith(".gov.cn") else 0


def _canonical_order(members: list[Fingerprint]) -> list[Fingerprint]:
    longest = max(p.length for p in members)
    return sorted(
        members,
        key=lambda p: (
            not p.is_report,
            p.length < EXCERPT_LENGTH_RATIO * longest,
            -site_rank(p),
            p.publish_date is None,
            p.publish_date or "",
            -p.length,
            p.doc_id,
        ),
    )


class _Groups:
    """Union-find with cannot-link constraints (a group never holds a report and its revision)."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.apart: dict[int, set[int]] = defaultdict(set)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def keep_apart(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        self.apart[ri].add(rj)
        self.apart[rj].add(ri)

    def join(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        if {self.find(k) for k in self.apart.get(ri, ())} & {rj}:
            return False
        self.parent[rj] = ri
        self.apart[ri] |= self.apart.pop(rj, set())
        return True


def find_duplicates(prints: Iterable[Fingerprint]) -> dict[str, Marks]:
    """doc_id -> ``Marks`` for every document that is a duplicate or superseded (others: no entry)."""
    prints = list(prints)
    groups = _Groups(len(prints))
    by_digest: dict[bytes, list[int]] = defaultdict(list)
    for index, print_ in enumerate(prints):
        if print_.length:
            by_digest[print_.digest].append(index)
    exact_sets = [ids for ids in by_digest.values() if len(ids) > 1]
    copies: list[Pair] = []  # whole copies: J >= NEAR_JACCARD
    parts: dict[int, list[tuple[int, float]]] = defaultdict(list)  # an excerpt -> (its whole, containment)
    revisions: list[tuple[int, int]] = []  # (earlier, later)
    conflicts: list[tuple[int, int]] = []  # similar texts that are not one report
    for a, b in _blocked_candidates(prints):
        x, y = prints[a], prints[b]
        if x.digest == y.digest:
            continue
        pair = measure(x, y, a, b)
        if is_revision(x, y, pair):
            revisions.append((a, b) if x.publish_date < y.publish_date else (b, a))
        elif is_near_duplicate(x, y, pair):
            if pair.jaccard >= NEAR_JACCARD:
                copies.append(pair)
            else:
                short, whole = (a, b) if x.length <= y.length else (b, a)
                parts[short].append((whole, pair.containment))
        elif pair.jaccard >= NEAR_JACCARD or pair.containment >= EXCERPT_CONTAINMENT:
            conflicts.append((a, b))  # the same wording, other figures, places or years
    for ids in exact_sets:
        for other in ids[1:]:
            groups.join(ids[0], other)
    for i, j in revisions + conflicts:
        groups.keep_apart(i, j)
    for pair in sorted(copies, key=lambda p: (-p.jaccard, -p.containment, p.a, p.b)):
        groups.join(pair.a, pair.b)
    # An excerpt joins the group it is most contained in (several copies of the whole add up), then
    # any other group not kept apart from that one.
    for short in sorted(parts, key=lambda i: (prints[i].length, i)):
        scores: Counter = Counter()
        for whole, containment in parts[short]:
            scores[groups.find(whole)] += containment
        for group, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
            groups.join(group, short)

    members: dict[int, list[int]] = defaultdict(list)
    for index in range(len(prints)):
        members[groups.find(index)].append(index)
    canonical_of: dict[int, int] = {}
    marks: dict[str, Marks] = {}
    for root, ids in members.items():
        if len(ids) == 1:
            canonical_of[root] = ids[0]
            continue
        ordered = _canonical_order([prints[i] for i in ids])
        head = ordered[0]
        canonical_of[root] = next(i for i in ids if prints[i].doc_id == head.doc_id)
        for other in ordered[1:]:
            kind = EXACT if other.digest == head.digest else NEAR
            marks[other.doc_id] = Marks(duplicate_of=head.doc_id, duplicate_kind=kind)
    # The latest revision of each superseded report: follow the later documents to the last one.
    later_of: dict[int, set[int]] = defaultdict(set)
    for earlier, later in revisions:
        later_of[groups.find(earlier)].add(groups.find(later))
    for root in list(later_of):
        latest = _latest(root, later_of, prints, canonical_of)
        if latest is None:
            continue
        head = prints[canonical_of[root]]
        marks[head.doc_id] = Marks(superseded_by=prints[canonical_of[latest]].doc_id)
    return marks


def _latest(root: int, later_of: dict[int, set[int]], prints: list[Fingerprint], canonical_of: dict[int, int]):
    """The group reached from ``root`` through revisions whose canonical document is published last."""
    seen, todo, found = {root}, list(later_of[root]), []
    while todo:
        group = todo.pop()
        if group in seen:
            continue
        seen.add(group)
        found.append(group)
        todo.extend(later_of.get(group, ()))
    if not found:
        return None
    return max(found, key=lambda g: (prints[canonical_of[g]].publish_date or "", prints[canonical_of[g]].doc_id))
