"""Search: query → hits, facets, snippets, behind one small typed API.

Everything outside this package uses only what ``__all__`` lists; no engine
object ever leaves it.
"""

from search.errors import (
    BadRequest,
    IndexFormatError,
    IndexLocked,
    IndexMissing,
    IndexUnavailable,
    NotFound,
    QueryTooComplex,
    SearchError,
    SearchTimeout,
)
from search.types import (
    FACET_NAMES,
    MATCHES,
    SORTS,
    ArticleView,
    FacetValue,
    Hit,
    IndexInfo,
    SearchRequest,
    SearchResult,
    Snippet,
    Translation,
)

__all__ = [
    "FACET_NAMES",
    "MATCHES",
    "SORTS",
    "ArticleView",
    "BadRequest",
    "FacetValue",
    "Hit",
    "IndexFormatError",
    "IndexInfo",
    "IndexLocked",
    "IndexMissing",
    "IndexUnavailable",
    "NotFound",
    "QueryTooComplex",
    "SearchError",
    "SearchRequest",
    "SearchResult",
    "SearchTimeout",
    "Snippet",
    "Translation",
]
