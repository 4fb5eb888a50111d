"""Caps that keep any single request from taking the service down.

Each is modelled on a default of Lucene or Elasticsearch, scaled to a 2-core
machine and a pure-Python engine:

- ``MAX_CLAUSES``: Lucene's ``IndexSearcher.maxClauseCount`` is 1024; a
  query word here expands to a title and a body clause per language present,
  so 64 terms is already hundreds of engine clauses.
- ``MAX_EXPANSIONS``: Elasticsearch's ``max_expansions`` for prefix, fuzzy and
  wildcard queries defaults to 50.
- ``MAX_RESULT_WINDOW``: Elasticsearch's ``index.max_result_window`` is
  10,000; we keep 1,000 (``page * per_page``), which no reader pages through.
- ``MIN_PREFIX``: Elasticsearch refuses leading wildcards by default
  (``allow_leading_wildcard``); we also refuse prefixes shorter than 2
  characters, which would enumerate most of the vocabulary.
- ``MAX_FUZZY_EDITS``: Lucene's fuzzy queries allow at most 2 edits.
- ``SEARCH_TIME_LIMIT``: Elasticsearch has no default ``timeout``; a site
  search must answer in well under a second, so a search is stopped after 2 s.
"""

from __future__ import annotations

MAX_QUERY_CHARS = 1_000
MAX_TERM_CHARS = 100
MAX_TERMS = 64
MAX_DEPTH = 8
MAX_CLAUSES = 1024
MAX_EXPANSIONS = 50
MIN_PREFIX = 2
MAX_FUZZY_EDITS = 2
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 10
MAX_RESULT_WINDOW = 1_000
MAX_FILTER_VALUES = 20
SEARCH_TIME_LIMIT = 2.0
"""Seconds."""
