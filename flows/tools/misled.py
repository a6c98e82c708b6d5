"""The page line that misled the parser: where ``fazhi evaluate --misses`` points for each miss."""

from __future__ import annotations

import re

from flows.core.textnorm import fold, nfkc_compact
from flows.normalize.dates import parse_date


def _pieces(value) -> list[str]:
    """What to look for on the page for a field value: the value, then its parts (a joint issuer's
    organs; a region's names from the most specific one up)."""
    if value is None:
        return []
    text = str(value)
    parts = [text] + text.split()
    names = re.findall(r".+?(?:自治区|自治州|自治县|特别行政区|省|市|区|县|旗|盟|州|镇|乡|街道)", text)
    parts += list(reversed(names))
    return [p for p in dict.fromkeys(parts) if len(nfkc_compact(p)) >= 2]


def find_line(text: str, field_name: str, value) -> str | None:
    """``line N: …`` of the first page line that holds ``value`` of ``field_name``, or None."""
    lines = text.split("\n")
    if field_name == "publish_date" and value:
        for number, line in enumerate(lines, 1):
            folded = fold(line)
            for start, char in enumerate(folded):
                if char.isdigit() or char in "〇○二":
                    read = parse_date(line[start : start + 24])
                    if read is not None and read.iso == value:
                        return f"line {number}: {line.strip()[:160]}"
        return None
    if field_name == "report_year" and value:
        wanted = [f"{value}年"]
    elif field_name == "region_level":
        return None
    else:
        wanted = _pieces(value)
    folded_lines = [nfkc_compact(fold(line)) for line in lines]
    for piece in wanted:
        key = nfkc_compact(fold(piece))
        for number, folded in enumerate(folded_lines, 1):
            if key and key in folded:
                return f"line {number}: {lines[number - 1].strip()[:160]}"
    return None
