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

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from search.query import FieldTerm, Fuzzy, ParsedQuery, Phrase, Prefix, Word, positive_leaves

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


def _letter(ch: str) -> str:
    variants = _FOLDS.get(ch)
    if variants is None:
        return re.escape(ch)
    return "[" + "".join(variants + variants.upper()) + "]"


def _prefix_pattern(form: str) -> str:
    """A pattern for the surface words whose analysed form may begin like ``form``."""
    head = form[: max(1, min(PREFIX_CHARS, len(form) - 1))] if len(form) > 1 else form
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


@dataclass(frozen=True)
class TermMatcher:
    """The analysed forms a query matched, and a prefilter for the words that may have them."""

    exact: frozenset[str]
    prefixes: tuple[str, ...] = ()
    candidates: re.Pattern[str] | None = field(default=None, compare=False)

    @classmethod
    def build(cls, exact: Iterable[str], prefixes: Iterable[str] = ()) -> TermMatcher:
        exact_set = frozenset(t for t in exact if t)
        starts = tuple(p for p in prefixes if p)
        heads = sorted({_prefix_pattern(t) for t in (*exact_set, *starts)}, key=len, reverse=True)
        pattern = None
        if heads:
            pattern = re.compile(rf"(?<!\w)(?:{'|'.join(heads)}){_WORD_TAIL}", re.IGNORECASE)
        return cls(exact_set, starts, pattern)

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
        if self.candidates is None:
            return []
        verdicts: dict[str, bool] = {}
        found = []
        for match in self.candidates.finditer(text):
            word = match.group()
            verdict = verdicts.get(word)
            if verdict is None:
                verdict = verdicts[word] = any(self(t) for t in analyse_word(word))
            if verdict:
                found.append(match.span())
        return found


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
    for leaf in positive_leaves(parsed.root):
        if isinstance(leaf, Word | Phrase):
            exact.update(analyse(leaf.text))
        elif isinstance(leaf, FieldTerm) and leaf.field == "title":
            exact.update(analyse(leaf.value))
        elif isinstance(leaf, Prefix):
            prefixes.append(leaf.stem.lower())
        elif isinstance(leaf, Fuzzy):
            exact.update(fuzzy(leaf))
    return TermMatcher.build(exact, prefixes)
