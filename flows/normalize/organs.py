"""Organ names (who signs a report) and the body's self-references (how a report names its author).

Pure text reading over the code tables of ``region_codes``: ``中共朝阳市委 朝阳市人民政府`` -> a party
organ and a government with the chain [朝阳市]; ``2022年,区政府坚持…`` -> a government whose
jurisdiction ends in 区. ``regions`` turns these into issuers and a region.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from flows.core.textnorm import fold
from flows.normalize.region_codes import _HAN, _SUFFIXES, _city_shorts, _parse_chain

# Organ names


@dataclass(frozen=True)
class _Organ:
    printed: str  # as printed (original script)
    chain: list[str]  # unit names it starts with (folded)
    kind: str  # government / party / department / other
    department: str | None = None  # folded, for departments
    # a township or street office (和平镇人民政府): below the county its chain names, so it has no
    # jurisdiction of its own in the code tables
    below_unit: bool = False
    township: str | None = None  # the township's name (和平镇, 留下街道), folded


_GOV_RE = re.compile(r"人民政府|政府|行政公署")
_DEPT_RE = re.compile(rf"[{_HAN}]{{1,14}}?(?:委员会|办公室|办公厅|管理局|局|厅|委|办|署|中心)")
_OTHER_ORGANS = ("人大常委会", "人民代表大会常务委员会", "政协", "人民法院", "人民检察院")
# Townships and street offices under a county: 和平镇人民政府, 城关街道办事处, 乌兰苏木人民政府.
_TOWNSHIP_RE = re.compile(rf"(?P<name>[{_HAN}]{{1,8}}?(?:镇|乡|街道|苏木))(?:人民政府|政府|办事处)")
# A title that opens with a bare township name (留下街道2022年度…, 关于贤庠镇2022年…).
_BARE_TOWNSHIP_RE = re.compile(
    rf"\s*(?:关于)?\s*(?:\d{{4}}\s*年度?)?\s*(?P<name>[{_HAN}]{{1,8}}?(?:镇|乡|街道|苏木))(?=\s*(?:\d{{4}}|关于|法治|依法|年度|工作|党委|人民政府|政府|办事处))"
)
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
    rest = folded[pos:]
    township = None if party_prefix else _TOWNSHIP_RE.match(rest)
    if township and not re.search(r"关于|\d|年", township.group(0)):
        # a township or street office, under the county its chain names or with no place before it
        printed = raw[start : pos + township.end()]
        return _Organ(printed, chain, "government", below_unit=True, township=township.group("name"))
    if not chain:
        return None
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


def _parse_organs(raw: str) -> tuple[list[_Organ], list[str], int]:
    """Organs leading ``raw`` (a title or a header line), the region chain of a title that starts with a
    bare region (广东省2022年度…, 2021年上海市…), and the offset where parsing stopped."""
    organs, chain, pos = _organs_of(raw)
    return list(organs), list(chain), pos


@lru_cache(maxsize=4096)  # a page's title and header lines are read several times (title, issuer)
def _organs_of(raw: str) -> tuple[tuple[_Organ, ...], tuple[str, ...], int]:
    organs, chain, pos = _read_organs(raw)
    return tuple(organs), tuple(chain), pos


def _read_organs(raw: str) -> tuple[list[_Organ], list[str], int]:
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


def bare_township(title: str) -> str | None:
    """The township a title opens with when it prints no organ (留下街道2022年度法治政府建设工作报告)."""
    match = _BARE_TOWNSHIP_RE.match(fold(title))
    return match.group("name") if match else None


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
_DEPT_SUBJECT_RE = re.compile(
    rf"^(?![我本该])(?P<dept>[{_HAN}]{{1,12}}?(?:厅|局|委员会|办公室|(?<![省市区县州盟旗党工])委))$"
)
# A joint Party-government subject: 吉林市委、市政府 / 县委县政府 / 区委和区政府 / 自治区党委和政府.
_JOINT_SUBJECT_RE = re.compile(
    rf"(?P<name>[{_HAN}]*?)(?P<char>[{_SUFFIXES}])(?:党)?委(?:员会)?(?:、|和|及|与)?(?:(?P=char)|自治(?P=char))?(?:人民)?政府"
)
# A township speaking of itself: 贤庠镇 / 留下街道 / XX镇人民政府 / 街道党工委、办事处.
_TOWNSHIP_SUBJECT_RE = re.compile(
    rf"(?P<place>(?:[{_HAN}]{{2,12}}?[{_SUFFIXES}])?)(?P<name>(?![我本全该各])[{_HAN}]{{1,8}}?(?:镇|乡|街道|苏木))"
    r"(?:党委|党工委)?(?:、|和)?(?:人民政府|政府|办事处)?"
    r"|(?P<office>街道党工委、?办事处|镇党委、?镇?政府|乡党委、?乡?政府)"
)
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
    township: str | None = None  # 贤庠镇 when the body speaks as a township


def _mask(folded: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), folded)


def _read_subject(subject: str) -> _Self | None:
    subject = subject.strip(" ?")
    if not subject:
        return None
    found = _Self()
    if re.fullmatch(r"(?:我|本)(?:局|厅|委|办)", subject):
        found.kind = "department"  # 现将我局2019年度…报告如下
        return found
    own = re.fullmatch(rf"[我本全](?P<char>[{_SUFFIXES}])[{_HAN}]*", subject)
    if own:
        found.char, found.kind = own.group("char"), "government"
        if _DEPT_SELF_RE.search(subject):
            found.kind = "department"
    joint = _JOINT_SUBJECT_RE.fullmatch(subject)
    if joint:
        name, char = joint.group("name"), joint.group("char")
        autonomous = name.endswith("自治")
        found.kind, found.joint = "party", True
        found.char = "自治" + char if autonomous else char
        if name and not autonomous:
            found.names, _ = _parse_chain(name + char)
        return found
    township = _TOWNSHIP_SUBJECT_RE.fullmatch(subject)
    if township:
        found.kind, found.township = "government", township.group("name") or None
        found.names, _ = _parse_chain(township.group("place") or "")
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
        if not chain and found.department[0] in _SUFFIXES:
            found.char = found.department[0]  # 省卫生健康委: a department of the 省 speaking
        return found
    return found if found.char else None


def _read_self(folded: str) -> _Self:
    """The author as the body refers to itself: the opening sentence's subject when there is one
    (its jurisdiction's kind from the balance of self-references when the subject does not say it),
    otherwise the balance of self-references."""
    head = folded[:4000]
    for pattern in (_OPENER_RE, _REPORT_OPENER_RE):
        for match in pattern.finditer(head):
            read = _read_subject(match.group("subject"))
            if read is not None:
                if read.char is None and not read.names and not read.township:
                    read.char = _balance(head).char
                return read
    return _balance(head)


def _balance(head: str) -> _Self:
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
    elif (superior := _superior_level(head)) is not None:
        found.char = superior
    if dept_weight > gov_weight + sum(char_weights.values()) // 2:
        found.kind = "department"
    elif found.char:
        found.kind = "government"
    return found


_LEADER_RE = re.compile(rf"(?P<char>[{_SUFFIXES}])(?P<organ>委|政府|人民政府)")


def _superior_level(head: str) -> str | None:
    """The level a ``在…领导下`` clause implies: the lowest level whose Party committee leads the author
    but whose government does not (在党中央、国务院和省委的领导下 -> the 省's government is speaking)."""
    for clause in _SUPERIOR_CLAUSE_RE.finditer(head):
        named = {(m.group("char"), m.group("organ") == "委") for m in _LEADER_RE.finditer(clause.group(0))}
        for char in "县区旗市州盟省":
            if (char, True) in named and (char, False) not in named:
                return char
    return None
