"""What a page's address says about its place: the provincial portal of a ``gov.cn`` host, places spelled
in pinyin in host names and url paths, and site platforms that belong to one province.

Sites abbreviate their place in pinyin: ``laobian.gov.cn`` (老边区), ``www.xiangshan.gov.cn`` (象山县),
``hzxh.gov.cn`` (杭州 + 西湖区: city initials + district initials), ``…/swlufeng/…`` (汕尾 + 陆丰), ``jxx``
(进贤县 with its suffix). A full spelling of four letters or more, or a parent + unit compound, names a place
on its own; initials alone (``qd`` of 青岛) only add weight to a place the page already points to. Hosts of
mirror sites are read the same way as their paths keep the original site's layout; a url is evidence, the
page's own words come first (see ``regions``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from urllib.parse import urlsplit

from flows.normalize.region_codes import Region, _table, data_file, pinyin_forms

# Labels and path words that are never a place.
_NOT_PLACES = frozenset(
    "www wap m en gov cn com net org edu info html htm shtml jhtml jsp asp aspx php art content contents post "
    "index list detail details article articles news page pages zwgk xxgk gk gkml zfxxgk zfxxgkml zwdt "
    "col channel doc docs file files public pub zt ztzl zhuanti special web site home main view show upload "
    "uploads attach static resource res data xwzx tzgg tz gg fg bm qt ywdt".split()
)
_TOKEN_RE = re.compile(r"[a-z]{2,}")


def url_tokens(url: str | None) -> tuple[str, ...]:
    """Lower-case letter runs of the host labels and path segments that may spell a place."""
    if not url:
        return ()
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    if len(labels) >= 2:
        labels = labels[:-1]  # the top-level domain
    tokens = []
    for text in labels + parts.path.lower().split("/"):
        tokens.extend(_TOKEN_RE.findall(text))
    return tuple(dict.fromkeys(t for t in tokens if t not in _NOT_PLACES))


def url_province(url: str | None) -> str | None:
    """The province of a provincial portal's ``gov.cn`` host (``beijing.gov.cn``, ``wsjkw.gd.gov.cn``) or of
    a site platform that belongs to one province (``gov_domains.yaml``)."""
    if not url:
        return None
    parts = urlsplit(url if "//" in url else "//" + url)
    labels = (parts.hostname or "").lower().split(".")
    if len(labels) >= 3 and labels[-2:] == ["gov", "cn"]:
        found = data_file("gov_domains.yaml")["provinces"].get(labels[-3])
        if found:
            return found
    for platform in data_file("gov_domains.yaml").get("platforms", []):
        if re.search(platform["pattern"], parts.path):
            return platform["province"]
    return None


@cache
def _forms(name: str, short: str) -> tuple[frozenset[str], frozenset[str]]:
    forms = pinyin_forms()
    full: set[str] = set()
    initials: set[str] = set()
    for key in (name, short):
        if key in forms:
            full |= forms[key][0]
            initials |= forms[key][1]
    return frozenset(full), frozenset(initials)


def url_place_score(region: Region, tokens: tuple[str, ...]) -> float:
    """How strongly the url's tokens spell ``region``: 4 for a parent + unit compound (hzxh, swlufeng),
    3 for the unit's full spelling (laobian), 2 for its initials with the suffix (jxx), 1 for its bare
    initials or a token that opens with them (qd, qdsf); 0 when nothing matches."""
    if not tokens:
        return 0.0
    full, initials = _forms(region.name, region.short)
    name_only_initials = _forms(region.name, "")[1]
    parents = [_forms(name, short) for name, short in region.ancestors]
    best = 0.0
    for token in tokens:
        if any(
            token == head + tail
            for p_full, p_initials in parents
            for head in p_full | p_initials
            for tail in full | initials
        ):
            return 4.0
        if token in full and len(token) >= 4:
            best = max(best, 3.0)
        elif token in name_only_initials and len(token) >= 3:
            best = max(best, 2.0)
        elif token in initials or any(token.startswith(i) and len(i) >= 2 for i in initials):
            best = max(best, 1.0)
    return best


def url_regions(tokens: tuple[str, ...], year: int) -> list[Region]:
    """Units the url spells on its own (a full spelling of four letters or more, or a parent + unit
    compound), strongest first; for a page that names no place in its text."""
    found: dict[str, float] = {}
    table = _table(year)
    spellings = _spellings()
    by_name = _units_by_name(year)
    for token in tokens:
        for cut in range(len(token) - 1):
            for name in spellings.get(token[cut:], ()):
                for region in by_name.get(name, ()):
                    score = url_place_score(region, (token,))
                    if score >= 3 or (cut == 0 and score >= 2 and len(token) >= 4):
                        found[region.code] = max(found.get(region.code, 0.0), score)
    return [table.by_code[code] for code, _ in sorted(found.items(), key=lambda item: (-item[1], item[0]))]


@cache
def _units_by_name(year: int) -> dict[str, tuple[Region, ...]]:
    """Name or short name -> the units of ``year`` called so."""
    index: dict[str, list[Region]] = defaultdict(list)
    for region in _table(year).by_code.values():
        index[region.name].append(region)
        if region.short and region.short != region.name:
            index[region.short].append(region)
    return {name: tuple(units) for name, units in index.items()}


@cache
def _spellings() -> dict[str, tuple[str, ...]]:
    """Pinyin spelling (full or initials) -> the unit names and short names spelled so."""
    index: dict[str, set[str]] = defaultdict(set)
    for name, (full, initials) in pinyin_forms().items():
        for spelling in full | initials:
            index[spelling].add(name)
    return {spelling: tuple(sorted(names)) for spelling, names in index.items()}
