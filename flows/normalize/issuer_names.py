"""How an issuer is named when the page does not print it, and the official full name of any issuer.

``issuers`` keep what the page printed; an issuer inferred from the body is written formally the way the
gold corpus writes it: ``<province>人民政府``, ``<city>人民政府``, ``<county>人民政府`` for a 县/县级市/旗,
``<city><district>人民政府`` for a 区, ``<jurisdiction><department>`` with the department's formal name
(市场监管局 -> 市场监督管理局, ``departments.yaml``), ``中共<jurisdiction>委`` (``中共<自治区>委员会``)
beside the government for a joint report, ``<county's prefix><township>人民政府`` / ``…街道办事处`` for a
township. ``issuer_full_name`` is the official name with its parent region (泉州市丰泽区人民政府,
绍兴市市场监督管理局, 泉州市惠安县人民政府), whatever the page printed.
"""

from __future__ import annotations

import re

from flows.core.textnorm import fold
from flows.normalize.region_codes import Region, data_file


def jurisdiction_prefix(region: Region) -> str:
    """How an issuer's name starts for ``region``: a district carries its city (秦皇岛市海港区)."""
    if region.is_district and len(region.ancestors) >= 1:
        return region.ancestors[-1][0] + region.name
    return region.name


def full_prefix(region: Region) -> str:
    """The region with its parent: a county or district with its city (泉州市惠安县), a city or a
    province alone."""
    if region.level == "county" and region.ancestors:
        return region.ancestors[-1][0] + region.name
    return region.name


def government_name(region: Region, prefix=jurisdiction_prefix) -> str:
    if region.level == "city" and region.name.endswith(("地区", "盟")):
        return region.name + "行政公署"
    return prefix(region) + "人民政府"


def party_name(prefix: str) -> str:
    """The Party committee of a jurisdiction: 中共朝阳市委; an autonomous region or prefecture's committee
    is written in full (中共广西壮族自治区委员会)."""
    return "中共" + prefix + ("委员会" if prefix.endswith(("自治区", "自治州")) else "委")


def township_office(township: str) -> str:
    """A township's government or a street's office (留下街道 -> 留下街道办事处, 贤庠镇 -> 贤庠镇人民政府)."""
    return township + ("办事处" if township.endswith("街道") else "人民政府")


def formal_department(department: str) -> str:
    """A department's formal name for its printed short name (市场监管局 -> 市场监督管理局)."""
    formal = data_file("departments.yaml").get("formal", {})
    for short in sorted(formal, key=len, reverse=True):
        if department.endswith(short):
            return department[: len(department) - len(short)] + formal[short]
    if re.search(r"[^省市区县州党工]委$", department) and len(department) >= 4:
        return department + "员会"  # 卫生健康委 -> 卫生健康委员会
    return department


def without_level_char(department: str, region: Region) -> str:
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


def department_for_system(system: str, level: str) -> str | None:
    for key, by_level in data_file("departments.yaml")["systems"].items():
        if system.endswith(key) or key.endswith(system):
            return by_level.get(level)
    return None


def slug(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", fold(text))


def full_name(
    region: Region | None, kind: str, department: str | None, township: str | None, issuers: list[str]
) -> str | None:
    """``issuer_full_name`` (see the module doc); None when the region is unknown and nothing was printed."""
    if region is None:
        return " ".join(issuers) or None
    if township:
        return full_prefix(region) + township_office(township)
    if kind == "department" and department:
        return full_prefix(region) + formal_department(without_level_char(department, region))
    government = government_name(region, full_prefix)
    if kind == "party_and_government":
        return party_name(full_prefix(region)) + " " + government
    if kind == "government":
        return government
    return " ".join(issuers) or None
