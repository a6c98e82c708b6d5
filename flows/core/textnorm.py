"""Character-level text normalization shared by every parser.

Two forms of a page's text exist:

* the **stored text** (``clean_text``): the published text with invisible characters removed and
  line breaks unified. Its script and punctuation are kept as published. Every offset in every record
  points into this string.
* the **matching view** (``fold``): a string of *exactly the same length* in which full-width and
  ASCII forms are unified (``，`` -> ``,``, ``（`` -> ``(``, ``０`` -> ``0``) and traditional
  characters are replaced by simplified ones. Parsers run their patterns on the view and report
  offsets, which are then valid in the stored text because the mapping is one character to one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Characters that carry no text: zero-width spaces and joiners, BOM, soft hyphen, bidi controls.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e"
_CONTROL_RE = re.compile("[" + re.escape(_INVISIBLE) + "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES_RE = re.compile("[\u00a0\u2002\u2003\u2009\u202f\u205f]")  # kept as a space, not removed


def clean_text(text: str) -> str:
    """The stored form of a page's text: invisible and control characters removed, CRLF/CR -> LF,
    exotic spaces -> ASCII space. The ideographic space U+3000 is kept (pages indent with it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL_RE.sub("", text)
    return _SPACES_RE.sub(" ", text)


# Full-width punctuation that real pages and scraped copies print either way.
_PUNCT_FOLD = {
    "，": ",",
    "：": ":",
    "（": "(",
    "）": ")",
    "；": ";",
    "！": "!",
    "？": "?",
    "％": "%",
    "＋": "+",
    "－": "-",
    "．": ".",
    "／": "/",
    "＝": "=",
    "［": "[",
    "］": "]",
    "﹝": "〔",
    "﹞": "〕",
    "\u3000": " ",
    "＜": "<",
    "＞": ">",
    "｜": "|",
    "～": "~",
    "＊": "*",
    "＃": "#",
    "＆": "&",
    "＠": "@",
}


@lru_cache(maxsize=1)
def _fold_pairs() -> dict[int, int]:
    pairs: dict[int, int] = {}
    # Full-width ASCII block: digits and Latin letters to ASCII.
    for code in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B)):
        pairs[code] = code - 0xFEE0
    for src, dst in _PUNCT_FOLD.items():
        pairs[ord(src)] = ord(dst)
    for src, dst in _traditional_chars().items():
        pairs.setdefault(ord(src), ord(dst))
    return pairs


@lru_cache(maxsize=1)
def _fold_array():
    """The fold as an array indexed by code point (identity where nothing folds).

    ``str.translate`` looks every character up in a Python mapping (about 0.2 µs a character, and
    most Chinese characters are not in the table); one vectorised lookup over the UTF-32 code
    points does a whole report in tens of microseconds."""
    import numpy as np

    table = np.arange(0x110000, dtype=np.uint32)
    pairs = _fold_pairs()
    table[np.fromiter(pairs.keys(), dtype=np.uint32)] = np.fromiter(pairs.values(), dtype=np.uint32)
    return table


@lru_cache(maxsize=1)
def _traditional_mask():
    import numpy as np

    mask = np.zeros(0x110000, dtype=bool)
    mask[[ord(ch) for ch in _traditional_chars()]] = True
    return mask


def _code_points(text: str):
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# Below this length a Python-level translate is cheaper than building arrays.
_SHORT_TEXT = 64


@lru_cache(maxsize=1)
def _traditional_chars() -> dict[str, str]:
    """Traditional -> simplified, single characters only (first candidate), from OpenCC's table.

    Phrase-level conversion would change the length of the text and break offsets; character level
    is all the matching rules need (陽 -> 阳, 區 -> 区, 復 -> 复)."""
    import opencc  # the reimplementation ships OpenCC's dictionaries as plain text

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    mapping: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 2 or len(parts[0]) != 1:
            continue
        target = parts[1].split(" ")[0]
        if len(target) == 1 and target != parts[0]:
            mapping[parts[0]] = target
    return mapping


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The matching view of ``text``: same length, width- and script-folded.

    Cached: every parsing module folds the same body and the catalog folds each metric's sentence,
    so one document asks for the same view hundreds of times."""
    if len(text) < _SHORT_TEXT:
        return text.translate(_fold_pairs())
    return _fold_array()[_code_points(text)].tobytes().decode("utf-32-le", "surrogatepass")


def fold_once(text: str) -> str:
    """``fold`` without its cache, for a text folded once: the load folds every document's whole text
    for its duplicate fingerprint, and the cache would keep 4,096 of those texts and their folded
    views alive (≈ 80 MB at the load's peak)."""
    return fold.__wrapped__(text)


def is_traditional(text: str, threshold: float = 0.02) -> bool:
    """True when a noticeable share of the Han characters are traditional forms."""
    codes = _code_points(text)
    is_han = (codes >= 0x4E00) & (codes <= 0x9FFF)
    han = int(is_han.sum())
    if not han:
        return False
    return int((_traditional_mask()[codes] & is_han).sum()) / han >= threshold


def nfkc_compact(text: str) -> str:
    """Comparison key used by evaluation: NFKC, then all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
