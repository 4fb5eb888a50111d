"""Which words of a text matched the query: fast, engine-neutral highlighting.

An engine knows the analysed forms its query matched (stems, prefix stems,
fuzzy expansions). Running every word of a 2,000-word article through a
stemmer to find them costs milliseconds per hit, so a regular expression built
from the first letters of those forms first picks the few candidate words in C,
and only candidates are analysed and checked exactly. Stemmers change the ends
of words, and fold a few letters (German umlauts, ß, Russian ё), which the
pattern allows for, so the prefilter misses nothing the exact check would keep.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress

from search.analysis import WORD_PATTERN, exact_text, exact_tokens
from search.query import FieldTerm, Fuzzy, ParsedQuery, Phrase, Prefix, Word, positive_leaves

_PLUS_ONE = (1).__add__
PREFIX_CHARS = 3
"""How many leading letters of an analysed form a candidate word must share."""

_FOLDS: dict[str, str] = {
    "a": "aàáâãäå",
    "e": "eèéêë",
    "i": "iìíîï",
    "o": "oòóôõöø",
    "u": "uùúûü",
    "c": "cç",
    "n": "nñ",
    "y": "yÿ",
    "е": "её",
}
"""Letters a stemmer may have written for an accented letter in the text."""

_WORD_TAIL = r"\w*(?:\.\w+)*"
CASELESS_FROM = 0x20000
"""No character from here on has a case mapping (a test checks): ignoring case, each
matches only itself."""


def _letter(ch: str) -> str:
    variants = _FOLDS.get(ch)
    if variants is None:
        return re.escape(ch)
    return "[" + "".join(variants + variants.upper()) + "]"


def _prefix_pattern(form: str) -> str:
    """A pattern for the surface words whose analysed form may begin like ``form``."""
    head = _head(form)
    parts = []
    i = 0
    while i < len(head):
        if head.startswith("ss", i):
            parts.append("(?:ss|ß|SS)")
            i += 2
            continue
        parts.append(_letter(head[i]))
        i += 1
    return "".join(parts)


@lru_cache(maxsize=1)
def _cased_universe() -> str:
    return "".join(map(chr, range(CASELESS_FROM)))


@lru_cache(maxsize=1024)
def _matching_chars(letter: str) -> frozenset[str]:
    """Every character that ``_letter(letter)`` matches ignoring case (the regular
    expression engine's own case rules, such as the Kelvin sign for k, and ſ for s)."""
    return frozenset({letter, *re.findall(_letter(letter), _cased_universe(), re.IGNORECASE)})


def _first_chars(forms: Iterable[str]) -> str:
    """A character set (escaped) holding every first character of a candidate word."""
    chars: set[str] = set()
    for form in forms:
        chars |= _matching_chars(form[0])
        if form[0] == "s":  # a head beginning "ss" also matches ß
            chars |= _matching_chars("ß")
    return "".join(re.escape(ch) for ch in sorted(chars))


def _leftmost(
    words: list[str], starts: list[int], ends: list[int]
) -> tuple[list[str], list[tuple[int, int]]]:
    """The candidates a left-to-right scan keeps: none starting inside the previous one
    (``a.b`` is one candidate; ``b`` inside it is none)."""
    kept_words, kept = [], []
    last = -1
    for word, start, end in zip(words, starts, ends, strict=True):
        if start >= last:
            kept_words.append(word)
            kept.append((start, end))
            last = end
    return kept_words, kept


@dataclass(frozen=True)
class TermMatcher:
    """The analysed forms a query matched, and a prefilter for the words that may have them."""

    exact: frozenset[str]
    prefixes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    """Phrases of two or more words, as exact (folded, lower-cased) tokens: their words are
    marked only where they stand together, in order."""
    scanner: re.Pattern[str] | None = field(default=None, compare=False)
    """One match per position where a candidate word starts: its first character,
    with the word captured as group 1."""
    ascii_heads: tuple[str, ...] | None = field(default=None, compare=False)
    """The scanner's word beginnings as plain lower-case strings, when all are ASCII
    word characters: in an ASCII text they are all it can match (see ``_ascii_words``)."""

    @classmethod
    def build(
        cls,
        exact: Iterable[str],
        prefixes: Iterable[str] = (),
        phrases: Iterable[Sequence[str]] = (),
    ) -> TermMatcher:
        exact_set = frozenset(t for t in exact if t)
        starts = tuple(p for p in prefixes if p)
        joined = tuple(dict.fromkeys(tuple(p) for p in phrases if len(p) > 1))
        forms = (*exact_set, *starts, *(t for p in joined for t in p))
        heads = sorted({_prefix_pattern(t) for t in forms}, key=len, reverse=True)
        if not heads:
            return cls(exact_set, starts, joined)
        candidate = rf"(?<!\w)(?:{'|'.join(heads)}){_WORD_TAIL}"
        first = _first_chars(forms)
        scanner = rf"(?-i:[{first}])(?<=(?=({candidate}))(?s:.))"
        literal = {_head(t).lower() for t in forms}
        plain = all(_ASCII_WORD.fullmatch(h) for h in literal)
        ascii_heads = tuple(sorted(literal)) if plain else None
        return cls(exact_set, starts, joined, re.compile(scanner, re.IGNORECASE), ascii_heads)

    def __call__(self, analysed: str) -> bool:
        return analysed in self.exact or (
            bool(self.prefixes) and analysed.startswith(self.prefixes)
        )

    def spans(
        self, text: str, analyse_word: Callable[[str], Sequence[str]]
    ) -> list[tuple[int, int]]:
        """Character spans of the words of ``text`` whose analysed form matched.

        ``analyse_word`` gives a word's analysed tokens (none for a stop word).
        """
        if self.scanner is None:
            return []
        ascii_words = None
        if self.ascii_heads is not None and text.isascii():
            ascii_words = _ascii_words(text, self.ascii_heads)
        words, starts, ends = ascii_words or _scanned_words(text, self.scanner)
        if not words:
            return []
        # Lists, sums and zips in C, and each distinct word analysed once: a long body
        # has hundreds of candidates, so no Python code runs per candidate.
        if any(map(operator.lt, starts[1:], ends)):
            words, found = _leftmost(words, starts, ends)
        else:
            found = list(zip(starts, ends, strict=True))
        distinct = set(words)
        accepted = {w for w in distinct if any(self(t) for t in analyse_word(w))}
        if self.phrases:
            marked = set(compress(found, map(accepted.__contains__, words)))
            marked.update(_phrase_spans(text, words, found, self.phrases))
            return sorted(marked)
        if len(accepted) == len(distinct):
            return found
        return list(compress(found, map(accepted.__contains__, words)))


_TOKEN = re.compile(WORD_PATTERN)


def _phrase_spans(
    text: str,
    words: list[str],
    found: list[tuple[int, int]],
    phrases: tuple[tuple[str, ...], ...],
) -> list[tuple[int, int]]:
    """Spans of candidate words that stand together (nothing but spaces and punctuation
    between them) and spell out one of ``phrases`` token by token.

    Every word of a phrase is a candidate (its head is in the scanner), so a phrase in the
    text is a run of neighbouring candidates."""
    tokens: list[str] = []
    owner: list[int] = []
    """The candidate each token comes from; -1 marks a break between non-neighbours."""
    for i, word in enumerate(words):
        if i and _TOKEN.search(text, found[i - 1][1], found[i][0]):
            tokens.append("")
            owner.append(-1)
        for token in exact_tokens(word):
            tokens.append(token)
            owner.append(i)
    spans: set[tuple[int, int]] = set()
    for phrase in phrases:
        n = len(phrase)
        for start in range(len(tokens) - n + 1):
            if tuple(tokens[start : start + n]) == phrase:
                spans.update(found[owner[k]] for k in range(start, start + n))
    return sorted(spans)


_Words = tuple[list[str], list[int], list[int]]
ASCII_FIND_LIMIT = 64
"""Occurrences of the heads in one text past which the scanner takes over."""
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")
_ASCII_CANDIDATE = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
"""What the scanner's candidate pattern matches in ASCII text once its head matched:
the head is word characters, so the word's tail is all there is to add."""


def _head(form: str) -> str:
    """The beginning of ``form`` that ``_prefix_pattern`` turns into a pattern."""
    return form[: max(1, min(PREFIX_CHARS, len(form) - 1))] if len(form) > 1 else form


def _scanned_words(text: str, scanner: re.Pattern[str]) -> _Words:
    """The candidate words of ``text``, their starts and ends, in text order."""
    # gap, word, gap, word, …, gap: each match consumed only its word's first character
    parts = scanner.split(text)
    words = parts[1::2]
    if not words:
        return [], [], []
    gaps = map(len, parts[0:-1:2])
    starts = list(accumulate(map(_PLUS_ONE, gaps), initial=-1))[1:]
    ends = list(map(operator.add, starts, map(len, words)))
    return words, starts, ends


def _ascii_words(text: str, heads: tuple[str, ...]) -> _Words | None:
    """What ``_scanned_words`` finds in an ASCII text, from plain substring searches;
    None when the heads occur too often for a loop in Python to be the cheaper way.

    In ASCII text the scanner's letter variants and case rules come down to the
    lower-case ASCII letters, so a candidate starts where the lower-cased text holds
    a head at a word start. ``str.find`` jumps between a head's occurrences, where
    the scanner's regular expression stops at every occurrence of a first letter.
    """
    low = text.lower()
    found: set[int] = set()
    budget = ASCII_FIND_LIMIT
    for head in heads:
        i = low.find(head)
        while i >= 0:
            budget -= 1
            if budget < 0:
                return None
            if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
                found.add(i)
            i = low.find(head, i + 1)
    words, starts, ends = [], [], []
    for start in sorted(found):
        match = _ASCII_CANDIDATE.match(text, start)
        assert match is not None  # a head of word characters begins there
        words.append(match.group())
        starts.append(start)
        ends.append(match.end())
    return words, starts, ends


def query_terms(
    parsed: ParsedQuery,
    analyse: Callable[[str], Iterable[str]],
    fuzzy: Callable[[Fuzzy], Iterable[str]],
) -> TermMatcher:
    """The analysed forms the positive parts of ``parsed`` search for, in one language.

    ``analyse`` is that language's analyser; ``fuzzy`` gives the terms a fuzzy word
    expanded to in the index. Negated parts are never highlighted.
    """
    exact: set[str] = set()
    prefixes: list[str] = []
    phrases: list[list[str]] = []
    for leaf in positive_leaves(parsed.root):
        if isinstance(leaf, Phrase) and len(tokens := phrase_tokens(leaf.text)) > 1:
            phrases.append(tokens)
        elif isinstance(leaf, Word | Phrase):
            exact.update(analyse(leaf.text))
        elif isinstance(leaf, FieldTerm) and leaf.field == "title":
            exact.update(analyse(leaf.value))
        elif isinstance(leaf, Prefix):
            prefixes.append(exact_text(leaf.stem).lower())
        elif isinstance(leaf, Fuzzy):
            exact.update(fuzzy(leaf))
    return TermMatcher.build(exact, prefixes, phrases)


def phrase_tokens(text: str) -> list[str]:
    """A phrase's words as the exact fields index them (both engines split runs of letters
    and digits and lower-case them)."""
    return exact_tokens(text)
