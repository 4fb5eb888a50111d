"""The query language parser: constructs, interpretation, fallback and limits."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import limits
from search.errors import BadRequest, QueryTooComplex
from search.query import (
    FALLBACK_NOTICE,
    And,
    DatePoint,
    DateRange,
    FieldTerm,
    Fuzzy,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    any_words,
    clean_text,
    parse_query,
)


def root(text: str) -> object:
    parsed = parse_query(text)
    assert parsed.notices == (), parsed.notices
    return parsed.root


def test_words_are_and_ed() -> None:
    assert root("karabakh war") == And((Word("karabakh"), Word("war")))
    assert root("  war  ") == Word("war")


def test_empty_and_punctuation_only_queries_match_everything() -> None:
    assert parse_query("").root is None
    assert parse_query("   ").root is None
    assert parse_query("- , ;").root is None
    assert parse_query("").interpreted() == ""


def test_phrases() -> None:
    assert root('"war  of\twords" peace') == And((Phrase("war of words"), Word("peace")))
    assert root('""') is None


def test_or_binds_tighter_than_and() -> None:
    assert root("karabakh war OR conflict") == And(
        (Word("karabakh"), Or((Word("war"), Word("conflict"))))
    )
    assert root("a | b") == Or((Word("a"), Word("b")))
    assert root("a or b") == And((Word("a"), Word("or"), Word("b")))  # lower-case is a word
    assert root("a AND b") == And((Word("a"), Word("b")))


def test_exclusions() -> None:
    assert root("war -peace") == And((Word("war"), Not(Word("peace"))))
    assert root("war NOT peace") == And((Word("war"), Not(Word("peace"))))
    assert root('-"cold war"') == Not(Phrase("cold war"))
    assert root("-(-war)") == Word("war")
    assert root("well-known") == Word("well-known")


def test_parentheses() -> None:
    assert root("(a OR b) c") == And((Or((Word("a"), Word("b"))), Word("c")))
    assert root("-(a b)") == Not(And((Word("a"), Word("b"))))
    assert root("((a))") == Word("a")


def test_fields() -> None:
    assert root("title:Krieg") == FieldTerm("title", "Krieg")
    assert root('tag:"Foreign Policy"') == FieldTerm("tags", "Foreign Policy")
    assert root("TAGS:russia") == FieldTerm("tags", "russia")
    assert root('publication:"Eurasia  Daily Monitor"') == FieldTerm(
        "publication", "Eurasia Daily Monitor"
    )
    assert root("lang:German") == FieldTerm("lang", "de")
    assert root("lang:en-GB") == FieldTerm("lang", "en")
    assert root("author:smith") == FieldTerm("author", "smith")
    assert root("-tags:sport") == Not(FieldTerm("tags", "sport"))


@pytest.mark.parametrize(
    "text", ["id:x", "body_en:x", "spell:x", "path:x", "translation_key:x", "foo:bar", "http://x"]
)
def test_hidden_and_unknown_fields_are_plain_words(text: str) -> None:
    assert root(text) == Word(text)


def test_unknown_field_with_a_phrase() -> None:
    assert root('foo:"bar baz"') == And((Word("foo:"), Phrase("bar baz")))


def test_prefix_and_fuzzy() -> None:
    assert root("karab*") == Prefix("karab")
    assert root("karabah~") == Fuzzy("karabah", 1)
    assert root("karabah~2") == Fuzzy("karabah", 2)
    assert root("karabah~0") == Word("karabah")
    assert root("what?") == Word("what")
    assert root("OR?") == Word("or")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("date:2020-01..2020-12", DatePoint(2020, 1), DatePoint(2020, 12)),
        ("date:2020..2021", DatePoint(2020), DatePoint(2021)),
        ("date:2020-10-20", DatePoint(2020, 10, 20), DatePoint(2020, 10, 20)),
        ("date:>=2020-01", DatePoint(2020, 1), None),
        ("date:..2019", None, DatePoint(2019)),
        ("date:2019..", DatePoint(2019), None),
        ("date:>2020", DatePoint(2021), None),
        ("date:>2020-12", DatePoint(2021, 1), None),
        ("date:<2020-03-01", None, DatePoint(2020, 2, 29)),
        ("date:<=2020-02", None, DatePoint(2020, 2)),
        ("date:2021..2019", DatePoint(2019), DatePoint(2021)),
        ('date:"2020-1"', DatePoint(2020, 1), DatePoint(2020, 1)),
    ],
)
def test_date_ranges(text: str, start: DatePoint | None, end: DatePoint | None) -> None:
    assert root(text) == DateRange(start, end)


def test_date_point_days() -> None:
    assert DatePoint(2020, 2).last_day().day == 29
    assert DatePoint(2021).last_day().isoformat() == "2021-12-31"
    assert DatePoint(2021, 3).first_day().isoformat() == "2021-03-01"


@pytest.mark.parametrize("text", ["date:2020-13", "date:yesterday", "date:..", "date:>9999"])
def test_bad_dates_are_words_with_a_notice(text: str) -> None:
    parsed = parse_query(text)
    assert parsed.root == Word(text)
    assert len(parsed.notices) == 1
    assert "not a date" in parsed.notices[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b OR c", "a (b OR c)"),
        ("a   b", "a b"),
        ("(a OR b) OR c", "(a OR b) OR c"),
        ("x NOT y", "x -y"),
        ("-(a b)", "-(a b)"),
        ("tag:Russia", "tags:Russia"),
        ('title:"a  b"', 'title:"a b"'),
        ("lang:Deutsch", "lang:de"),
        ("date:2020-1..2020-3", "date:2020-01..2020-03"),
        ("date:2020-10-20", "date:2020-10-20"),
        ("date:<2020", "date:..2019"),
        ("k~", "k~1"),
        ("a | b", "a OR b"),
    ],
)
def test_interpreted(text: str, expected: str) -> None:
    parsed = parse_query(text)
    assert parsed.interpreted() == expected
    assert parse_query(expected).root == parsed.root


def test_positive_words_skip_negated_parts() -> None:
    parsed = parse_query('war "cold peace" karab* -nato title:Krieg tags:x NOT (a -b)')
    assert parsed.positive_words() == ("war", "cold", "peace", "karab", "Krieg", "b")


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('"karabakh war', 'a quotation mark is not closed: “"karabakh war”'),
        ("(karabakh war", "a ( is not closed: “(karabakh war”"),
        ("karabakh) war", "a ) has no (: “karabakh) war”"),
        ("a OR", "an operator has no word to work on: “a OR”"),
        ("OR a", "an operator has no word to work on: “OR a”"),
    ],
)
def test_broken_syntax_falls_back_to_words_saying_what_failed(text: str, quoted: str) -> None:
    parsed = parse_query(text)
    (notice,) = parsed.notices
    assert notice.startswith(FALLBACK_NOTICE) and quoted in notice
    assert parsed.root in (And((Word("karabakh"), Word("war"))), Word("a"))


def test_the_notice_quotes_only_the_part_around_the_problem() -> None:
    text = "first words of a long query then (an unclosed group and more words after it"
    (notice,) = parse_query(text).notices
    assert "“…query then (an unclosed…”" in notice
    assert "first words" not in notice


def test_dangling_operators_fall_back() -> None:
    (notice,) = parse_query("war NOT").notices
    assert "an operator has no word to work on: “war NOT”" in notice
    assert parse_query("war AND").root == Word("war")
    assert parse_query("a OR OR b").root == And((Word("a"), Word("b")))


def test_match_any_ors_the_words_but_keeps_filters_and_exclusions() -> None:
    parsed = parse_query("a (b c) -d tags:x", match="any")
    either = Or((Word("a"), And((Word("b"), Word("c")))))
    assert parsed.root == And((either, Not(Word("d")), FieldTerm("tags", "x")))
    assert parsed.interpreted() == "(a OR (b c)) -d tags:x"
    assert any_words(parse_query("a b")).root == Or((Word("a"), Word("b")))
    assert any_words(parse_query("a")) == parse_query("a")
    assert parse_query('"x y', match="any").root == Or((Word("x"), Word("y")))


def test_purely_negative_query() -> None:
    assert root("-war -tags:sport") == And((Not(Word("war")), Not(FieldTerm("tags", "sport"))))


def test_control_characters_are_stripped() -> None:
    assert root("war\x00peace") == And((Word("war"), Word("peace")))
    assert root("kara\u00adbakh\u200b\x07") == Word("karabakh")
    assert root("a\tb\nc") == And((Word("a"), Word("b"), Word("c")))
    assert root("\ud800war") == Word("war")


# ---------------------------------------------------------------- caps


def refused(text: str, code: str) -> None:
    begun = time.perf_counter()
    with pytest.raises(QueryTooComplex) as caught:
        parse_query(text)
    assert caught.value.code == code
    assert caught.value.message
    assert time.perf_counter() - begun < 0.5


def test_caps_are_fast_errors() -> None:
    with pytest.raises(QueryTooComplex):
        parse_query("(" * 5_000 + "a")
    refused("(" * 900 + "a", "too_deep")
    refused("(" * (limits.MAX_DEPTH + 1) + "a" + ")" * (limits.MAX_DEPTH + 1), "too_deep")
    refused("x" * 100_000, "query_too_long")
    refused("x" * (limits.MAX_TERM_CHARS + 1), "term_too_long")
    refused(f'"{"y" * (limits.MAX_TERM_CHARS + 1)} z"', "term_too_long")
    refused(" OR ".join(["w"] * 500)[: limits.MAX_QUERY_CHARS], "too_many_terms")
    refused(" ".join(["w"] * (limits.MAX_TERMS + 1)), "too_many_terms")
    refused('"' + " ".join(["w"] * (limits.MAX_TERMS + 1)), "too_many_terms")  # via the fallback
    refused("*", "leading_wildcard")
    refused("*foo", "leading_wildcard")
    refused("?ab", "leading_wildcard")
    refused("????", "leading_wildcard")
    refused("a*", "prefix_too_short")
    refused("fo?o", "inner_wildcard")
    refused("f*o", "inner_wildcard")
    refused("foo**", "inner_wildcard")
    refused("war~3", "too_many_edits")


def test_within_caps_is_fine() -> None:
    text = "(" * limits.MAX_DEPTH + "a" + ")" * limits.MAX_DEPTH
    assert parse_query(text).root == Word("a")
    assert len(parse_query(" ".join(["w"] * limits.MAX_TERMS)).root.children) == limits.MAX_TERMS  # type: ignore[union-attr]
    assert parse_query("ab*").root == Prefix("ab")


def test_query_too_complex_is_a_bad_request() -> None:
    assert issubclass(QueryTooComplex, BadRequest)


# ---------------------------------------------------------------- properties

QUERY_ALPHABET = st.sampled_from(
    [*'abcxyzKR0123 \t"()-|*?~:.<>=', "OR", "AND", "NOT", "title:", "tags:", "date:", "2020"]
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_is_refused(text: str) -> None:
    """Never a crash: a refusal names a cap; a parse invents no word and prints back."""
    try:
        parsed = parse_query(text)
    except BadRequest as exc:
        assert isinstance(exc, QueryTooComplex)
        assert exc.code != QueryTooComplex.code and exc.message  # which cap, and why
        return
    folded = clean_text(text).casefold()  # format characters (soft hyphens…) are dropped
    assert all(word.casefold() in folded for word in parsed.positive_words())
    parse_query(parsed.interpreted())  # the interpretation shown is itself a query


@settings(max_examples=600, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=25).map("".join))
def test_interpreted_round_trips(text: str) -> None:
    try:
        parsed = parse_query(text)
    except QueryTooComplex:
        return
    if parsed.notices:
        return
    again = parse_query(parsed.interpreted())
    assert again.root == parsed.root
    assert again.notices == ()
