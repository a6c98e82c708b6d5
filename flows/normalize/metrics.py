"""Quantitative statements in a report -> metric records (``schemas/metric.schema.json``).

A metric is a number with its measure word or unit (518件, 75万余人次, 91.15%, 2个工作日, 2.3亿元),
a rank (排名第七, 第21位, 稳居前五), a change (同比增长56%, 前移16位, 提升1倍) or a ratio (1.04:1).
Everything else that looks like a number is left out: dates and years, periods, document numbers,
list markers, numbers inside names of laws, plans, campaigns and slogans (《…》, short “…”), ordinal
names (二十大, 第二批, 十九届六中全会), versions (2.0), hotline numbers, structural labels (四级,
三调联动) and words that merely contain a numeral (统一, 唯一, 进一步, 一批).

Patterns run on ``textnorm.fold(text)`` (same length), so every offset is valid in ``text``;
``span`` and ``sentence`` are sliced from the original ``text``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from flows.core.numerals import (
    CN_NUMERAL_CHARS,
    MULTIPLIERS,
    is_digit_sequence,
    parse_number,
)
from flows.core.textnorm import fold
from flows.normalize import metric_words as words

# A metric's sentence is cut to whole clauses around its span beyond this length.
MAX_SENTENCE_CHARS = 300


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    value: int | Decimal
    unit: str | None
    qualifier: str | None
    kind: str
    direction: str | None = None
    unit_at: int | None = None  # where the unit is printed (None for 百分之N, whose % is implied)


class _Page:
    """The folded text plus lookups computed once per document."""

    def __init__(self, text: str):
        self.text = text
        self.folded = fold(text)
        self.names = _merged([m.span() for r in words.NAME_RES for m in r.finditer(self.folded)])
        self.name_starts = [a for a, _ in self.names]
        self.sentence_ends = [m.start() for m in words.SENTENCE_END_RE.finditer(self.folded)]

    def in_name(self, pos: int) -> bool:
        index = bisect_right(self.name_starts, pos) - 1
        return index >= 0 and self.names[index][0] < pos < self.names[index][1]

    def char(self, pos: int) -> str:
        return self.folded[pos] if 0 <= pos < len(self.folded) else ""


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- the grammar --------------------------------------------------------------------------------


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _left_clause(folded: str, pos: int, limit: int = 12) -> str:
    """The text before ``pos`` back to the last clause delimiter, at most ``limit`` characters."""
    start = pos
    while start > 0 and pos - start < limit and folded[start - 1] not in words.CLAUSE_ENDS:
        start -= 1
    return folded[start:pos]


def _glued_before(page: _Page, start: int) -> bool:
    """Something before an Arabic number that makes it part of a code, date, period, range or
    formula (l379250-0303, 2021-2025, 1+2+5, 5·15), or the later part of a clock time or of a ratio of
    more than two (9:30分, 1:2:3)."""
    before = page.char(start - 1)
    if before in words.DASHES:
        before2 = page.char(start - 2)
        return before2.isascii() and before2.isalnum()
    if before == ":":
        return page.char(start - 2).isdigit()
    return (before.isascii() and before.isalnum()) or before in words.GLUE_BEFORE


def _glued_after(page: _Page, end: int) -> bool:
    after = page.char(end)
    if after in words.GLUE_AFTER or (after.isascii() and after.isalpha()):
        return True
    return after in ".:" and page.char(end + 1).isdigit()  # 25.02.2016, 17:05


def _is_range_end(page: _Page, start: int) -> bool:
    """The second number of a range (3至5个工作日): the range is not one figure."""
    before, before2 = page.char(start - 1), page.char(start - 2)
    return before in "至到" and (before2.isdigit() or (before2 != "" and before2 in CN_NUMERAL_CHARS))


def _countable_chinese(numeral: str, page: _Page, start: int, unit: str | None, approximate: bool) -> bool:
    """A Chinese numeral that counts rather than names: not read digit by digit (八五), not a bare
    一/二/零 before a measure word (一批, 一个时期, 二次供水, 零件; 一倍 is fine), not a bare 百/千/万 unless
    approximate (百名法学家, 万所联万会 are names; 万余人, 近百家 are quantities), not the second
    numeral of an idiom (三番五次)."""
    if is_digit_sequence(numeral):
        return False
    if numeral in ("一", "壹") and unit not in ("倍", "番") or numeral in ("二", "贰", "貳", "零", "〇", "○"):
        return False
    if numeral[0] in "百千万亿佰仟萬億" and not approximate:
        return False
    before, before2 = page.char(start - 1), page.char(start - 2)
    return not (_is_cjk(before) and before not in CN_NUMERAL_CHARS and before2 != "" and before2 in CN_NUMERAL_CHARS)


def _prefix_qualifier(page: _Page, start: int) -> str | None:
    folded = page.folded
    for word in words.PREFIX_QUALIFIERS:
        at = start - len(word)
        if at >= 0 and folded.startswith(word, at):
            if page.char(at - 1) == "不":  # 不超过 is a ceiling, not an approximation
                return None
            if word == "近" and page.char(at - 1) in words.NOT_QUALIFYING_BEFORE_JIN:
                return None
            return word
    return None


def _change(page: _Page, start: int, previous: _Found | None, unit: str | None = None) -> str | None:
    """The direction when the wording before the number makes it a change (同比增长56%, and for a
    percent also 减少材料60%)."""
    left = _left_clause(page.folded, start).rstrip("了 ")
    for helper in ("达到", "达"):
        if left.endswith(helper):
            left = left[: -len(helper)]
            break
    if left.endswith("幅为"):
        left = left[:-1]
    verb = words.CHANGE_VERB_RE.search(left)
    if verb:
        return words.CHANGE_VERBS[verb.group()]
    if unit in words.PERCENT_UNITS:
        verb = words.CHANGE_VERB_OBJECT_RE.search(left)
        if verb:
            return words.CHANGE_VERBS[verb.group("verb")]
    # 分别增长12%、15%: the second figure continues the first one's change.
    if previous and previous.kind == "change" and page.folded[previous.end : start] in ("、", "和", "及", ",和"):
        return previous.direction
    return None


def _rank_after_di(page: _Page, numeral: str, start: int, end: int, arabic: bool) -> _Found | None:
    """第N: a rank (排名第七, 第21位, 全国第一) or else an ordinal name (第二批, 第一责任人)."""
    after = page.char(end)
    unit = after if after in ("位", "名") and page.char(end + 1) != "单" else None
    stop = end + (1 if unit else 0)
    closing = page.char(stop)
    free_after = closing == "" or not _is_cjk(closing) or closing in "的、"
    left = _left_clause(page.folded, start - 1, limit=10)
    ranked = any(word in left for word in words.RANK_WORDS)
    whole_area = left.endswith(words.WHOLE_AREAS)
    if not (
        (ranked and (unit or free_after))
        or (whole_area and (unit or free_after))
        or (unit and arabic and page.char(start - 2) not in ("在", "于"))
    ):
        return None
    try:
        value = parse_number(numeral)
    except ValueError:
        return None
    return _Found(start - 1, stop, value, unit, None, "rank", unit_at=end if unit else None)


def _rank_after_qian(page: _Page, numeral: str, start: int, end: int) -> _Found | None:
    """前N after a ranking verb: 稳居前五, 进入全国前10名."""
    left = _left_clause(page.folded, start - 1, limit=10)
    if not any(word in left for word in words.RANK_WORDS):
        return None
    after = page.char(end)
    unit = after if after in ("位", "名") else None
    stop = end + (1 if unit else 0)
    if not unit and after and (_is_cjk(after) and after not in "的、" or after in "%‰"):
        return None  # 前三季度; 排名前10% is a percent
    try:
        value = parse_number(numeral)
    except ValueError:
        return None
    return _Found(start - 1, stop, value, unit, None, "rank", unit_at=end if unit else None)


def _ratio(page: _Page, start: int, end: int) -> _Found | None:
    """A:B (1.04:1), but not a clock time (17:05, 11:33:28)."""
    second = words.ARABIC_AT_RE.match(page.folded, end + 1)
    if not second or page.char(second.end()) in (":", ".") or page.char(second.end()).isdigit():
        return None
    first_text, second_text = page.folded[start:end], second.group()
    if "." not in first_text + second_text and len(second_text) == 2:
        return None
    a, b = Decimal(first_text.replace(",", "")), Decimal(second_text.replace(",", ""))
    if b == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 12
        value = (a / b).normalize()
    return _Found(start, second.end(), value, None, None, "ratio")


def _quantity(page: _Page, numeral: str, start: int, end: int, arabic: bool, previous: _Found | None) -> _Found | None:
    """A number with its multiplier, qualifiers and unit: 75万余人次, 50多家, 1000人以上, 56%."""
    folded = page.folded
    percent_words = numeral.startswith("百分之")
    if percent_words and numeral[3:4] in "千仟万萬亿億":
        return None  # 百分之亿 is no share of anything
    if percent_words:  # 百分之百, 百分之一 are percents whatever their numeral
        tail = words.PERCENT_TAIL_RE.match(folded, end)
        unit, unit_at, multiplier, inner_qualifier = "%", None, 1, None
    else:
        tail = words.TAIL_RE.match(folded, end)
        unit, mult = tail.group("unit"), tail.group("mult")
        if mult and not arabic and not tail.group("q1"):
            return None  # a Chinese run holds its own 万/亿; what follows is another word
        multiplier = MULTIPLIERS[mult] if mult else 1
        inner_qualifier = tail.group("q1") or tail.group("q2")
        unit_at = tail.start("unit") if unit else None
        if unit is None:
            # 受访量达36.43万: an Arabic number with a multiplier is a quantity even without a unit.
            if not (arabic and mult and not tail.group("q3")):
                return None
        elif not _unit_fits(page, start, tail.end("unit"), unit, arabic):
            return None
    prefix = _prefix_qualifier(page, start)
    if not (arabic or percent_words) and not _countable_chinese(
        numeral, page, start, unit, bool(prefix or inner_qualifier)
    ):
        return None
    try:
        value = parse_number(numeral) * multiplier
    except ValueError:
        return None
    span_start = start - len(prefix) if prefix else start
    kind = words.UNIT_KIND[unit] if unit else "count"
    direction = _change(page, span_start, previous, unit)
    if direction is not None:
        kind = "change"
    qualifier = prefix or inner_qualifier or tail.group("q3")
    return _Found(span_start, tail.end(), value, unit, qualifier, kind, direction, unit_at)


def _unit_fits(page: _Page, start: int, unit_end: int, unit: str, arabic: bool) -> bool:
    """Whether the measure word really measures this number, judged by what surrounds it."""
    folded = page.folded
    after = page.char(unit_end)
    if unit in words.ARABIC_ONLY_UNITS and not arabic:
        return False
    if unit in words.AREA_UNITS and (after in words.NOT_AFTER_AREA or unit_end - len(unit) - start > 3):
        return False  # 12345市民热线, 2市场
    if unit in words.DOUBLING_UNITS and page.char(start - 1) != "翻":
        return False
    if unit == "个" and folded.startswith(words.PERIOD_WORDS, unit_end):
        return False  # 连续4个季度 is a period
    if unit in words.SCORE_UNITS and page.char(start - 1) in ("时", "点"):
        return False
    if unit == "位" and after == "数":  # 两位数增长
        return False
    if unit == "日":  # 在15日内 is a time limit; 3月29日, 于5日 are dates
        before = page.char(start - 1)
        if after not in ("内", "以", "左") or before == "月" or (after != "内" and before in ("于", "在", "至", "到")):
            return False
    if unit == "次":
        if page.char(start - 1) == "届" or folded.startswith(words.SESSION_WORDS, unit_end):
            return False
        if not arabic and page.char(start - 1) in ("大", "会") and folded.startswith("会议", unit_end):
            return False
    if not arabic:
        if after != "" and after in CN_NUMERAL_CHARS:  # 四位一体, 四所一庭, 两个一百年
            return False
        if folded.startswith(words.PROGRAMME_HEADS, unit_end):
            return False
    return True


def _shared_unit_heads(page: _Page, found: _Found, floor: int, previous: _Found | None) -> list[_Found]:
    """Bare Arabic figures that share ``found``'s unit, printed once at the end of a 分别 list
    (分别提升6.5和4.2个百分点, 分别为3、5、8件): one metric each, in text order."""
    if found.unit is None or found.kind == "rank" or found.qualifier:
        return []
    spans, end = [], found.start
    while end - 1 > floor and page.char(end - 1) in words.LIST_JOINERS:
        head = words.ARABIC_BEFORE_RE.search(page.folded, max(floor, end - 17), end - 1)
        if head is None or head.start() < floor or _glued_before(page, head.start()):
            break
        spans.append(head.span())
        end = head.start()
    if not spans or "分别" not in _left_clause(page.folded, end):
        return []
    heads = []
    for start, stop in reversed(spans):
        direction = _change(page, start, previous) if found.kind == "change" else None
        head = _Found(
            start,
            stop,
            parse_number(page.folded[start:stop]),
            found.unit,
            None,
            found.kind,
            direction or found.direction,
        )
        heads.append(head)
        previous = head
    return heads


def _read(page: _Page, match: re.Match, previous: _Found | None) -> _Found | None:
    start, end = match.span()
    if page.in_name(start):
        return None
    numeral = match.group()
    arabic = match.group("ar") is not None
    if arabic:
        if _glued_before(page, start):
            return None
        if page.char(end) == ":" and page.char(end + 1).isdigit():
            return _ratio(page, start, end)
        if _glued_after(page, end):
            return None
    before = page.char(start - 1)
    if before == "第":
        return _rank_after_di(page, numeral, start, end, arabic)
    if before == "前":
        rank = _rank_after_qian(page, numeral, start, end)
        if rank:
            return rank
    if _is_range_end(page, start):
        return None
    return _quantity(page, numeral, start, end, arabic, previous)


def _tokens(page: _Page):
    """Number tokens in text order. Two repairs: a Chinese run glued to a preceding word's 一
    (唯一一个) is re-read without it, and a full-width comma in the original splits a number
    (审结1，100件 is 1 and 100, never 1100; only an ASCII comma groups thousands)."""
    folded, pos = page.folded, 0
    while (match := words.TOKEN_RE.search(folded, pos)) is not None:
        start, end = match.span()
        pos = end
        if match.group("ar") and "，" in page.text[start:end]:
            pos = page.text.index("，", start) + 1
            continue
        numeral = match.group()
        if (
            match.group("cn")
            and len(numeral) > 1
            and numeral[0] == "一"
            and is_digit_sequence(numeral[:2])
            and _is_cjk(page.char(start - 1))
        ):
            match = words.TOKEN_RE.match(folded, start + 1)
            if match is None:
                continue
        yield match


# --- records ------------------------------------------------------------------------------------


def _sentence(page: _Page, start: int, end: int) -> str:
    ends = page.sentence_ends
    index = bisect_left(ends, start) - 1
    left = ends[index] + 1 if index >= 0 else 0
    index = bisect_left(ends, end)
    right = ends[index] + 1 if index < len(ends) else len(page.text)
    if right > left and page.folded[right - 1] == "\n":
        right -= 1
    if right - left > MAX_SENTENCE_CHARS:
        left, right = _clause_window(page.folded, start, end, left, right)
    sentence = page.text[left:right]
    return sentence.strip() or page.text[start:end]


def _clause_window(folded: str, start: int, end: int, left: int, right: int) -> tuple[int, int]:
    """The whole clauses around a span that fit in ``MAX_SENTENCE_CHARS``, most of them before it
    (a value's topic is announced before it). A run-on "sentence" (a table flattened into one line,
    a page without full stops) would otherwise repeat the whole paragraph in every metric."""
    low = max(left, start - MAX_SENTENCE_CHARS * 2 // 3)
    cut = words.CLAUSE_BREAK_RE.search(folded, low, start)
    if cut is not None and low > left:
        low = cut.end()
    high = min(right, max(end, low + MAX_SENTENCE_CHARS))
    if high < right:
        breaks = [m.end() for m in words.CLAUSE_BREAK_RE.finditer(folded, end, high)]
        high = breaks[-1] if breaks else high
    return low, high


def _following_phrase_end(folded: str, begin: int) -> int:
    """Where the noun phrase after a unit ends: a clause break or digit outside brackets, a
    predicate (全部, 均, 参加…), or 24 characters."""
    stop, depth = begin, 0
    while stop < len(folded) and stop - begin < 24:
        ch = folded[stop]
        if ch in words.OPENING_BRACKETS:
            depth += 1
        elif ch in words.CLOSING_BRACKETS:
            depth = max(depth - 1, 0)
        elif depth == 0 and (
            ch in words.SUBJECT_ENDS or ch.isdigit() or folded.startswith(words.PREDICATE_STARTS, stop)
        ):
            break
        stop += 1
    return stop


def _without_baseline(subject: str | None) -> str | None:
    """公职律师人数由上年 -> 公职律师人数: the earlier level's subject without its 由… (from …)."""
    if subject is None:
        return None
    at = fold(subject).rfind("由")
    return subject[:at] if 0 < at and len(subject) - at <= 5 else subject


def _subject(
    page: _Page, found: _Found, floor: int, previous: _Found | None = None, previous_subject: str | None = None
) -> str | None:
    """What is counted: the noun phrase right after the unit (18名政府法律顾问), else the clause
    before the number (受理复议案件518件), never reaching back past the previous metric. A level
    reached from an earlier one (由20个工作日压缩至3个工作日) has the earlier one's subject."""
    folded = page.folded
    stop = _following_phrase_end(folded, found.end)
    begin = found.end + 1 if folded.startswith("的", found.end) else found.end
    following = folded[begin:stop]
    if (
        found.kind in ("count", "amount")
        and len(following) >= 2
        and _is_cjk(following[0])
        and following[0] not in "以左余多内"
        and not following.startswith(words.CHANGE_VERB_PREFIXES)
    ):
        return page.text[begin:stop].strip(" \t\u3000、,") or None
    begin = found.start
    while begin > floor and found.start - begin < 30 and folded[begin - 1] not in words.SUBJECT_LEFT_ENDS:
        begin -= 1
    end = found.start
    stripped = True
    while stripped:  # 全市全年受理… -> 受理…; …累计达到 -> …
        stripped = False
        for lead in words.SUBJECT_LEADS:
            if folded.startswith(lead, begin) and end - begin > len(lead) + 1:
                begin, stripped = begin + len(lead), True
        for tail in words.SUBJECT_TAILS:
            if folded.endswith(tail, begin, end) and end - begin > len(tail):
                end, stripped = end - len(tail), True
                break
    if end > begin and folded[end - 1] in words.TO_WORDS:
        verb = words.CHANGE_VERB_RE.search(folded, begin, end - 1)
        if verb:
            end = verb.start()
            if end <= begin and previous is not None and previous.unit == found.unit:
                return _without_baseline(previous_subject)
    phrase = page.text[begin:end].strip(" \t\u3000、,，")
    if fold(phrase) in words.LIST_CONNECTORS:  # 分别为100%和98.7%: the second figure's topic is not "和"
        return None
    return phrase or None


class _SectionIndex:
    """Innermost section containing an offset. Sections nest, so walking back from the last one
    starting at or before the offset, the first that has not ended is the innermost."""

    def __init__(self, sections: list[dict]):
        self.sections = sorted(sections, key=lambda s: (s["start"], s["level"]))
        self.starts = [s["start"] for s in self.sections]

    def at(self, pos: int) -> str | None:
        index = bisect_right(self.starts, pos) - 1
        while index >= 0:
            section = self.sections[index]
            if pos < section["end"]:
                return section["section_id"]
            index -= 1
        return None


def _printed_unit(text: str, found: _Found) -> str | None:
    """The unit as printed (項 stays 項), full-width ％ read as %."""
    if found.unit is None or found.unit_at is None:
        return found.unit
    return text[found.unit_at : found.unit_at + len(found.unit)].replace("％", "%")


def _json_number(value: int | Decimal) -> int | float:
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def extract_metrics(text: str, doc_id: str, sections: list[dict]) -> list[dict]:
    """Every quantitative statement in ``text`` as a metric record, in text order."""
    page = _Page(text)
    section_index = _SectionIndex(sections)
    records: list[dict] = []
    previous: _Found | None = None
    subject: str | None = None
    consumed = 0
    for match in _tokens(page):
        if match.start() < consumed:
            continue
        found = _read(page, match, previous)
        if found is None:
            continue
        unit = _printed_unit(text, found)
        heads = _shared_unit_heads(page, found, consumed, previous)
        if heads and found.kind == "change" and found.direction is None:
            found = replace(found, direction=heads[-1].direction)
        for item in heads + [found]:
            floor = previous.end if previous else 0
            subject = _subject(page, item, floor, previous, subject)
            previous, consumed = item, item.end
            records.append(
                {
                    "metric_id": f"{doc_id}-m{item.start:06d}",
                    "doc_id": doc_id,
                    "section_id": section_index.at(item.start),
                    "value": _json_number(item.value),
                    "unit": unit,
                    "qualifier": item.qualifier,
                    "kind": item.kind,
                    "direction": item.direction,
                    "subject": subject,
                    "span": text[item.start : item.end],
                    "start": item.start,
                    "end": item.end,
                    "sentence": _sentence(page, item.start, item.end),
                    "metric_code": None,  # the catalog's three fields: set by normalize/catalog.py
                    "catalog_value": None,
                    "catalog_warning": None,
                    "page": None,  # set by document.py for attachments
                }
            )
    return records
