"""Citable links: a page's permalink pins the index generation it was answered from (``gen=``).

The service answers from the generation it serves now; a link pinned to another
one still works, and the page says that its results may differ from the ones
the link was made on (older generations are not kept open, see ``search.store``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.errors import BadRequest
from web import urls
from web.viewmodel import href

PARAM = "gen"
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def take_generation(params: dict[str, list[str]]) -> str | None:
    """The pinned generation, taken out of ``params`` (the search never sees it)."""
    values = [v.strip() for v in params.pop(PARAM, []) if v.strip()]
    if len(values) > 1:
        raise BadRequest(f"parameter '{PARAM}' is given more than once", code="repeated_parameter")
    if values and not _NAME.fullmatch(values[0]):
        raise BadRequest(f"parameter '{PARAM}' is not the name of an index generation")
    return values[0] if values else None


@dataclass(frozen=True, slots=True)
class Pin:
    served: str
    asked: str | None
    href: str
    """This page's link with ``gen=`` set to the generation that answered it."""

    @property
    def gone(self) -> bool:
        return self.asked is not None and self.asked != self.served

    @property
    def notice(self) -> str | None:
        if not self.gone:
            return None
        return (
            f"This link was pinned to index generation {self.asked}, which is no longer "
            f"served: these results come from generation {self.served} and may differ."
        )


def unpinned(pairs: urls.Pairs) -> urls.Pairs:
    """A page's state without its pin: the links it offers lead on to current results."""
    return tuple(p for p in pairs if p[0] != PARAM)


def pin(pairs: urls.Pairs, asked: str | None, served: str) -> Pin:
    return Pin(served, asked, href((*unpinned(pairs), (PARAM, served))))
