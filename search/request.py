"""Raw request parameters → a validated ``SearchRequest``: pure, no engine, no Flask.

The web pages, the JSON API and the CLI all pass a multidict (name → list of
values) to ``build_request``; every rule lives here, so the three cannot drift.

Parameters (all optional):

``q``
    The query text. Control characters are stripped (as the query parser does);
    longer than ``limits.MAX_QUERY_CHARS`` → ``QueryTooComplex``.
``tag``, ``publication``, ``lang``, ``year``, ``month``
    Selected facet values, repeatable: OR within one name, AND across names.
``not_tag``, ``not_publication``, ``not_lang``, ``not_year``, ``not_month``
    Excluded facet values, repeatable.
    ``year`` is ``YYYY`` or ``undated``. ``month`` is ``YYYY-MM`` (the form facet
    values take); a bare ``1``–``12`` is accepted only when exactly one ``year``
    is selected and is read as a month of that year.
``from``, ``to``
    Inclusive date bounds: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``. A partial
    ``from`` means the first day of that month/year, a partial ``to`` the last.
``sort``
    ``relevance``, ``newest`` or ``oldest``. Defaults to ``relevance`` when there
    is a query and to ``newest`` when there is none (browsing the archive).
``match``
    ``all`` (default: every word must match) or ``any``.
``page``, ``per_page``
    Positive integers; ``per_page`` ≤ ``limits.MAX_PER_PAGE`` and
    ``page * per_page`` ≤ ``limits.MAX_RESULT_WINDOW``.
``snippets``, ``facets``
    ``1``/``true``/``yes`` or ``0``/``false``/``no``: leave out snippets or facet
    counts to make a search cheaper (API clients).
``correct``
    ``1`` (default) or ``0``: when the query finds nothing and its did-you-mean
    suggestion finds articles, show the suggestion's results (``0``: never).
``histogram``
    ``year``, ``month``, ``week``, ``day`` or ``auto`` (the interval chosen from the
    span): count the matches over time, the date filters left out (``search.timeline``).
``group``
    ``none`` (the default here; pages default to ``translations`` when the archive has
    translation groups) or ``translations``: one hit per translation group
    (``search.grouping``).
``lang_pref``
    The reader's languages, most preferred first, comma-separated (``de,en``; regions
    folded): which member of a translation group a grouped hit shows.

Policy for anything else: tracking parameters that links pick up on the way
(``utm_*``, ``fbclid``, ``gclid``, ``msclkid``, ``mc_cid``, ``mc_eid``, ``ref``)
and names starting with ``_`` (cache-busters such as jQuery's ``_=``) are
ignored; any other unknown name is a ``BadRequest`` naming it and listing the
known ones, so a typo such as ``tags=`` or ``colour=`` is reported instead of
silently doing nothing.
Scalar parameters given twice are a ``BadRequest``; empty values (as an empty
form field submits) count as absent. The total number of filter and exclude
values is capped by ``limits.MAX_FILTER_VALUES``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Literal, cast

from search import limits
from search.errors import BadRequest, NotFound, QueryTooComplex
from search.languages import normalise_lang
from search.types import (
    FACET_NAMES,
    GROUPINGS,
    INTERVALS,
    MATCHES,
    SORTS,
    UNDATED,
    FacetName,
    Grouping,
    Interval,
    Match,
    SearchRequest,
    Sort,
)

SCALARS = (
    "q", "sort", "match", "page", "per_page", "from", "to", "snippets", "facets", "histogram",
    "correct", "group", "lang_pref",
)  # fmt: skip
EXCLUDE_PREFIX = "not_"
IGNORED = frozenset({"fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "ref"})
MAX_VALUE_CHARS = 200
"""A facet value longer than this cannot exist in any index we build."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# ASCII digits only: ``\d`` and ``str.isdigit`` also accept other scripts' digits and
# superscripts ("²" is a digit to ``isdigit`` and not a number to ``int``).
_YEAR = re.compile(r"[0-9]{4}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_MONTH_NUMBER = re.compile(r"[0-9]{1,2}")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

Params = Mapping[str, Sequence[str]]


def clean_text(value: str) -> str:
    """Drop control characters (NUL too), turn tabs/newlines into spaces, trim."""
    return _CONTROL.sub("", value).replace("\t", " ").replace("\r", " ").replace("\n", " ").strip()


def is_ignored(name: str) -> bool:
    return name.startswith(("utm_", "_")) or name in IGNORED


KNOWN = (*SCALARS, *FACET_NAMES, *(EXCLUDE_PREFIX + f for f in FACET_NAMES))


def build_request(params: Params) -> SearchRequest:
    """Validate raw parameters into a ``SearchRequest``; ``BadRequest`` names the culprit."""
    _check_names(params)
    q = _query(params)
    filters = _facet_values(params, "")
    excludes = _facet_values(params, EXCLUDE_PREFIX)
    total = sum(len(v) for v in filters.values()) + sum(len(v) for v in excludes.values())
    if total > limits.MAX_FILTER_VALUES:
        raise BadRequest(
            f"too many filter values ({total}); at most {limits.MAX_FILTER_VALUES} are allowed",
            code="too_many_filters",
        )
    _resolve_months(filters, excludes)
    date_from = _date(params, "from", last=False)
    date_to = _date(params, "to", last=True)
    if date_from and date_to and date_from > date_to:
        raise BadRequest("parameter 'from' is after 'to'", code="bad_date_range")
    page = _int(params, "page", 1)
    per_page = _int(params, "per_page", limits.DEFAULT_PER_PAGE)
    if per_page > limits.MAX_PER_PAGE:
        raise BadRequest(f"parameter 'per_page' must be at most {limits.MAX_PER_PAGE}")
    if page * per_page > limits.MAX_RESULT_WINDOW:
        raise BadRequest(
            f"parameter 'page' is too far: page * per_page must be at most "
            f"{limits.MAX_RESULT_WINDOW}",
            code="result_window",
        )
    return SearchRequest(
        q=q,
        filters=filters,
        excludes=excludes,
        date_from=date_from,
        date_to=date_to,
        sort=cast(Sort, _choice(params, "sort", SORTS, "relevance" if q else "newest")),
        page=page,
        per_page=per_page,
        match=cast(Match, _choice(params, "match", MATCHES, "all")),
        snippets=_flag(params, "snippets"),
        facets=_flag(params, "facets"),
        histogram=_histogram(params),
        correct=_flag(params, "correct"),
        group=cast(Grouping, _choice(params, "group", GROUPINGS, "none")),
        lang_pref=lang_preference(_lang_pref_text(params).split(",")),
    )


MAX_LANG_PREF = 10
MAX_LANG_PREF_CHARS = 400


def _lang_pref_text(params: Params) -> str:
    text = _scalar(params, "lang_pref")
    if len(text) > MAX_LANG_PREF_CHARS:
        raise BadRequest(f"parameter 'lang_pref' is longer than {MAX_LANG_PREF_CHARS} characters")
    return text


def lang_preference(tags: Sequence[str]) -> tuple[str, ...]:
    """Language tags (``de-CH``, ``en``) as our codes, in order, repeats and ``*`` left out;
    a tag that is no language is a ``BadRequest``."""
    codes: list[str] = []
    for tag in tags:
        text = tag.strip()
        if not text or text == "*":
            continue
        code = normalise_lang(text)
        if code is None or len(text) > 35:
            raise BadRequest(
                f"parameter 'lang_pref' must list language tags such as 'de,en', not "
                f"{clean_text(text)[:40]!r}"
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes[:MAX_LANG_PREF])


def _histogram(params: Params) -> Interval | Literal["auto"] | None:
    text = _scalar(params, "histogram")
    if not text:
        return None
    return cast(Interval | Literal["auto"], _choice(params, "histogram", (*INTERVALS, "auto"), ""))


def _check_names(params: Params) -> None:
    for name in params:
        if name in KNOWN or is_ignored(name):
            continue
        shown = clean_text(name)[:40]
        raise BadRequest(
            f"unknown parameter '{shown}'; known parameters: {', '.join(KNOWN)}",
            code="unknown_parameter",
        )
    for name in SCALARS:
        if len(params.get(name, ())) > 1:
            raise BadRequest(
                f"parameter '{name}' is given more than once", code="repeated_parameter"
            )


def _scalar(params: Params, name: str) -> str:
    values = params.get(name, ())
    return clean_text(values[0]) if values else ""


def _query(params: Params) -> str:
    q = " ".join(_scalar(params, "q").split())
    if len(q) > limits.MAX_QUERY_CHARS:
        raise QueryTooComplex(
            f"parameter 'q' is too long ({len(q)} characters; at most {limits.MAX_QUERY_CHARS})"
        )
    return q


def _facet_values(params: Params, prefix: str) -> dict[FacetName, tuple[str, ...]]:
    out: dict[FacetName, tuple[str, ...]] = {}
    for facet in FACET_NAMES:
        name = prefix + facet
        seen: list[str] = []
        for raw in params.get(name, ()):
            value = " ".join(clean_text(raw).split())
            if not value:
                continue
            if len(value) > MAX_VALUE_CHARS:
                raise BadRequest(f"a value of parameter '{name}' is too long")
            value = _check_facet_value(name, facet, value)
            if value not in seen:  # after normalising: lang=DE&lang=de is one value
                seen.append(value)
        if seen:
            out[facet] = tuple(seen)
    return out


def _check_facet_value(name: str, facet: FacetName, value: str) -> str:
    if facet == "year" and not (value == UNDATED or _YEAR.fullmatch(value)):
        raise BadRequest(f"parameter '{name}' must be a year (YYYY) or '{UNDATED}', not {value!r}")
    if facet == "month":
        match = _MONTH.fullmatch(value)
        if match:
            if not 1 <= int(match.group(2)) <= 12:
                raise BadRequest(f"parameter '{name}' has no such month: {value!r}")
        elif not (_MONTH_NUMBER.fullmatch(value) and 1 <= int(value) <= 12):
            raise BadRequest(f"parameter '{name}' must be a month YYYY-MM, not {value!r}")
    if facet == "lang":
        return value.lower()
    return value


def _resolve_months(
    filters: dict[FacetName, tuple[str, ...]], excludes: dict[FacetName, tuple[str, ...]]
) -> None:
    """Turn bare month numbers into ``YYYY-MM`` using the one selected year."""
    years = [y for y in filters.get("year", ()) if y != UNDATED]
    for target, name in ((filters, "month"), (excludes, "not_month")):
        months = target.get("month", ())
        if not any(_MONTH_NUMBER.fullmatch(m) for m in months):
            continue
        if len(years) != 1:
            raise BadRequest(
                f"parameter '{name}' as a month number needs exactly one 'year'; "
                "otherwise give it as YYYY-MM"
            )
        resolved = [f"{years[0]}-{int(m):02d}" if _MONTH_NUMBER.fullmatch(m) else m for m in months]
        target["month"] = tuple(dict.fromkeys(resolved))


def _date(params: Params, name: str, *, last: bool) -> dt.date | None:
    text = _scalar(params, name)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if not match:
        raise BadRequest(
            f"parameter '{name}' must be a date YYYY-MM-DD, YYYY-MM or YYYY, not {text[:40]!r}",
            code="bad_date",
        )
    year = int(match.group(1))
    month = int(match.group(2) or (12 if last else 1))
    try:
        if match.group(3):
            day = int(match.group(3))
        else:
            day = calendar.monthrange(year, month)[1] if last else 1
        return dt.date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise BadRequest(
            f"parameter '{name}' is not a real date: {text!r}", code="bad_date"
        ) from None


def _int(params: Params, name: str, default: int) -> int:
    text = _scalar(params, name)
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BadRequest(f"parameter '{name}' must be a positive whole number, not {text[:20]!r}")
    value = int(text)
    if value < 1:
        raise BadRequest(f"parameter '{name}' must be at least 1")
    return value


def _choice(params: Params, name: str, allowed: tuple[str, ...], default: str) -> str:
    text = _scalar(params, name)
    if not text:
        return default
    if text not in allowed:
        raise BadRequest(
            f"parameter '{name}' must be one of {', '.join(allowed)}, not {text[:40]!r}"
        )
    return text


def _flag(params: Params, name: str) -> bool:
    text = _scalar(params, name).lower()
    if not text or text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadRequest(f"parameter '{name}' must be 1 or 0, not {text[:20]!r}")


def to_params(request: SearchRequest) -> list[tuple[str, str]]:
    """The normalised query-string pairs of ``request``: ``build_request`` of them gives
    ``request`` back. Defaults are left out, so equal requests give equal pairs (the
    API's links and cache keys are built from them)."""
    pairs: list[tuple[str, str]] = [("q", request.q)] if request.q else []
    for prefix, chosen in (("", request.filters), (EXCLUDE_PREFIX, request.excludes)):
        pairs += [(prefix + f, v) for f in FACET_NAMES for v in chosen.get(f, ())]
    for name, date in (("from", request.date_from), ("to", request.date_to)):
        if date is not None:
            pairs.append((name, date.isoformat()))
    if request.sort != ("relevance" if request.q else "newest"):
        pairs.append(("sort", request.sort))
    if request.match != "all":
        pairs.append(("match", request.match))
    if request.page != 1:
        pairs.append(("page", str(request.page)))
    if request.per_page != limits.DEFAULT_PER_PAGE:
        pairs.append(("per_page", str(request.per_page)))
    pairs += [(name, "0") for name in ("snippets", "facets") if not getattr(request, name)]
    if request.histogram is not None:
        pairs.append(("histogram", request.histogram))
    if request.group != "none":
        pairs.append(("group", request.group))
    if request.lang_pref:
        pairs.append(("lang_pref", ",".join(request.lang_pref)))
    return pairs


def params_from_object(body: object) -> dict[str, list[str]]:
    """A JSON request body → the same multidict a query string gives.

    Values are strings, numbers or booleans (``true`` → ``"1"``); a repeatable
    filter may be an array of them; ``null`` counts as absent. Anything else is a
    ``BadRequest`` naming the parameter.
    """
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object", code="bad_body")
    params: dict[str, list[str]] = {}
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        texts = [_json_scalar(str(name), v) for v in values]
        params[str(name)] = [t for t in texts if t is not None]
    return params


def _json_scalar(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (str, int)):
        return str(value)
    shown = clean_text(name)[:40]
    raise BadRequest(
        f"parameter '{shown}' must be a string, a whole number, true/false or an array of them",
        code="bad_body",
    )


_ID_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_article_id(article_id: str) -> str:
    """The id of an article asked for: ``BadRequest`` if it holds control characters;
    ``NotFound`` if it could climb out of the archive (ids are paths inside it)."""
    if _ID_CONTROL.search(article_id):
        raise BadRequest("the article id contains control characters")
    # a backslash is a character of a name (search.ids), but "..\\" still reads as climbing
    parts = article_id.replace("\\", "/").split("/")
    if article_id.startswith("/") or ".." in parts:
        raise NotFound(f"no article {article_id!r}")
    return article_id
