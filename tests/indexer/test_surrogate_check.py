"""The surrogate check that runs on every parsed field agrees with the plain regex it replaced."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer.parse import _SURROGATE, _has_surrogate

# text with lone surrogates mixed in: the default strategy never produces them
TEXT = st.lists(
    st.one_of(st.text(max_size=8), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
    max_size=6,
).map("".join)


@given(TEXT)
def test_surrogate_check_matches_the_regex(text: str) -> None:
    assert _has_surrogate(text) == bool(_SURROGATE.search(text))


def test_surrogates_anywhere_are_found() -> None:
    assert _has_surrogate("é" * 1000 + "\udc80")
    assert _has_surrogate("\ud83d")  # half of an emoji's UTF-16 pair
    assert not _has_surrogate("\U0001f600 日本 ü")
