"""The stored text and its matching view (flows/textnorm.py)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.core.textnorm import _SHORT_TEXT, _fold_pairs, clean_text, fold, fold_once, is_traditional

# Characters the fold maps, characters it keeps, and the edges of the code space (astral, lone
# surrogates as a bad decode can leave them).
_ALPHABET = st.sampled_from(
    list("，（）：；％０９ＡＺａｚ\u3000陽區復阳区复法治政府报告,()1aZ 。\n") + ["\U00020000", "\ud800", "\U0010ffff"]
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=300) | st.text(max_size=300))
def test_fold_is_the_per_character_mapping_at_any_length(text):
    expected = "".join(chr(_fold_pairs().get(ord(ch), ord(ch))) for ch in text)
    assert fold(text) == expected
    assert len(fold(text)) == len(text)


def test_fold_values_on_both_paths():
    short = "受理复议案件（含１２件）：陽區"
    long = short * (_SHORT_TEXT // len(short) + 1)
    assert fold(short) == "受理复议案件(含12件):阳区"
    assert fold(long) == "受理复议案件(含12件):阳区" * (_SHORT_TEXT // len(short) + 1)


def test_fold_once_is_fold_and_keeps_nothing():
    """The load folds each whole document once: the cache must not keep them (it held 4,096)."""
    text = "陽區法治政府建设年度报告" * 50 + "（１２件）"
    before = fold.cache_info().currsize
    assert fold_once(text) == fold.__wrapped__(text) == "阳区法治政府建设年度报告" * 50 + "(12件)"
    assert fold.cache_info().currsize == before


def test_is_traditional_counts_han_characters_only():
    assert is_traditional("法治政府建設情況的報告")
    assert not is_traditional("法治政府建设情况的报告")
    assert not is_traditional("ＡＢＣ 123 ,,,")
    # one traditional character in 100 Han characters is under the 2 % threshold
    assert not is_traditional("法" * 99 + "陽")
    assert is_traditional("法" * 49 + "陽")


def test_clean_text_keeps_ideographic_space_and_unifies_breaks():
    assert clean_text("a\r\nb\rc\u200bd\u00a0e\u3000f") == "a\nb\ncd e\u3000f"
