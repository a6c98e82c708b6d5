"""The number grammar: numbers as Chinese government reports print them.

Arabic numerals (ASCII or full-width, with thousands separators and decimals), Chinese numerals
(一百零八, 两千四百, 十二, 三万零五百, 十二点五, financial forms 壹贰叁), Arabic numbers with a
Chinese multiplier (1.5万, 36.43萬, 2.3亿) and 百分之N.

Parsing is strict: a string that is not one well-formed number raises ``ValueError`` instead of
being guessed at (十四五 is a plan's name, not a number). Deciding whether a number in running text
is a quantity at all (二十大, 八五, 唯一一个) is the job of ``flows.normalize.metrics``; this module only says
what a numeral's value is.
"""

from __future__ import annotations

import re
from decimal import Decimal

Number = int | Decimal

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "貳": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "叁": 3,
    "參": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "陸": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
CN_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
CN_DECIMAL_POINTS = "点點"

# Every character that can be part of a Chinese numeral (decimal point excluded).
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

# Multipliers printed after an Arabic number, longest first (千万 before 千 and 万).
MULTIPLIERS: dict[str, int] = {
    "万亿": 10**12,
    "千万": 10**7,
    "百万": 10**6,
    "万": 10**4,
    "萬": 10**4,
    "亿": 10**8,
    "億": 10**8,
    "千": 10**3,
}

# An Arabic number in ASCII form: either grouped in thousands (27,383) or plain, optional decimals.
ARABIC_PATTERN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_ARABIC_RE = re.compile(rf"(?:{ARABIC_PATTERN})\Z")
_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)} | {"，": ",", "．": ".", "％": "%"})
_MULTIPLIER_SUFFIX_RE = re.compile("(?:" + "|".join(MULTIPLIERS) + r")\Z")
_PERCENT_WORDS = ("百分之",)


def _exact(value: Decimal) -> Number:
    """An integral value as ``int`` (what counts are), anything else as an exact ``Decimal``."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def parse_arabic(s: str) -> Number:
    """``27,383`` -> 27383, ``１２３`` -> 123, ``91.15`` -> Decimal('91.15')."""
    s = s.strip()
    if not s.isascii():
        s = s.translate(_WIDTH)
    if not _ARABIC_RE.match(s):
        raise ValueError(f"not an Arabic number: {s!r}")
    return _exact(Decimal(s.replace(",", "")))


def is_digit_sequence(s: str) -> bool:
    """True for numerals read digit by digit (二〇二二, 八五): two or more digits, no 十/百/千/万/亿."""
    return len(s) > 1 and all(ch in CN_DIGITS for ch in s)


def _parse_below_ten_thousand(s: str) -> int:
    """A section without 万/亿: [digit]千 [零] [digit]百 [零] [digit]十 [digit]."""
    value = 0
    digit: int | None = None
    last_unit = 0  # 0 until a unit (十/百/千) has been read
    zero_seen = False
    for index, ch in enumerate(s):
        if ch in CN_DIGITS:
            d = CN_DIGITS[ch]
            if d == 0:
                if digit is not None or index == len(s) - 1:
                    raise ValueError(f"misplaced zero in {s!r}")
                zero_seen = True
                continue
            if digit is not None:
                raise ValueError(f"two digits in a row in {s!r}")
            digit = d
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if last_unit and unit >= last_unit:
                raise ValueError(f"units out of order in {s!r}")
            if digit is None and index != 0:  # only a leading unit stands alone: 十二, 百
                raise ValueError(f"unit without a digit in {s!r}")
            value += (1 if digit is None else digit) * unit
            digit, last_unit, zero_seen = None, unit, False
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    if digit is not None:
        # 两千四 means 2400 (the next lower unit is implied) unless a zero stood between: 一千零四.
        if last_unit >= 100 and not zero_seen:
            value += digit * (last_unit // 10)
        else:
            value += digit
    return value


def _lower_part(tail: str, big_value: int, parse) -> int:
    """What follows 万/亿: 零五百 -> 500; a lone digit is the next unit down (一万五 -> 5000)."""
    stripped = tail.lstrip("零〇○")
    if not stripped:
        return 0
    if stripped == tail and len(tail) == 1 and tail in CN_DIGITS:
        return CN_DIGITS[tail] * big_value // 10
    return parse(stripped)


def _parse_chinese_integer(s: str) -> int:
    if not s:
        raise ValueError("empty numeral")
    if len(s) == 1 and CN_DIGITS.get(s) == 0:
        return 0
    if is_digit_sequence(s):
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    for big_char, big_value in (("亿", 10**8), ("億", 10**8)):
        if big_char in s:
            index = s.rfind(big_char)
            head, tail = s[:index], s[index + 1 :]
            high = _parse_chinese_integer(head) if head else 1
            low = _lower_part(tail, big_value, _parse_chinese_integer)
            if low >= big_value:
                raise ValueError(f"lower part too large in {s!r}")
            return high * big_value + low
    for big_char in ("万", "萬"):
        if big_char in s:
            index = s.find(big_char)
            head, tail = s[:index], s[index + 1 :]
            if big_char in tail:
                raise ValueError(f"repeated 万 in {s!r}")
            high = _parse_below_ten_thousand(head) if head else 1
            return high * 10**4 + _lower_part(tail, 10**4, _parse_below_ten_thousand)
    return _parse_below_ten_thousand(s)


def parse_chinese(s: str) -> Number:
    """The value of a Chinese numeral: 一百零八 -> 108, 两千四百 -> 2400, 十二 -> 12,
    三万零五百 -> 30500, 十二点五 -> Decimal('12.5'), 三点五万 -> 35000, 二〇二二 -> 2022.

    Raises ``ValueError`` for anything that is not one well-formed numeral (十四五, 二十大)."""
    s = s.strip()
    for point in CN_DECIMAL_POINTS:
        if point in s:
            integer_part, _, rest = s.partition(point)
            multiplier = 1
            if rest and rest[-1] in CN_BIG_UNITS:
                multiplier, rest = CN_BIG_UNITS[rest[-1]], rest[:-1]
            if not rest or not all(ch in CN_DIGITS for ch in rest):
                raise ValueError(f"bad decimal part in {s!r}")
            integer = _parse_chinese_integer(integer_part)
            fraction = "".join(str(CN_DIGITS[ch]) for ch in rest)
            return _exact(Decimal(f"{integer}.{fraction}") * multiplier)
    return _parse_chinese_integer(s)


def parse_number(s: str) -> Number:
    """Any printed number: Arabic (27,383, １２３, 91.15), Chinese (一百零八), Arabic with a
    multiplier (1.5万 -> 15000, 36.43萬 -> 364300, 2.3亿), or 百分之N (-> N, the percent figure)."""
    s = s.strip()
    if not s.isascii():
        s = s.translate(_WIDTH)
    for word in _PERCENT_WORDS:
        if s.startswith(word):
            return parse_number(s[len(word) :])
    if s and s[0].isdigit():
        multiplier_match = _MULTIPLIER_SUFFIX_RE.search(s)
        multiplier = 1
        if multiplier_match:
            multiplier = MULTIPLIERS[multiplier_match.group()]
            s = s[: multiplier_match.start()]
        value = parse_arabic(s)
        return _exact(Decimal(value) * multiplier)
    return parse_chinese(s)


_HEADING_NUMERAL_CHARS = frozenset("一二三四五六七八九十")


def heading_numeral(value: int) -> str:
    """The Chinese numeral for 1..99 as headings print it (三, 十, 十二, 二十, 二十三)."""
    if not 0 < value < 100:
        raise ValueError(f"heading numerals run from 1 to 99, not {value}")
    tens, units = divmod(value, 10)
    digits = "一二三四五六七八九"
    return (digits[tens - 1] if tens > 1 else "") + ("十" if tens else "") + (digits[units - 1] if units else "")


def heading_number(numeral: str) -> int | None:
    """The value of a heading's numeral, 一 to 九十九, printed in its one canonical form (十二, not
    一十二 or 一二); None for anything else (十十, 二二, 百)."""
    if not numeral or not _HEADING_NUMERAL_CHARS.issuperset(numeral):
        return None
    try:
        value = parse_chinese(numeral)
    except ValueError:
        return None
    return value if isinstance(value, int) and 0 < value < 100 and heading_numeral(value) == numeral else None
