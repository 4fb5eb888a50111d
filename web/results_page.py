"""What the results and article pages promise a visitor: advice when nothing matched, the
way back to the exact results page, and one date format per locale.

Pure helpers of ``web.pages``; the search state always travels in URLs (the
``back`` parameter of an article link is the results page's query string), never
in the Referer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from search.errors import SearchError
from search.request import build_request
from search.types import SearchRequest, SearchResult
from web import urls
from web.urls import Pairs
from web.viewmodel import Chip, href

INTERFACE_LOCALE = "en"
"""The pages' own language: dates outside an article are written in it."""
MAX_BACK_CHARS = 2_000
"""A results page's query string is far shorter; a longer ``back`` is ignored."""


@dataclass(frozen=True)
class Advice:
    """One way out of an empty result: ``text`` then a link doing it."""

    text: str
    link_text: str
    url: str


def empty_advice(
    req: SearchRequest, result: SearchResult, pairs: Pairs, chips: list[Chip]
) -> list[Advice]:
    """Advice that fits this query: its spelling, its quotes, its filters.

    Nothing about matching any word: when no article has all the words the engine
    already searched for any of them, so an empty result means none of them matched.
    """
    advice = []
    if result.suggestion:
        suggestion = result.suggestion
        advice.append(
            Advice("Check the spelling:", suggestion, href(urls.replace(pairs, "q", suggestion)))
        )
    if '"' in req.q:
        loose = " ".join(req.q.replace('"', " ").split())
        advice.append(
            Advice("Search the words anywhere:", loose, href(urls.replace(pairs, "q", loose)))
        )
    advice += [Advice("Remove a filter:", chip.label, chip.remove_url) for chip in chips]
    return advice


def back_state(pairs: Pairs) -> str | None:
    """The ``back`` value of article links on a results page: its query string."""
    return urls.query_string(pairs) or None


def back_url(state: str, search_url: str) -> str | None:
    """The results page an article was opened from, if ``state`` is a valid search state
    (so a crafted link can only lead to a search of this site)."""
    if not state or len(state) > MAX_BACK_CHARS:
        return None
    pairs = urls.state_pairs(parse_qsl(state))
    if not pairs:
        return None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    try:
        build_request(params)
    except SearchError:
        return None
    return f"{search_url}?{urlencode(pairs)}"


@lru_cache(maxsize=256)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(INTERFACE_LOCALE)


def long_date(day: dt.date, lang: str = INTERFACE_LOCALE) -> str:
    """``day`` written out in ``lang``'s long form (``February 1, 2021``, ``1. Februar
    2021``); the interface language when ``lang`` has no locale (``und``)."""
    return str(format_date(day, format="long", locale=_locale(lang)))
