"""Search as you type on both engines: the same completions and titles from the same archive."""

from __future__ import annotations

import pytest

from search.errors import BadRequest
from search.service import SearchService
from search.suggest import MAX_CHARS, rank, split_typed


def test_completions_of_the_last_word_by_document_frequency(service: SearchService) -> None:
    found = service.suggest("kara")
    assert found.word == "kara"
    words = [c.word for c in found.completions]
    assert words[0] == "karabakh"  # in three articles' text and titles
    assert all(w.startswith("kara") for w in words)
    counts = [c.count for c in found.completions]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2


def test_the_words_before_are_kept_and_narrow_the_titles(service: SearchService) -> None:
    found = service.suggest("drones kara")
    assert found.completions[0].query == "drones karabakh"
    titles = {h.id for h in found.titles}
    assert "en/blog/2020/10/karabakh.md" in titles
    assert "fr/blog/2020/10/karabakh.md" not in titles  # no drones in French


def test_titles_holding_a_completion(service: SearchService) -> None:
    titles = {h.title for h in service.suggest("kara").titles}
    assert "Israel's role in Nagorno-Karabakh" in titles
    assert "Le rôle d'Israël au Haut-Karabakh" in titles


def test_other_languages_words_complete_too(service: SearchService) -> None:
    assert "krieg" in [c.word for c in service.suggest("KRIE").completions]


@pytest.mark.parametrize("text", ["", "k", "kara ", 'war "', "zzzqqq"])
def test_nothing_to_complete(service: SearchService, text: str) -> None:
    found = service.suggest(text)
    assert found.completions == () and found.titles == ()


def test_limits(service: SearchService) -> None:
    assert len(service.suggest("qx", limit=3).completions) == 3
    with pytest.raises(BadRequest):
        service.suggest("qx", limit=0)
    with pytest.raises(BadRequest):
        service.suggest("a" * (MAX_CHARS + 1))


def test_split_typed_and_rank() -> None:
    assert split_typed("war in kara") == ("war in ", "kara")
    assert split_typed("war ") == ("war ", "")
    assert split_typed("Grüße") == ("", "Grüße")
    candidates = [("kara", 2), ("karabakh", 30), ("kara1", 99), ("2020", 50), ("karam", 30)]
    assert rank(candidates, "kara", 3) == [("kara1", 99), ("karabakh", 30), ("karam", 30)]
    assert rank([("2020", 5)], "20", 3) == []
