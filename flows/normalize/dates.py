"""Dates as pages print them: 2023-03-07, 2023/3/7, 2023年03月07日, 二〇二三年三月七日, 25.02.2016."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from flows.core.textnorm import fold

# Dates as pages print them (on the folded view: full-width digits are ASCII there).
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_YMD_RE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?")
_DMY_RE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>(?:19|20)\d{2})(?!\d)")
_CN_YMD_RE = re.compile(
    r"(?P<y>[〇○零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日"
)
_TIME_RE = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?")
_DATE_AT_START_RE = re.compile(
    r"\s*(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*日?|\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}(?!\d))"
)


@dataclass
class DateRead:
    iso: str | None
    text: str
    valid: bool


def _cn_number(chars: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 三十一 -> 31; None for what is no numeral (十十, 一二: typos on a page)."""
    tens, ten, ones = chars.partition("十")
    if not ten:
        return _CN_DIGITS[chars] if len(chars) == 1 else None
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def parse_date(value: str) -> DateRead | None:
    """The first printed date in ``value`` (2023-03-07, 2023/3/7, 2023年03月07日, 二〇二三年三月七日,
    25.02.2016 day.month.year). ``valid`` is False for impossible dates such as 2023-02-30."""
    folded = fold(value)
    found = []
    for regex in (_YMD_RE, _DMY_RE, _CN_YMD_RE):
        match = regex.search(folded)
        if match:
            found.append((match.start(), regex, match))
    if not found:
        return None
    _, regex, match = min(found, key=lambda item: item[0])
    if regex is _CN_YMD_RE:
        year = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
        month, day = _cn_number(match["m"]), _cn_number(match["d"])
    else:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    if month is None or day is None:  # printed as no numeral
        return DateRead(None, value[match.start() : match.end()], False)
    try:
        iso = _dt.date(year, month, day).isoformat()
    except ValueError:
        return DateRead(None, value[match.start() : match.end()], False)
    return DateRead(iso, value[match.start() : match.end()], True)


# Dates in page addresses: /202303/t20230307_…, /2023/3/7/, /2023-03/07/, /20230307/, art/2023/3/7/.
_URL_DATE_RES = (
    re.compile(r"/t?((?:19|20)\d{2})(\d{2})(\d{2})[_/.-]"),
    re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=/)"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})(?=/)"),
)


def url_date(url: str | None) -> str | None:
    """The ISO date a page's address holds in its path, or None. Not a publish date: the page prints
    that (the address can be a column's or a re-post's date); a caller reports it as a hint."""
    if not url:
        return None
    path = "/" + url.split("//", 1)[-1].split("/", 1)[-1] if "/" in url.split("//", 1)[-1] else ""
    for regex in _URL_DATE_RES:
        for match in regex.finditer(path):
            try:
                return _dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
            except ValueError:
                continue
    return None
