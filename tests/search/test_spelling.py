"""The did-you-mean distance: edits as the engines' fuzzy terms count them."""

from __future__ import annotations

import pytest

from search.spelling import better_word, edit_distance


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("krieg", "krieg", 0),
        ("kreig", "krieg", 1),  # two neighbouring letters swapped: one edit
        ("kreig", "kreis", 1),
        ("kitten", "sitting", 3),
        ("ca", "abc", 3),  # optimal string alignment: a swapped pair is not edited again
    ],
)
def test_edit_distance(a: str, b: str, edits: int) -> None:
    assert edit_distance(a, b, 3) == edits
    assert edit_distance(b, a, 3) == edits


def test_edit_distance_stops_past_its_limit() -> None:
    assert edit_distance("harbour", "mountain", 2) == 3


def test_a_swap_and_a_substitution_tie_on_edits_and_the_commoner_word_wins() -> None:
    frequencies = {"kreig": 0, "krieg": 900, "kreis": 120}
    found = better_word(
        "kreig",
        lambda word: frequencies.get(word, 0),
        lambda word, edits: [(w, n) for w, n in frequencies.items() if w != word],
    )
    assert found == "krieg"
