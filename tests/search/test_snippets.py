"""Snippets: which fragments are shown, and that their HTML is always safe."""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from search.highlight import CASELESS_FROM, TermMatcher, _prefix_pattern
from search.snippets import (
    _collapse,
    _collapsed_position,
    clean_spans,
    highlight_all,
    make_snippets,
    marked_html,
)
from search.types import Snippet


def spans_of(text: str, pattern: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(pattern, text)]


def test_short_text_with_marks_is_escaped() -> None:
    text = "Tom & <b>Jerry</b> at war"
    (snippet,) = make_snippets(text, spans_of(text, "Jerry|war"))
    assert snippet.text == text
    assert snippet.html == "Tom &amp; &lt;b&gt;<mark>Jerry</mark>&lt;/b&gt; at <mark>war</mark>"
    assert snippet.matches == ((9, 14), (22, 25))


def test_no_spans_gives_the_start_of_the_text() -> None:
    text = "First words of a long article. " * 20
    (snippet,) = make_snippets(text, [], fragment_chars=40)
    assert snippet.text == "First words of a long article. First …"
    assert snippet.matches == ()
    assert "<mark>" not in snippet.html


def test_empty_text_gives_no_snippets() -> None:
    assert make_snippets("", [(0, 3)]) == ()
    assert make_snippets(" \n\t ", []) == ()


def test_whitespace_is_collapsed_and_offsets_follow() -> None:
    text = "war\n\n   and \t peace"
    (snippet,) = make_snippets(text, spans_of(text, "peace|war"))
    assert snippet.text == "war and peace"
    assert snippet.matches == ((0, 3), (8, 13))
    assert snippet.html == "<mark>war</mark> and <mark>peace</mark>"


def test_fragments_are_cut_at_words_with_ellipses() -> None:
    text = "alpha " * 50 + "the Karabakh war began " + "omega " * 50
    (snippet,) = make_snippets(text, spans_of(text, "Karabakh"), max_fragments=1, fragment_chars=60)
    assert snippet.text.startswith("… alpha")
    assert snippet.text.endswith("omega …")
    assert "Karabakh war began" in snippet.text
    words = snippet.text.strip("… ").split(" ")
    assert set(words) <= {"alpha", "the", "Karabakh", "war", "began", "omega"}
    start, end = snippet.matches[0]
    assert snippet.text[start:end] == "Karabakh"


def test_best_and_most_varied_fragments_in_text_order() -> None:
    filler = "lorem ipsum dolor sit amet " * 12
    text = (
        "one war here. "
        + filler
        + "war and peace and war again. "
        + filler
        + "peace and truce. "
        + filler
        + "nothing else"
    )
    spans = spans_of(text, "war|peace|truce")
    snippets = make_snippets(text, spans, max_fragments=2, fragment_chars=80)
    marked = [{snip.text[a:b] for a, b in snip.matches} for snip in snippets]
    # The richest fragment, then the one adding a word not yet shown ("truce"), not the
    # earlier "one war here"; shown in the text's order.
    assert marked == [{"war", "peace"}, {"peace", "truce"}]
    assert "war and peace and war again." in snippets[0].text
    assert "peace and truce." in snippets[1].text
    one = make_snippets(text, spans, max_fragments=1, fragment_chars=80)
    assert one == snippets[:1]


def test_at_most_max_fragments_and_no_overlap() -> None:
    text = " ".join(f"word{i} war" for i in range(400))
    snippets = make_snippets(text, spans_of(text, "war"), max_fragments=3, fragment_chars=100)
    assert len(snippets) == 3
    bodies = [s.text.strip("… ") for s in snippets]
    positions = [text.index(b) for b in bodies]
    assert positions == sorted(positions)
    for (a, body_a), b in zip(zip(positions, bodies, strict=True), positions[1:], strict=False):
        assert a + len(body_a) <= b


def test_spans_are_clipped_and_merged() -> None:
    assert clean_spans("abcdef", [(4, 99), (-3, 2), (1, 3), (5, 5), (3, 1)]) == [(0, 3), (4, 6)]


def test_highlight_all_for_titles() -> None:
    assert (
        highlight_all("A & B <c>", [(0, 1), (4, 5)])
        == "<mark>A</mark> &amp; <mark>B</mark> &lt;c&gt;"
    )
    assert highlight_all('"quoted"', []) == "&quot;quoted&quot;"
    assert marked_html("x", []) == "x"


def test_many_matches_in_a_long_text_are_fast() -> None:
    import time

    text = "war " * 50_000
    begun = time.perf_counter()
    snippets = make_snippets(text, spans_of(text, "war"))
    assert time.perf_counter() - begun < 2.0  # a shared 2-core machine
    assert 1 <= len(snippets) <= 3


# ---------------------------------------------------------------- properties


def unmark(markup: str) -> str:
    return markup.replace("<mark>", "").replace("</mark>", "")


def check_safe(snippet: Snippet) -> None:
    plain = unmark(snippet.html)
    assert "<" not in plain and ">" not in plain
    assert re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", plain) is None
    assert plain == html.escape(snippet.text)
    assert snippet.html.count("<mark>") == snippet.html.count("</mark>") == len(snippet.matches)
    assert re.search(r"<mark>(?:(?!</mark>).)*<mark>", snippet.html, re.S) is None
    marked = re.findall(r"<mark>(.*?)</mark>", snippet.html, re.S)
    pointed = [html.escape(snippet.text[a:b]) for a, b in snippet.matches]
    assert marked == pointed
    assert all(0 <= a < b <= len(snippet.text) for a, b in snippet.matches)
    assert list(snippet.matches) == sorted(snippet.matches)


PIECES = st.sampled_from([*"ab <>&\"'\n\t…é", "</mark>", "<mark>", "  \n "])
TEXT = st.lists(PIECES, max_size=150).map("".join)


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(st.one_of(TEXT, st.text(max_size=300)))
    bound = st.integers(min_value=0, max_value=len(text))
    pairs = draw(st.lists(st.tuples(bound, bound), max_size=30))
    return text, [(min(a, b), max(a, b)) for a, b in pairs]


@settings(max_examples=500, deadline=None)
@given(text_and_spans(), st.integers(1, 4), st.integers(10, 300))
def test_snippets_are_always_safe(
    case: tuple[str, list[tuple[int, int]]], fragments: int, size: int
) -> None:
    text, spans = case
    snippets = make_snippets(text, spans, max_fragments=fragments, fragment_chars=size)
    assert len(snippets) <= fragments
    assert bool(snippets) == bool(text.strip())
    for snippet in snippets:
        check_safe(snippet)


@settings(max_examples=300, deadline=None)
@given(text_and_spans())
def test_highlight_all_is_always_safe(case: tuple[str, list[tuple[int, int]]]) -> None:
    text, spans = case
    markup = highlight_all(text, spans)
    assert unmark(markup) == html.escape(text)
    assert markup.count("<mark>") == markup.count("</mark>") == len(clean_spans(text, spans))


# ------------------------------------------------- fast paths against plain definitions

SPACES = st.sampled_from([" ", "  ", "\n", "\t \n", "\u00a0", "\u2003", "\x1c", "\x85"])
SPACED = st.lists(st.one_of(SPACES, st.sampled_from(["a", "bc", "é", "…", "<", "\u200b"]))).map(
    "".join
)


@settings(max_examples=500, deadline=None)
@given(SPACED, st.data())
def test_collapse_is_a_whitespace_substitution(raw: str, data: st.DataObject) -> None:
    """What ``str.split`` treats as whitespace is exactly what ``\\s`` matches."""
    assert _collapse(raw) == re.sub(r"\s+", " ", raw)
    i = data.draw(st.integers(0, len(raw)))
    assert _collapsed_position(raw, i) == len(re.sub(r"\s+", " ", raw[:i]))


def test_collapsed_positions_inside_and_after_a_run() -> None:
    raw = "ab \n\t cd"  # the run "␠\n\t␠" becomes one space at 2
    assert [_collapsed_position(raw, i) for i in range(len(raw) + 1)] == [
        0, 1, 2, 3, 3, 3, 3, 4, 5,
    ]  # fmt: skip


def test_no_cased_characters_past_caseless_from() -> None:
    """Above ``CASELESS_FROM`` ignoring case matches a character with itself only, so the
    scanner's set of first characters needs no entries from there."""
    for code in range(CASELESS_FROM, sys.maxunicode + 1):
        ch = chr(code)
        assert ch.lower() == ch == ch.upper(), hex(code)


Analyse = Callable[[str], Sequence[str]]


def plain_spans(matcher: TermMatcher, text: str, analyse: Analyse) -> list[tuple[int, int]]:
    """The candidate scan written plainly: one left-to-right ``finditer`` of
    ``(?<!\\w)(?:heads)tail`` and each candidate word checked."""
    forms = (*matcher.exact, *matcher.prefixes)
    if not forms:
        return []
    heads = sorted({_prefix_pattern(t) for t in forms}, key=len, reverse=True)
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(heads)})\w*(?:\.\w+)*", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text) if any(matcher(t) for t in analyse(m.group()))]


def casefold_word(word: str) -> Sequence[str]:
    return tuple(part for part in word.casefold().split(".") if part)


WORD_CHARS = "aeioustkſKßẞİıñé.'’-_1 \n"
FORMS = st.lists(st.text(alphabet="aeioustkßıiñé'.", min_size=1, max_size=5), max_size=4)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=WORD_CHARS, max_size=120), FORMS, FORMS)
def test_matcher_spans_are_those_of_the_plain_scan(
    text: str, exact: list[str], prefixes: list[str]
) -> None:
    matcher = TermMatcher.build(exact, prefixes)
    assert matcher.spans(text, casefold_word) == plain_spans(matcher, text, casefold_word)


def test_matcher_spans_on_dotted_words_and_case_variants() -> None:
    matcher = TermMatcher.build(["foo", "bar", "strasse", "kelvin", "ssaal"])
    text = "foo.bar bar.x xfoo STRASSE Straße \u017ftrasse \u212aelvin İstanbul ßaal"
    spans = matcher.spans(text, casefold_word)
    assert spans == plain_spans(matcher, text, casefold_word)
    # "foo.bar" is one candidate (its "bar" is no second one); ignoring case, the long s
    # matches s and the Kelvin sign k, as the regular expression engine has them; a form
    # beginning "ss" matches a word beginning ß
    words = [text[a:b] for a, b in spans]
    assert words == [
        "foo.bar", "bar.x", "STRASSE", "Straße", "\u017ftrasse", "\u212aelvin", "ßaal",
    ]  # fmt: skip
