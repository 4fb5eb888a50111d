"""The query language: text → our own AST, engine-neutral and pure.

Grammar (OR binds tighter than the implicit AND, as in web search boxes, so
``karabakh war OR conflict`` means karabakh AND (war OR conflict))::

    query   := clause*                      implicit AND ("AND" is accepted and ignored)
    clause  := unary (("OR" | "|") unary)*
    unary   := ("-" | "NOT")* primary
    primary := "(" query ")" | '"phrase"' | field ":" value | word

A word is a plain word, ``stem*`` (prefix), ``word~`` / ``word~2`` (fuzzy).
Fields are a whitelist (:data:`FIELDS`); anything else before a colon is part
of a plain word, so hidden index fields can never be reached.

Text that does not parse (unbalanced quotes or parentheses, a dangling OR) is
not an error: the words it contains are searched for and a notice says so.
Breaking a cap (:mod:`search.limits`) is an error, raised before any slow work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from search import limits
from search.errors import QueryTooComplex
from search.languages import normalise_lang
from search.querydates import DatePoint, parse_date_range

FIELDS: dict[str, str] = {
    "title": "title",
    "tags": "tags",
    "tag": "tags",
    "publication": "publication",
    "lang": "lang",
    "author": "author",
}
"""Field names people may type (lower-cased) → the field they mean. ``date`` is separate."""

FALLBACK_NOTICE = "Your query could not be parsed as written"
"""How the notice of a query searched as plain words begins; ``fallback_notice`` ends it
with what failed and where."""


# ---------------------------------------------------------------- the AST


@dataclass(frozen=True, slots=True)
class Word:
    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    """The words between the quotes, whitespace collapsed."""


@dataclass(frozen=True, slots=True)
class Prefix:
    stem: str


@dataclass(frozen=True, slots=True)
class Fuzzy:
    text: str
    edits: int


@dataclass(frozen=True, slots=True)
class FieldTerm:
    field: str
    """One of the values of :data:`FIELDS`."""
    value: str
    """``lang`` values are normalised codes; others are as typed (engines fold case)."""


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive: from the first day of ``start`` to the last day of ``end``; None is open."""

    start: DatePoint | None
    end: DatePoint | None


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class MatchAll:
    """Every document. The parser never makes one; engines and callers may."""


Node = Word | Phrase | Prefix | Fuzzy | FieldTerm | DateRange | And | Or | Not | MatchAll
Leaf = Word | Phrase | Prefix | Fuzzy | FieldTerm | DateRange


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    root: Node | None
    """None for an empty query: match everything."""
    notices: tuple[str, ...] = ()

    def interpreted(self) -> str:
        """The query as understood, in the query language; it parses back to the same AST."""
        return "" if self.root is None else _format(self.root)

    def positive_words(self) -> tuple[str, ...]:
        """Words, phrase words, prefix stems, fuzzy words and title words not under a NOT."""
        seen: dict[str, None] = {}
        for leaf in positive_leaves(self.root):
            for word in _leaf_words(leaf):
                seen.setdefault(word, None)
        return tuple(seen)


def positive_leaves(node: Node | None, positive: bool = True) -> Iterator[Leaf]:
    """The leaves that must (or may) match, i.e. under an even number of NOTs."""
    if node is None or isinstance(node, MatchAll):
        return
    if isinstance(node, And | Or):
        for child in node.children:
            yield from positive_leaves(child, positive)
    elif isinstance(node, Not):
        yield from positive_leaves(node.child, not positive)
    elif positive:
        yield node


def _leaf_words(leaf: Leaf) -> tuple[str, ...]:
    if isinstance(leaf, Word):
        return (leaf.text,)
    if isinstance(leaf, Phrase):
        return tuple(leaf.text.split())
    if isinstance(leaf, Prefix):
        return (leaf.stem,)
    if isinstance(leaf, Fuzzy):
        return (leaf.text,)
    if isinstance(leaf, FieldTerm) and leaf.field in ("title", "author"):
        return tuple(leaf.value.split())
    return ()


# ---------------------------------------------------------------- formatting

_NEEDS_QUOTES = re.compile(r'[\s()|"]|^$|^-')


def _format(node: Node) -> str:
    if isinstance(node, Word):
        return node.text
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Prefix):
        return f"{node.stem}*"
    if isinstance(node, Fuzzy):
        return f"{node.text}~{node.edits}"
    if isinstance(node, FieldTerm):
        value = f'"{node.value}"' if _NEEDS_QUOTES.search(node.value) else node.value
        return f"{node.field}:{value}"
    if isinstance(node, DateRange):
        return _format_dates(node)
    if isinstance(node, Not):
        return f"-{_format_child(node.child)}"
    if isinstance(node, And):
        return " ".join(_format_child(child) for child in node.children)
    if isinstance(node, Or):
        return " OR ".join(_format_child(child) for child in node.children)
    return ""


def _format_child(node: Node) -> str:
    # Every group inside a group keeps its parentheses, so the structure round-trips.
    if isinstance(node, And | Or):
        return f"({_format(node)})"
    return _format(node)


def _format_dates(node: DateRange) -> str:
    start = "" if node.start is None else str(node.start)
    end = "" if node.end is None else str(node.end)
    if node.start is not None and node.start == node.end:
        return f"date:{start}"
    return f"date:{start}..{end}"


# ---------------------------------------------------------------- scanning

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<bar>\|)
  | (?P<minus>-(?=[^\s)|]))
  | (?P<fieldphrase>(?P<fname>[^\W\d_]+):"(?P<fvalue>[^"]*)")
  | (?P<phrase>"(?P<ptext>[^"]*)")
  | (?P<word>[^\s()"|]+)
    """,
    re.VERBOSE,
)

TokenKind = Literal["(", ")", "OR", "AND", "NOT", "-", "phrase", "fieldphrase", "word"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    text: str
    field: str = ""
    start: int = 0
    end: int = 0


class _SyntaxProblem(Exception):
    """The text does not parse: fall back to its words. ``start``/``end`` delimit the
    part of the text that failed, for the notice."""

    def __init__(self, reason: str, start: int, end: int) -> None:
        super().__init__(reason)
        self.reason, self.start, self.end = reason, start, end


EXCERPT_CONTEXT = 15
"""Characters of the query shown on each side of the part that failed."""


def fallback_notice(text: str, problem: _SyntaxProblem | None = None) -> str:
    """``Your query could not be parsed as written (a quotation mark is not closed:
    “"karabakh war”); searched for the words instead.``"""
    if problem is None:
        return f"{FALLBACK_NOTICE}; searched for the words instead."
    start = max(0, problem.start - EXCERPT_CONTEXT)
    end = min(len(text), problem.end + EXCERPT_CONTEXT)
    if start:  # whole words only: move in to a space, never past the part that failed
        start = text.find(" ", start, problem.start) + 1 or problem.start
    if end < len(text):
        end = text.rfind(" ", problem.end, end) if " " in text[problem.end : end] else end
    excerpt = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return f"{FALLBACK_NOTICE} ({problem.reason}: “{excerpt}”); searched for the words instead."


def clean_text(text: str) -> str:
    """Control characters (NUL, tabs, newlines…) become spaces; format characters (soft
    hyphens, zero-width joiners, bidi overrides) and lone surrogates are dropped."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            out.append(" ")
        elif category not in ("Cf", "Cs"):
            out.append(ch)
    return "".join(out)


def _scan(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    depth = 0
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # only an unterminated quote stops the scanner
            raise _SyntaxProblem("a quotation mark is not closed", pos, len(text))
        pos = match.end()
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "lparen":
            depth += 1
            if depth > limits.MAX_DEPTH:
                raise QueryTooComplex(
                    f"Parentheses are nested more than {limits.MAX_DEPTH} deep.", code="too_deep"
                )
        elif kind == "rparen":
            depth -= 1
            if depth < 0:
                raise _SyntaxProblem("a ) has no (", match.start(), match.end())
        tokens.append(_token(match))
    return tokens


def _token(match: re.Match[str]) -> _Token:
    kind = match.lastgroup
    start, end = match.start(), match.end()
    if kind == "fieldphrase":
        return _Token("fieldphrase", match["fvalue"], match["fname"], start, end)
    if kind == "phrase":
        return _Token("phrase", match["ptext"], "", start, end)
    if kind == "word":
        word = match["word"]
        return _Token(_KEYWORDS.get(word, "word"), word, "", start, end)
    return _Token(_SYMBOLS[kind or ""], match[0], "", start, end)


_KEYWORDS: dict[str, TokenKind] = {"OR": "OR", "AND": "AND", "NOT": "NOT"}
_SYMBOLS: dict[str, TokenKind] = {"lparen": "(", "rparen": ")", "bar": "OR", "minus": "-"}


def _check_terms(words: list[str]) -> None:
    if any(len(word) > limits.MAX_TERM_CHARS for word in words):
        raise QueryTooComplex(
            f"A term is longer than {limits.MAX_TERM_CHARS} characters.", code="term_too_long"
        )
    if len(words) > limits.MAX_TERMS:
        raise QueryTooComplex(
            f"The query has {len(words)} terms; at most {limits.MAX_TERMS} are allowed.",
            code="too_many_terms",
        )


def _token_words(tokens: list[_Token]) -> list[str]:
    kinds = ("word", "phrase", "fieldphrase")
    return [w for t in tokens if t.kind in kinds for w in t.text.split() or [t.text]]


# ---------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.notices: list[str] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def problem(self, reason: str, token: _Token | None) -> _SyntaxProblem:
        """A syntax problem at ``token`` (the last one taken when None)."""
        token = token or self.tokens[max(self.pos - 1, 0)]
        return _SyntaxProblem(reason, token.start, token.end)

    def query(self, closing: bool) -> list[Node]:
        """Clauses up to the end, or up to a ``)`` when ``closing``; the scanner caps the depth."""
        clauses: list[Node] = []
        while (token := self.peek()) is not None:
            if token.kind == ")":
                if not closing:
                    raise self.problem("a ) has no (", token)
                return clauses
            if token.kind == "AND":
                self.take()
                if self.peek() is None or not clauses:
                    raise self.problem("AND needs words on both sides", token)
                continue
            clause = self.clause()
            if clause is not None:
                clauses.append(clause)
        if closing:
            opening = next(t for t in reversed(self.tokens) if t.kind == "(")
            raise self.problem("a ( is not closed", opening)
        return clauses

    def clause(self) -> Node | None:
        parts = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            parts.append(self.unary())
        kept = [part for part in parts if part is not None]
        return _group(Or, kept)

    def unary(self) -> Node | None:
        negations = 0
        while (token := self.peek()) is not None and token.kind in ("-", "NOT"):
            self.take()
            negations += 1
        token = self.peek()
        if token is None or token.kind in (")", "OR", "AND"):
            raise self.problem("an operator has no word to work on", token)
        node = self.primary()
        while isinstance(node, Not):  # -(-a) is a
            node = node.child
            negations += 1
        if node is None or negations % 2 == 0:
            return node
        return Not(node)

    def primary(self) -> Node | None:
        token = self.take()
        if token.kind == "(":
            inner = self.query(closing=True)
            self.take()  # the ")"
            return _group(And, inner)
        if token.kind == "phrase":
            return _phrase(token.text)
        if token.kind == "fieldphrase":
            return self.field_value(token.field, token.text, quoted=True)
        return self.word(token.text)

    def word(self, text: str) -> Node | None:
        name, colon, value = text.partition(":")
        if colon and value and name.isalpha():
            return self.field_value(name, value, quoted=False)
        return _word(text)

    def field_value(self, name: str, value: str, *, quoted: bool) -> Node | None:
        key = name.lower()
        if key == "date":
            bounds = parse_date_range(value)
            if bounds is None:
                self.notices.append(
                    f"“date:{value}” is not a date or date range; searched as words."
                )
                return _phrase(value) if quoted else _word(f"{name}:{value}")
            return DateRange(*bounds)
        field = FIELDS.get(key)
        text = " ".join(value.split())
        if field is None:
            if quoted:  # foo:"bar baz" is the word foo: and a phrase
                return _group(And, [n for n in (_word(f"{name}:"), _phrase(value)) if n])
            return _word(f"{name}:{value}")
        if not text:
            return None
        if field == "lang":
            text = normalise_lang(text) or text.casefold()
        return FieldTerm(field, text)


def _group(kind: type[And] | type[Or], nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return kind(tuple(nodes))


def _phrase(text: str) -> Node | None:
    words = " ".join(text.split())
    return Phrase(words) if _has_word_char(words) else None


def _has_word_char(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


_FUZZY = re.compile(r"^(?P<text>.*?)~(?P<edits>\d{0,3})$")


def _word(raw: str) -> Node | None:
    """A plain word, a ``stem*`` prefix or a ``word~N`` fuzzy word; wildcard abuse is refused."""
    text = raw.rstrip("?") if _has_word_char(raw) else raw  # "what?" is a question, not a wildcard
    if text in _KEYWORDS:  # "OR?" is the word "or"; the analysers fold case anyway
        text = text.lower()
    if text[:1] in ("*", "?"):
        raise QueryTooComplex(
            "Words cannot start with a wildcard (* or ?).", code="leading_wildcard"
        )
    if "?" in text or "*" in text[:-1]:
        raise QueryTooComplex(
            "Only a trailing * is supported as a wildcard (as in karab*).", code="inner_wildcard"
        )
    if text.endswith("*"):
        stem = text[:-1]
        if sum(ch.isalnum() for ch in stem) < limits.MIN_PREFIX:
            raise QueryTooComplex(
                f"A prefix needs at least {limits.MIN_PREFIX} letters before the *.",
                code="prefix_too_short",
            )
        return Prefix(stem)
    fuzzy = _FUZZY.match(text)
    if fuzzy and _has_word_char(fuzzy["text"]) and "~" not in fuzzy["text"]:
        edits = int(fuzzy["edits"] or 1)
        if edits > limits.MAX_FUZZY_EDITS:
            raise QueryTooComplex(
                f"Fuzzy words allow at most {limits.MAX_FUZZY_EDITS} edits.", code="too_many_edits"
            )
        return Fuzzy(fuzzy["text"], edits) if edits else Word(fuzzy["text"])
    return Word(text) if _has_word_char(text) else None


# ---------------------------------------------------------------- entry points


def parse_query(text: str, match: Literal["all", "any"] = "all") -> ParsedQuery:
    """Parse ``text``; raises ``QueryTooComplex`` over a cap, never a syntax error."""
    if len(text) > limits.MAX_QUERY_CHARS:
        raise QueryTooComplex(
            f"The query is longer than {limits.MAX_QUERY_CHARS} characters.", code="query_too_long"
        )
    cleaned = clean_text(text)
    try:
        tokens = _scan(cleaned)
    except _SyntaxProblem as problem:
        return _fallback(cleaned, match, problem)
    _check_terms(_token_words(tokens))
    parser = _Parser(tokens)
    try:
        clauses = parser.query(closing=False)
    except _SyntaxProblem as problem:
        return _fallback(cleaned, match, problem)
    parsed = ParsedQuery(_group(And, clauses), tuple(parser.notices))
    return any_words(parsed) if match == "any" else parsed


def _fallback(text: str, match: Literal["all", "any"], problem: _SyntaxProblem) -> ParsedQuery:
    words = [w for w in re.findall(r"\w+", text) if w not in ("OR", "AND", "NOT")]
    _check_terms(words)
    nodes: list[Node] = [Word(word) for word in words]
    parsed = ParsedQuery(_group(And, nodes), (fallback_notice(text, problem),))
    return any_words(parsed) if match == "any" else parsed


def any_words(parsed: ParsedQuery) -> ParsedQuery:
    """Top-level words, phrases and groups OR-ed; field terms and exclusions still apply to all."""
    root = parsed.root
    if not isinstance(root, And):
        return parsed
    text = [c for c in root.children if not isinstance(c, FieldTerm | DateRange | Not)]
    filters = [c for c in root.children if isinstance(c, FieldTerm | DateRange | Not)]
    if len(text) < 2:
        return parsed
    either = Or(tuple(text))
    new_root = And((either, *filters)) if filters else either
    return ParsedQuery(new_root, parsed.notices)


__all__ = [
    "FALLBACK_NOTICE",
    "FIELDS",
    "And",
    "DatePoint",
    "DateRange",
    "FieldTerm",
    "Fuzzy",
    "Leaf",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Phrase",
    "Prefix",
    "Word",
    "any_words",
    "clean_text",
    "parse_query",
    "positive_leaves",
]
