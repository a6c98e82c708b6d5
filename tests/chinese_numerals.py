"""An independent renderer: int -> Chinese numeral as reports print it (shared by the numeral and metric tests)."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"


def _section(n: int, liang: bool, short_ten: bool) -> str:
    """0 < n < 10000 in positional form; 零 marks skipped places between non-zero digits."""
    out, gap = [], False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // place % 10
        if d == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out.append("零")
            gap = False
        if place == 10 and d == 1 and short_ten and not out:
            out.append("十")  # 十二, not 一十二, at the head of a number
            continue
        out.append(("两" if d == 2 and liang and place >= 100 else _DIGITS[d]) + unit)
    return "".join(out)


def to_chinese(n: int, liang: bool = False, short_ten: bool = True) -> str:
    if n == 0:
        return "零"
    yi, wan, rest = n // 10**8, n // 10**4 % 10**4, n % 10**4
    out = []
    if yi:
        out.append(_section(yi, liang, short_ten) + "亿")
    if wan:
        if yi and wan < 1000:
            out.append("零")
        out.append(_section(wan, liang, short_ten and not yi) + "万")
    if rest:
        if (yi or wan) and (rest < 1000 or not wan):
            out.append("零")
        out.append(_section(rest, liang, short_ten and not (yi or wan)))
    return "".join(out)


def to_full_width(s: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in s)
