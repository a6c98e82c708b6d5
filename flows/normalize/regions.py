"""Who issued a report and for which jurisdiction: issuers, issuer type, region, GB/T 2260 code, issuer id.

Codes come from ``region_codes`` (the yearly GB/T 2260 tables); organ names and the body's self-references
are read by ``organs``; an address's hints by ``url_places``; names written by ``issuer_names``.

How the issuer is found, strongest evidence first:

1. printed issuers: the organs leading the title (``中共朝阳市委 朝阳市人民政府 关于…``, ``贤庠镇人民政府…``),
   else a header line that is an organ name (``杨陵区人民政府``; a 主送 line such as ``区人大常委会:`` is
   skipped), else the registry's ``issuer_hint`` unless the body's self-reference contradicts it.
   ``issuers`` keep the script as printed (garbled inline pinyin such as ``清遠(yuǎn)`` is dropped first);
   a printed ``X政府`` becomes the 发布机构 field's ``X人民政府`` when the page has one.
2. otherwise the body's own words: the subject of the opening sentence (``2022年,区政府坚持…``,
   ``南昌县全面贯彻…``, ``吉林市委、市政府…``, ``省卫生健康委坚持…``, ``贤庠镇坚持…``) or, failing that,
   the balance of self-references (``我县``, ``本市``, ``全省``, ``X政府``, ``我局``) and the level the
   ``在…领导下`` clause implies (``在党中央、国务院和省委的领导下`` is said by a province's government).
   The inferred issuer is written formally (``issuer_names``); when the body prints the chosen unit's
   government or the department with its place (``《2023年西城区人民政府…》``, ``《河北省环境保护厅…》``),
   that printed name is used.

The region is chosen among the GB/T 2260 units of the report year whose name the issuer or the self-
reference names, else that the page mentions (with their parents when the url spells a parent), else that
the url spells on its own (``laobian.gov.cn``); ties (朝阳区 in 北京 and 长春, 象山县 and 象山区) are broken
by what else the page says: parents named in the title, source or body (``北京``, ``长春市``, ``法治辽宁``),
the province of a document number (``苏依法办〔2019〕5号``), the provincial portal of a ``gov.cn`` url or a
province's site platform, the url's pinyin spelling of the unit or its parent, and the registry's
``region_hint``. When a tie remains, or no unit carries the name, the code is null and a warning names the
candidates. A township (镇, 乡, 街道) is placed in its county: region down to the township, the county's
code, level ``township``.

Issuer ids: ``<lineage code>-gov`` for a government, and also for a joint Party-government report (the
jurisdiction's annual report series is one series whether the Party committee co-signs it or not),
``<lineage code>-dept-<department>`` for a department, ``<county lineage>-township-<township>`` for a
township, ``<lineage code>-other-<organ>`` otherwise (the organ without its place: ``人大常委会``; a Party
committee printed alone is ``党委``). The lineage code keeps one id across renames (see
``region_codes``). Without a code the id is ``name-<simplified issuer>`` and a warning is added.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flows.core.textnorm import fold
from flows.normalize.issuer_names import (
    department_for_system,
    formal_department,
    full_name,
    government_name,
    jurisdiction_prefix,
    party_name,
    slug,
    township_office,
    without_level_char,
)
from flows.normalize.organs import (
    _PUBLISHER_RE,
    _SUPERIOR_CLAUSE_RE,
    _is_whole_organ_line,
    _mask,
    _Organ,
    _parse_organs,
    _read_self,
    _Self,
    bare_township,
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
    data_file,
    find_names,
    region_by_code,
)
from flows.normalize.region_codes import lookup as lookup
from flows.normalize.region_codes import region_table as region_table
from flows.normalize.report_kind import strip_inline_pinyin
from flows.normalize.url_places import _units_by_name, url_place_score, url_province, url_regions, url_tokens


@dataclass
class IssuerInfo:
    issuers: list[str]
    issuer_type: str  # government / party_and_government / department / other
    issuer_id: str | None
    region_name: str | None
    region_code: str | None
    region_level: str | None  # province / city / county / township / department
    warnings: list[str] = field(default_factory=list)
    issuer_full_name: str | None = None

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
            "issuer_full_name": self.issuer_full_name,
            "region_name": self.region_name,
            "region_code": self.region_code,
            "region_level": self.region_level,
            "warnings": list(self.warnings),
        }


# ---------------------------------------------------------------------------------------------------
# Choosing the region


def _matches_char(region: Region, char: str | None) -> bool:
    return char is None or region.name.endswith(char)


_DOC_YEAR_RE = re.compile(r"[〔\[(]\s*(?:19|20)\d{2}\s*[〕\])]\s*\d")
_HAN_RUN_RE = re.compile(rf"(?<![{_HAN}])[{_HAN}]{{1,6}}$")


def _doc_number_provinces(folded: str) -> Counter:
    """Provinces named by the one-character abbreviation opening a document number (苏依法办〔2019〕5号)."""
    abbreviations = data_file("gov_domains.yaml").get("abbreviations", {})
    found: Counter = Counter()
    for match in _DOC_YEAR_RE.finditer(folded):
        run = _HAN_RUN_RE.search(folded, max(0, match.start() - 7), match.start())
        if run and run.group(0)[0] in abbreviations:
            found[abbreviations[run.group(0)[0]]] += 1
    return found


@dataclass
class _Evidence:
    """What the page says about where it is, beside the names it prints."""

    context: str
    short_counts: Counter
    province_hint: str | None  # of a provincial portal or a province's site platform
    tokens: tuple[str, ...]  # the url's words that may spell a place
    hint_regions: set[str]

    def score(self, region: Region) -> float:
        score = 0.1 * min(self.context.count(region.name), 10)
        for name, short in region.ancestors:
            score += min(self.context.count(name), 3)
            if short and len(short) >= 2:
                score += 0.5 * min(self.context.count(short) - self.context.count(name), 3)
        if region.level == "province":
            score += 0.5 * min(self.short_counts.get(region.name, 0), 3)
        top = region.ancestors[0][0] if region.ancestors else region.name
        if self.province_hint and self.province_hint == top:
            score += 3
        elif region.ancestors and self.short_counts.get(top):
            score += 0.5 * min(self.short_counts[top], 3)
        score += 1.5 * url_place_score(region, self.tokens)
        if region.code in self.hint_regions or any(p in self.hint_regions for p in _ancestor_codes(region)):
            score += 10 if region.code in self.hint_regions else 4
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
    # garbled inline pinyin (清遠(yuǎn)市) splits names: read the page without it
    title = strip_inline_pinyin(title) if title else title
    header_lines = [strip_inline_pinyin(line) for line in header_lines]
    text = strip_inline_pinyin(text or "")
    folded_text = fold(text)

    # 1. printed issuers: the organs leading the title, else a header line that is an organ name
    printed: list[_Organ] = []
    title_chain: list[str] = []
    township = None
    if title:
        printed, title_chain, _ = _parse_organs(title.strip())
        township = None if printed else bare_township(title)
    for line in header_lines if not printed and not township else ():
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
    publishers = [m.group(1) for source in list(header_lines) + [text] for m in _PUBLISHER_RE.finditer(fold(source))]
    if not printed and self_ref.kind == "department":
        printed = _department_publisher(title, [source_org or ""] + publishers)
        title_chain = [] if printed else title_chain
    printed = _prefer_formal_names(printed, publishers)

    # region evidence shared by every path
    context = " ".join(fold(part) for part in [title or "", *header_lines, source_org or "", folded_text])
    short_counts = _province_short_mentions(context)
    short_counts.update(_doc_number_provinces(context))
    evidence = _Evidence(context, short_counts, url_province(url), url_tokens(url), set())
    if region_hint:
        if re.fullmatch(r"\d{6}", region_hint.strip()):
            hint_units = [r for r in [region_by_code(region_hint.strip(), year)] if r is not None]
        else:
            hint_units, _ = _candidates(_parse_chain(fold(region_hint))[0], year)
        evidence.hint_regions = {unit.code for unit in hint_units}
        if not hint_units:
            warnings.append(f"region_hint {region_hint!r} names no unit of the {year} table")

    # 3. what names the jurisdiction: a printed organ, a bare region in the title, the body's subject
    anchor = next((o for o in printed if o.kind in ("government", "department", "other")), None) or (
        printed[0] if printed else None
    )
    kind = _issuer_type(printed) if printed else None
    department = anchor.department if anchor is not None and anchor.kind == "department" else None
    if anchor is not None:
        chain, char = anchor.chain, None
        township = anchor.township
    elif title_chain:
        chain, char = title_chain, None
    else:
        chain, char = self_ref.names, self_ref.char
        township = township or self_ref.township
    if kind is None:
        if self_ref.kind == "party":
            kind = "party_and_government" if self_ref.joint else "other"
        elif (title_chain or township) and self_ref.kind != "department":
            kind = "government"  # 广东省2022年度法治政府建设情况的报告: the jurisdiction reports
        else:
            kind = self_ref.kind
        department = department or self_ref.department
    if township:
        char = None  # the county is not named by the township's self-references

    # 4. candidates and choice
    region, regions, tied, table_year = _choose_region(chain, char, year, context, evidence, warnings)
    if region is not None and table_year != year:
        mapped = _to_year(region, year)
        warnings.append(f"{region.name} is from the {table_year} table, not {year}")
        region = mapped
        if mapped is None:
            warnings.append(f"no unit of the {year} table continues it; code left null")
    hints = evidence.hint_regions
    if region is not None and hints and region.code not in hints and not set(_ancestor_codes(region)) & hints:
        warnings.append(f"region_hint {region_hint!r} disagrees with the page ({region.full_name})")

    # 5. department name when the body did not print one
    if kind == "department" and region is not None and (department is None or not printed):
        department = _printed_department(folded_text, region, department, self_ref) or department
    system = self_ref.system or (_mentioned_system(folded_text) if department is None else None)
    if kind == "department" and department is None and system and region is not None:
        department = department_for_system(system, region.level)
        if department:
            warnings.append(f"department inferred from the line of work the body names ({system}): {department}")
    if kind == "department" and department is None:
        warnings.append("the issuer is a department but its name is not on the page")

    # 6. issuers, level and id
    if printed:
        issuers = [organ.printed.strip() for organ in printed]
    else:
        issuers = _inferred_issuers(region, kind, department, self_ref, chain, township, folded_text)
        if issuers:
            warnings.append(f"issuer not printed as an organ; inferred from the body and the page: {' '.join(issuers)}")
    if kind is None:
        kind = "other"
        warnings.append("issuer type unknown")
    tied_levels = {r.level for r in tied}
    unit_level = (
        region.level if region else (tied_levels.pop() if len(tied_levels) == 1 else _level_from_char(chain, char))
    )
    level = "department" if kind == "department" else unit_level
    region_name = region.full_name if region else None
    if township:
        level = "township"
        region_name = region.full_name + township if region else None
        if region is None:
            warnings.append(f"{township} is a township whose county the page does not name")
    elif anchor is not None and anchor.below_unit:
        level = None
    region_code = region.code if region else None
    issuer_id = _issuer_id(region, kind, department, anchor, township, issuers, warnings)
    info = IssuerInfo(issuers, kind, issuer_id, region_name, region_code, level, warnings)
    info.issuer_full_name = full_name(region, kind, department, township, issuers)
    return info


def _choose_region(
    chain: list[str], char: str | None, year: int, context: str, evidence: _Evidence, warnings: list[str]
) -> tuple[Region | None, list[Region], list[Region], int]:
    """(region, candidates, tied candidates, table year of the candidates)."""
    table_year = year
    if chain:
        regions, table_year = _candidates(chain, year)
        if not regions:
            warnings.append(f"{''.join(chain)} names no unit of the GB/T 2260 tables")
    else:
        regions = _mentioned_regions(_mask(context, _SUPERIOR_CLAUSE_RE), year, char)
        if regions and evidence.tokens:
            # the page names a place below its author (平度市 in a 青岛 report): a parent the url spells
            for region in list(regions):
                for code in _ancestor_codes(region):
                    parent = _units(year).get(code)
                    if (
                        parent is not None
                        and parent not in regions
                        and _matches_char(parent, char)
                        and url_place_score(parent, evidence.tokens) > url_place_score(region, evidence.tokens)
                    ):
                        regions.append(parent)
        if not regions:
            regions = [r for r in url_regions(evidence.tokens, year) if _matches_char(r, char)]
            if regions:
                spelled = ", ".join(r.full_name for r in regions[:3])
                warnings.append(f"jurisdiction named only by the url's spelling of a place ({spelled})")
        if not regions and char in ("省", "自治区") and (evidence.province_hint or evidence.short_counts):
            named = evidence.province_hint or evidence.short_counts.most_common(1)[0][0]
            regions = [r for r in _table(year).by_name.get(named, []) if r.level == "province"]
            warnings.append(f"province {named} taken from the url or a document number, not named as the author")
        if not regions and evidence.hint_regions:
            regions = [_units(year)[code] for code in sorted(evidence.hint_regions)]
        if not regions:
            warnings.append("no jurisdiction named on the page" + (f" (self-reference {char})" if char else ""))
    region, tied = _pick(regions, evidence.score)
    if tied:
        warnings.append("ambiguous jurisdiction: " + ", ".join(sorted(r.full_name for r in tied)) + "; code left null")
    elif region is not None and len({r.code for r in regions}) > 1:
        others = sorted((r for r in regions if r.code != region.code), key=evidence.score, reverse=True)
        if evidence.score(region) - evidence.score(others[0]) < 1.0:
            warnings.append(
                f"jurisdiction {region.full_name} chosen over {others[0].full_name} on weak evidence "
                "(the url, a province hint or a few more mentions)"
            )
    return region, regions, tied, table_year


def _printed_department(folded: str, region: Region, department: str | None, self_ref: _Self) -> str | None:
    """The department as the body prints it with its place (《河北省环境保护厅…》, 清远市教育局): the most
    printed ``<place><department>`` whose place is the region and whose kind matches how the body calls
    itself (我厅 -> a 厅)."""
    ends = "厅" if self_ref.char is None and "厅" in folded[:4000] and re.search(r"我厅|本厅", folded) else None
    wanted = department or ""
    # the short name never matches where the full name is printed: 河北|省生态环境厅 would count the hall
    # a second time under another name, and which of the two won would depend on set order
    places = [re.escape(region.name)]
    if region.short and len(region.short) >= 2 and region.short != region.name:
        rest = region.name[len(region.short) :] if region.name.startswith(region.short) else ""
        places.append(re.escape(region.short) + (f"(?!{re.escape(rest)})" if rest else ""))
    counts: Counter = Counter()
    for place in places:
        for match in re.finditer(place + rf"(?P<dept>[{_HAN}]{{2,12}}?(?:委员会|管理局|局|厅|(?<![党工])委))", folded):
            dept = match.group("dept")
            if ends and not dept.endswith(ends):
                continue
            if wanted and not (dept.endswith(without_level_char(wanted, region)) or wanted.endswith(dept)):
                continue
            if re.search(r"关于|年|人民政府|政府|党委|县|区|市", dept):
                continue
            counts[dept] += 1
    return counts.most_common(1)[0][0] if counts else None


def _mentioned_system(folded: str) -> str | None:
    """The line of work a department's body names most (市场监管部门 -> 市场监管), among departments.yaml's."""
    head = folded[:4000]
    counts: Counter = Counter()
    for key in data_file("departments.yaml")["systems"]:
        at = head.find(key)
        while at >= 0:
            if head.startswith(("部门", "系统", "领域", "工作"), at + len(key)):
                counts[key] += 1
            at = head.find(key, at + len(key))
    return counts.most_common(1)[0][0] if counts else None


def _inferred_issuers(
    region: Region | None,
    kind: str | None,
    department: str | None,
    self_ref: _Self,
    chain: list[str],
    township: str | None,
    folded: str,
) -> list[str]:
    if region is None:
        if township:
            return [township_office(township)]
        return [formal_department(department)] if kind == "department" and department else []
    if township:
        return [jurisdiction_prefix(region) + township_office(township)]
    if kind == "department":
        if department is None:
            return []
        return [jurisdiction_prefix(region) + formal_department(without_level_char(department, region))]
    if self_ref.printed_gov and self_ref.names == chain:
        government = self_ref.printed_gov + "人民政府"
    else:
        government = _printed_government(folded, region) or government_name(region)
    if kind == "party_and_government":
        return [party_name(jurisdiction_prefix(region)), government]
    return [government]


def _printed_government(folded: str, region: Region) -> str | None:
    """The region's government as the body prints it in full (北京市石景山区人民政府, 西城区人民政府)."""
    parents = "".join(f"(?:{re.escape(name)})?" for name, _ in region.ancestors)
    found = Counter(m.group(0) for m in re.finditer(parents + re.escape(region.name) + "人民政府", folded))
    if not found:
        return None
    return max(found, key=lambda name: (found[name], len(name)))


def _issuer_id(
    region: Region | None,
    kind: str,
    department: str | None,
    anchor: _Organ | None,
    township: str | None,
    issuers: list[str],
    warnings: list[str],
) -> str | None:
    if region is not None:
        if township:
            return f"{region.lineage}-township-{fold(township)}"
        if kind in ("government", "party_and_government"):
            return f"{region.lineage}-gov"
        if kind == "department" and department:
            return f"{region.lineage}-dept-{fold(formal_department(without_level_char(department, region)))}"
        if kind == "other" and anchor is not None:
            return f"{region.lineage}-other-{_organ_within(anchor)}"
        warnings.append("no issuer id: the organ within the region is not named")
        return None
    name = next((i for i in issuers if fold(i).endswith("政府")), issuers[0] if issuers else None)
    if not name:
        warnings.append("no issuer id: neither a region code nor an issuer name")
        return None
    warnings.append("issuer_id falls back to the issuer's name (no region code)")
    return f"name-{slug(name)}"


def _organ_within(organ: _Organ) -> str:
    """An organ's name after its place (长丰县人大常委会 -> 人大常委会), wherever the place is printed; the
    Party committee is the region's ``党委`` however it is printed (中共长丰县委, 中国共产党长丰县委员会)."""
    if organ.kind == "party":
        return "党委"
    return slug(organ.printed).partition("".join(organ.chain))[2]


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
        regions = _rule_of_law_shorts(context, year, char)
        counts.update(r.name for r in regions)
    if not regions:
        return []
    top = max(counts[r.name] for r in regions)
    return [r for r in regions if counts[r.name] == top]


_RULE_OF_LAW_RE = re.compile(rf"法治(?=[{_HAN}]{{2}})")


def _rule_of_law_shorts(context: str, year: int, char: str | None) -> list[Region]:
    """Units a page names by their short name in its campaign's name (法治绍兴, 法治进贤建设)."""
    by_name = _units_by_name(year)
    found: list[Region] = []
    for match in _RULE_OF_LAW_RE.finditer(context):
        for length in (4, 3, 2):
            short = context[match.end() : match.end() + length]
            units = [r for r in by_name.get(short, ()) if r.short == short and _matches_char(r, char)]
            if units:
                found.extend(r for r in units if r not in found)
                break
    return found


def _level_from_char(chain: list[str], char: str | None) -> str | None:
    last = chain[-1] if chain else None
    char = last[-1] if last else char
    return {"省": "province", "州": "city", "盟": "city", "县": "county", "旗": "county"}.get(char or "")
