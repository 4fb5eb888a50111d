"""The Whoosh engine: one published generation, opened once and searched many times.

A query is matched and scored once, over whole posting lists with NumPy
(``arrayscore``): a mask over Whoosh document numbers and a score for each;
the page is the best-scored of the mask. Facets, filters and date sorting
come from ``search.engine_base``.
"""

from __future__ import annotations

from typing import Any

from whoosh import index

from search.analysis import STEM
from search.docvalues import BoolArray
from search.engine_base import BaseEngine
from search.errors import NotFound
from search.highlight import TermMatcher
from search.query import ParsedQuery
from search.selection import Match, Ranked
from search.store import Generation
from search.whoosh_engine import arrayscore
from search.whoosh_engine.docvalues import load_docvalues
from search.whoosh_engine.querybuild import build_query, highlight_terms, match_spans
from search.whoosh_engine.schema import body_field
from search.whoosh_engine.searchers import SearcherPool
from search.whoosh_engine.spelling import completions, suggest_query
from search.whoosh_engine.writer import INDEX_NAME, stemmed_text

MLT_TEXT_CHARS = 5_000
"""More-like-this picks its key terms from the start of the article: enough to find its subject."""
MLT_TERMS = 12


class WhooshEngine(BaseEngine):
    """Searches one generation. Open once per worker; ``SearchService`` swaps generations."""

    name = "whoosh"
    _searchers: SearcherPool

    def __init__(self, generation: Generation, previous: WhooshEngine | None = None) -> None:
        """``previous``: the engine of an older generation of the same index, whose idle
        searchers' segment readers are reused (``searchers.reopened``)."""
        super().__init__(generation, load_docvalues(generation.path))
        self._index = index.open_dir(str(generation.path), indexname=INDEX_NAME, readonly=True)
        handed = previous._searchers.hand_over() if previous is not None else []
        self._searchers = SearcherPool(self._index, handed)

    def close(self) -> None:
        self._searchers.close()
        self._index.close()

    def _match(self, parsed: ParsedQuery, base: BoolArray, notices: list[str]) -> Match:
        with self._searchers.borrow() as searcher:
            query = build_query(parsed, self._langs, searcher.reader(), notices)
            scored = arrayscore.evaluate(searcher, query)
        return Match(scored, scored.mask & base, scored.scores)

    def _top(self, match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
        assert isinstance(match.query, arrayscore.Scored)
        return arrayscore.top(match.query, match.mask if allowed is None else allowed, limit)

    def _record(self, docnum: int) -> dict[str, Any]:
        with self._searchers.borrow() as searcher:
            fields = searcher.stored_fields(docnum)
        record: dict[str, Any] = dict(fields["record"])
        record["title"] = fields["title"]
        record["body"] = fields.get("body") or ""
        record["source"] = fields.get("source") or ""
        return record

    def _docnum(self, article_id: str) -> int:
        docnum = None
        if article_id:
            with self._searchers.borrow() as searcher:
                docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise NotFound(f"no article with id {article_id!r}")
        return int(docnum)

    def _translation_docnums(self, key: str) -> list[int]:
        with self._searchers.borrow() as searcher:
            return [int(d) for d in searcher.document_numbers(translation_key=key)]

    def _related(self, docnum: int, record: dict[str, Any], limit: int) -> Ranked:
        text = f"{record['title']}\n{record['body'][:MLT_TEXT_CHARS]}"
        field = body_field(STEM)
        with self._searchers.borrow() as searcher:
            found = searcher.more_like(
                docnum,
                field,
                text=stemmed_text(record["lang"], text),
                top=limit,
                numterms=MLT_TERMS,
            )
            return [(hit.docnum, hit.score) for hit in found]

    def _matcher(self, parsed: ParsedQuery, lang: str) -> TermMatcher:
        with self._searchers.borrow() as searcher:
            return highlight_terms(parsed, lang, searcher.reader())

    def _spans(self, text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
        return match_spans(text, lang, matcher)

    def _suggest(self, text: str, parsed: ParsedQuery) -> str | None:
        with self._searchers.borrow() as searcher:
            return suggest_query(text, parsed, searcher.reader())

    def _completions(self, prefix: str, scan: int) -> list[tuple[str, int]]:
        with self._searchers.borrow() as searcher:
            return completions(searcher.reader(), prefix, scan)
