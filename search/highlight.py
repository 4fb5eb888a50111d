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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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

    def spans(self, text: str, analyse_word: Callable[[str], str | None]) -> list[tuple[int, int]]:
        """Character spans of the words of ``text`` whose analysed form matched."""
        if self.candidates is None:
            return []
        found = []
        for match in self.candidates.finditer(text):
            analysed = analyse_word(match.group())
            if analysed is not None and self(analysed):
                found.append(match.span())
        return found
