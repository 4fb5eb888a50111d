"""``search.analysis``: folding, CJK bigrams and the exact tokens both engines index."""

from __future__ import annotations

import pytest

from search.analysis import (
    cjk_bigrams,
    exact_text,
    exact_tokens,
    fold,
    indexed_texts,
    stem_text,
    stopwords,
)
from search.tantivy_engine.querybuild import analyse as tantivy_analyse
from search.whoosh_engine.querybuild import analyse as whoosh_analyse

TEXTS = [
    "",
    "The war of the Roses: WARS, wars; war.",
    "3.14 e.g. U.S.A. node.js snake_case foo..bar",
    "ÉTATS-UNIS Straße STRASSE İstanbul Łódź Æther œuvre Ørsted ǅemal",
    "Кремль заявил, что ёлки и Ёлка; Войны! й",
    "Les élections présidentielles françaises: l'économie d'abord",
    "١٢٣ 中文字符 日本語の文章を書きます 대한민국의 수도는 서울입니다 Astroは",
    "ﬁnance ² Ⅻ ﾃｽﾄ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_exact_tokens_are_what_both_engines_index(text: str) -> None:
    prepared = exact_text(text)
    assert exact_tokens(text) == whoosh_analyse(prepared, "exact")
    assert exact_tokens(text) == tantivy_analyse(prepared, "exact")


@pytest.mark.parametrize("text", TEXTS)
def test_a_writer_indexes_the_exact_and_the_stem_texts(text: str) -> None:
    assert indexed_texts(text) == (exact_text(text), stem_text(text))


def test_folding_is_ascii_for_latin_letters_only() -> None:
    assert fold("Israël Straße Łódź Ærø naïve café") == "Israel Strasse Lodz AEro naive cafe"
    assert fold("ёлка Ёж") == "елка Еж"
    assert fold("йод Йемен") == "йод Йемен"  # й is a letter of its own, not и with a mark
    assert fold("がぎ") == "がぎ"  # kana keep their voicing marks
    assert stem_text("Ёлка élan") == "Елка élan"  # stemmed fields keep accents


def test_cjk_runs_become_overlapping_bigrams() -> None:
    assert cjk_bigrams("东京都政府").split() == ["东京", "京都", "都政", "政府"]
    assert cjk_bigrams("Astroは便利").split() == ["Astro", "は便", "便利"]
    assert cjk_bigrams("서울 시").split() == ["서울", "시"]
    assert cjk_bigrams("plain text") == "plain text"


def test_stop_words_are_folded_like_the_exact_field() -> None:
    assert "because" in stopwords("en")
    assert "fur" in stopwords("de")  # für
    assert "еще" in stopwords("ru")  # ещё
    assert stopwords("pl") == frozenset()  # no list: every word required
