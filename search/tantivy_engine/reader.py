"""The Tantivy engine: one published generation, opened once and searched many times.

A search asks Tantivy once for every matching document with its score; the
hits become a mask over dense document numbers (``search.facets``), so the
facet filters, disjunctive counts, the all→any fallback and the sort orders
work exactly as in the Whoosh engine.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import tantivy
from tantivy import Occur, Query

from search.engine_base import BaseEngine, Match, Ranked
from search.errors import NotFound
from search.facets import BoolArray
from search.highlight import TermMatcher
from search.languages import analyser_lang
from search.query import ParsedQuery
from search.store import Generation
from search.tantivy_engine import schema as s
from search.tantivy_engine.docvalues import load_docvalues, stored_record
from search.tantivy_engine.highlight import highlight_terms, match_spans
from search.tantivy_engine.querybuild import analyse, build_query
from search.tantivy_engine.spelling import suggest_query
from search.tantivy_engine.vocab import Vocabulary

MLT_TEXT_CHARS = 5_000
"""More-like-this picks its key terms from the start of the article: enough to find its subject."""
MLT_TERMS = 12


class TantivyEngine(BaseEngine):
    """Searches one generation. Open once per worker; ``SearchService`` swaps generations."""

    name = "tantivy"

    def __init__(self, generation: Generation) -> None:
        self._index = s.open_index(generation.path)
        self._searcher = self._index.searcher()
        self._schema = self._index.schema
        self._vocab = Vocabulary(self._searcher)
        docvalues, self._keys = load_docvalues(generation.path)
        super().__init__(generation, docvalues)
        self._addresses = self._all_addresses()

    def close(self) -> None:
        # Tantivy frees its searcher and memory maps when the objects are dropped.
        del self._vocab
        del self._searcher
        del self._index

    def _match(self, parsed: ParsedQuery, base: BoolArray, notices: list[str]) -> Match:
        """Every match with its score, as dense arrays: Tantivy scores them all in one call."""
        scores = np.zeros(self._dv.size, dtype=np.float64)
        mask = np.zeros(self._dv.size, dtype=np.bool_)
        query = build_query(parsed, self._langs, self._schema, self._vocab, notices)
        if query is None or self._dv.size == 0:
            return Match(Query.empty_query(), mask, scores)
        hits = self._searcher.search(query, limit=self._dv.size, count=False).hits
        if hits:
            dense = self._dense([address for _, address in hits])
            mask[dense] = True
            scores[dense] = np.fromiter((score for score, _ in hits), dtype=np.float64)
        return Match(query, mask & base, scores)

    def _top(self, match: Match, allowed: BoolArray | None, limit: int) -> Ranked:
        assert match.scores is not None
        docs = np.flatnonzero(match.mask if allowed is None else allowed)
        order = np.argsort(-match.scores[docs], kind="stable")[:limit]
        return [(int(docs[i]), float(match.scores[docs[i]])) for i in order]

    def _record(self, docnum: int) -> dict[str, Any]:
        return self._stored(self._addresses[docnum])

    def _docnum(self, article_id: str) -> int:
        return int(self._dense([self._address(article_id)])[0])

    def _translation_docnums(self, key: str) -> list[int]:
        query = Query.term_query(self._schema, s.TRANSLATION_KEY, key)
        found = self._searcher.search(query, limit=100, count=False).hits
        return [int(d) for d in self._dense([address for _, address in found])] if found else []

    def _related(self, docnum: int, record: dict[str, Any], limit: int) -> Ranked:
        query = self._more_like(record)
        if query is None:
            return []
        found = self._searcher.search(query, limit=limit + 1, count=False).hits
        if not found:
            return []
        dense = self._dense([address for _, address in found])
        pairs = zip(found, dense, strict=True)
        ranked: Ranked = [(int(d), float(score)) for (score, _), d in pairs if d != docnum]
        return ranked[:limit]

    def _matcher(self, parsed: ParsedQuery, lang: str) -> TermMatcher:
        return highlight_terms(parsed, lang, self._schema, self._vocab)

    def _spans(self, text: str, lang: str, matcher: TermMatcher) -> list[tuple[int, int]]:
        return match_spans(text, lang, matcher)

    def _suggest(self, text: str, parsed: ParsedQuery) -> str | None:
        return suggest_query(text, parsed, self._vocab)

    def _dense(self, addresses: list[tantivy.DocAddress]) -> npt.NDArray[np.intp]:
        """Dense document numbers of Tantivy addresses (see ``docvalues``)."""
        keys = np.asarray(self._searcher.fast_field_values(s.KEY, addresses), dtype=np.uint64)
        return np.searchsorted(self._keys, keys)

    def _all_addresses(self) -> list[tantivy.DocAddress]:
        """Every live document's address, by dense number."""
        if self._dv.size == 0:
            return []
        hits = self._searcher.search(Query.all_query(), limit=self._dv.size, count=False).hits
        addresses = [address for _, address in hits]
        table: list[tantivy.DocAddress] = list(addresses)
        for dense, address in zip(self._dense(addresses), addresses, strict=True):
            table[int(dense)] = address
        return table

    def _stored(self, address: tantivy.DocAddress) -> dict[str, Any]:
        return stored_record(self._searcher.doc(address))

    def _address(self, article_id: str) -> tantivy.DocAddress:
        if article_id:
            query = Query.term_query(self._schema, s.ID, article_id)
            found = self._searcher.search(query, limit=1, count=False).hits
            if found:
                return found[0][1]
        raise NotFound(f"no article with id {article_id!r}")

    def _more_like(self, record: dict[str, Any]) -> Query | None:
        """Its most telling words (tf·idf, found in other articles too) in its own language."""
        lang = analyser_lang(record["lang"])
        text = f"{record['title']}\n{(record.get('body') or '')[:MLT_TEXT_CHARS]}"
        counts = Counter(analyse(text, lang))
        total = max(1, self._dv.size)
        weighted = []
        for term, tf in counts.items():
            df = self._vocab.doc_freq(s.body_field(lang), term)
            if df >= 2:
                weighted.append((tf * math.log(1 + total / df), term))
        best = sorted(weighted, reverse=True)[:MLT_TERMS]
        if not best:
            return None
        return Query.boolean_query(
            [(Occur.Should, Query.term_query(self._schema, s.body_field(lang), t)) for _, t in best]
        )
