"""What the search page shows, computed from a request, its result and the query string."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from search import limits
from search.languages import NEUTRAL, display_name
from search.types import Bucket, FacetName, FacetValue, SearchRequest, SearchResult
from web import urls
from web.charts import BarChart, bar_chart
from web.urls import Pairs

FACET_TITLES: dict[FacetName, str] = {
    "tag": "Tags",
    "author": "Authors",
    "publication": "Publication",
    "lang": "Language",
    "year": "Year",
    "month": "Month",
}
VISIBLE_VALUES = 8
"""Facet values shown before the rest fold into a “more” disclosure."""


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str
    count: int
    selected: bool
    excluded: bool
    toggle_url: str
    exclude_url: str


@dataclass(frozen=True)
class FacetBlock:
    name: FacetName
    title: str
    links: tuple[FacetLink, ...]
    more: tuple[FacetLink, ...]


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str
    excluded: bool


def href(pairs: Pairs) -> str:
    qs = urls.query_string(pairs)
    return f"?{qs}" if qs else "?"


def _ordered(name: FacetName, values: tuple[FacetValue, ...]) -> list[FacetValue]:
    if name in ("year", "month"):
        return sorted(values, key=lambda v: v.value, reverse=name == "year")
    return list(values)


def _label(name: FacetName, value: FacetValue) -> str:
    if name == "lang" and value.value == NEUTRAL:
        return "Other / unknown"
    return value.label


def facet_blocks(result: SearchResult, pairs: Pairs) -> list[FacetBlock]:
    request = result.request
    years = [y for y in request.filters.get("year", ()) if y.isdigit()]
    blocks = []
    for name, title in FACET_TITLES.items():
        values = _ordered(name, result.facets.get(name, ()))
        if name == "month":
            if len(years) != 1:
                continue  # months are shown inside one selected year only
            values = [v for v in values if v.value.startswith(years[0])]
        links = [
            FacetLink(
                v.value, _label(name, v), v.count, v.selected, v.excluded,
                href(urls.toggle(pairs, name, v.value)),
                href(urls.exclude(pairs, name, v.value)),
            )
            for v in [*values, *_missing_choices(request, name, values)]
            if v.count > 0 or v.selected or v.excluded
        ]  # fmt: skip
        if links:
            shown, more = _fold(links, VISIBLE_VALUES if name != "month" else 12)
            blocks.append(FacetBlock(name, title, shown, more))
    return blocks


def _missing_choices(
    request: SearchRequest, name: FacetName, values: list[FacetValue]
) -> list[FacetValue]:
    """Values the request selects or excludes that the counts do not list (none of the
    matches has them): shown with 0, so a choice never vanishes from its list."""
    listed = {v.value.casefold() for v in values}
    found = []
    for chosen, excluded in ((request.filters, False), (request.excludes, True)):
        for value in chosen.get(name, ()):
            if value.casefold() not in listed:
                listed.add(value.casefold())
                found.append(FacetValue(value, value, 0, not excluded, excluded))
    return found


def _fold(links: list[FacetLink], visible: int) -> tuple[tuple[FacetLink, ...], ...]:
    """The first ``visible`` values and every selected or excluded one stay in view; the
    rest fold into “more”, each list in its original order."""
    chosen = {i for i, link in enumerate(links) if link.selected or link.excluded}
    kept = set(range(min(visible, len(links)))) | chosen
    return (
        tuple(link for i, link in enumerate(links) if i in kept),
        tuple(link for i, link in enumerate(links) if i not in kept),
    )


def _labels(result: SearchResult) -> dict[tuple[str, str], str]:
    return {(name, v.value.casefold()): v.label for name, vs in result.facets.items() for v in vs}


def chips(request: SearchRequest, result: SearchResult | None, pairs: Pairs) -> list[Chip]:
    labels = _labels(result) if result else {}
    out = []
    for excluded, chosen in ((False, request.filters), (True, request.excludes)):
        for facet, values in chosen.items():
            name = f"not_{facet}" if excluded else facet
            for value in values:
                label = labels.get((facet, value.casefold())) or (
                    display_name(value) if facet == "lang" else value
                )
                text = f"{FACET_TITLES[facet]}: {label}"
                out.append(Chip(text, href(urls.remove(pairs, name, value)), excluded))
    if request.date_from:
        out.append(
            Chip(
                f"From {request.date_from.isoformat()}",
                href(urls.replace(pairs, "from", None)),
                False,
            )
        )
    if request.date_to:
        out.append(
            Chip(f"To {request.date_to.isoformat()}", href(urls.replace(pairs, "to", None)), False)
        )
    return out


def page_numbers(page: int, pages: int, per_page: int) -> list[int | None]:
    """Page links around the current one; ``None`` marks a gap."""
    last = min(pages, max(1, limits.MAX_RESULT_WINDOW // per_page))
    wanted = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    out: list[int | None] = []
    for n in wanted:
        previous = out[-1] if out else None
        if previous is not None and n - previous > 1:
            out.append(None)
        out.append(n)
    return out


DATE_NAMES = frozenset({"year", "month", "not_year", "not_month", "from", "to", "page"})


def without_dates(pairs: Pairs) -> Pairs:
    """The state with every date filter removed: where a timeline's links start from."""
    return tuple(p for p in pairs if p[0] not in DATE_NAMES)


def period_pairs(pairs: Pairs, start: str, end: str) -> Pairs:
    """The state filtered to one period (other date filters dropped, back to page 1)."""
    return (*without_dates(pairs), ("from", start), ("to", end))


@dataclass(frozen=True)
class Timeline:
    chart: BarChart
    undated: int
    undated_url: str
    interval: str
    base_url: str
    """This search without date filters: the brush adds ``from`` and ``to`` to it."""


def timeline(result: SearchResult, pairs: Pairs) -> Timeline | None:
    found = result.histogram
    if found is None or not found.buckets:
        return None

    def link(bucket: Bucket) -> str:
        return href(period_pairs(pairs, bucket.start.isoformat(), bucket.end.isoformat()))

    chart = bar_chart(found.interval, found.buckets, link, _chosen(result.request))
    undated = href((*without_dates(pairs), ("year", "undated")))
    return Timeline(chart, found.undated, undated, found.interval, href(without_dates(pairs)))


def _chosen(request: SearchRequest) -> Callable[[Bucket], bool]:
    """Whether a period overlaps what the date filters (range, years, months) let through."""
    low, high = request.date_from, request.date_to
    years = {int(y) for y in request.filters.get("year", ()) if y.isdigit()}
    months = {m for m in request.filters.get("month", ()) if len(m) == 7}
    if low is None and high is None and not years and not months:
        return lambda bucket: False

    def chosen(bucket: Bucket) -> bool:
        if (low is not None and bucket.end < low) or (high is not None and bucket.start > high):
            return False
        if years and not years & set(range(bucket.start.year, bucket.end.year + 1)):
            return False
        first, last = bucket.start.strftime("%Y-%m"), bucket.end.strftime("%Y-%m")
        return not months or any(first <= m <= last for m in months)

    return chosen
