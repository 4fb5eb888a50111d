"""HTML pages: the search page and the article page (no JavaScript needed for either)."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, make_response, render_template, request, url_for

from search import limits
from search.errors import BadRequest
from search.languages import display_name
from search.request import build_request, check_article_id, lang_preference
from search.types import SearchRequest
from web import citable, results_page, urls, viewmodel
from web.context import service
from web.marks import mark_html
from web.render import article_html
from web.serialise import join_snippets
from web.viewmodel import href

bp = Blueprint("pages", __name__)

SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}
MATCH_LABELS = {"all": "All words", "any": "Any word"}


@bp.app_template_filter("langname")
def langname(code: str) -> str:
    return display_name(code)


bp.add_app_template_filter(join_snippets, "join_snippets")
bp.add_app_template_filter(results_page.long_date, "long_date")


def is_browsing(req: SearchRequest) -> bool:
    return not (req.q or req.filters or req.excludes or req.date_from or req.date_to)


def page_request(params: dict[str, list[str]]) -> SearchRequest:
    """The request of the search page: as the API's, with the timeline on, translations
    grouped when the archive has any (unless ``group`` says), and the reader's languages
    from ``Accept-Language`` unless ``lang_pref`` says."""
    req = build_request(params)
    if req.histogram is None:
        req = dataclasses.replace(req, histogram="auto")
    if "group" not in params and service().info().translation_groups:
        req = dataclasses.replace(req, group="translations")
    if "lang_pref" not in params:
        req = dataclasses.replace(req, lang_pref=accepted_languages())
    return req


def accepted_languages() -> tuple[str, ...]:
    """The languages of ``Accept-Language``, best first (werkzeug orders them by quality);
    a tag that is no language is skipped: a header is not the reader's typo."""
    found: list[str] = []
    for tag, _quality in request.accept_languages:
        try:
            found += lang_preference([tag])
        except BadRequest:
            continue
    return lang_preference(found)


@bp.get("/")
def search() -> Response:
    params = request.args.to_dict(flat=False)
    asked = citable.take_generation(params)
    req = page_request(params)
    pairs = citable.unpinned(urls.state_pairs(request.args.items(multi=True)))
    result = service().search(req)
    chips = viewmodel.chips(req, result, pairs)
    back = results_page.back_state(pairs)
    marked = result.suggestion if result.corrected else req.q
    page = render_template(
        "search.html",
        req=req,
        result=result,
        default_sort="relevance" if req.q else "newest",
        advice=[] if result.hits else results_page.empty_advice(req, result, pairs, chips),
        # each result opens with the query's words marked (hl) and a way back to this page
        article_href=lambda article_id: url_for(
            "pages.article", article_id=article_id, hl=marked or None, back=back
        ),
        timeline=viewmodel.timeline(result, pairs),
        pin=citable.pin(pairs, asked, result.generation),
        feed_href=url_for("feeds.feed") + href(feed_pairs(pairs)),
        research_query=href(research_pairs(pairs)),
        browsing=is_browsing(req),
        facets=viewmodel.facet_blocks(result, pairs),
        chips=chips,
        pages=viewmodel.page_numbers(req.page, result.pages, req.per_page),
        page_href=lambda n: href(urls.replace(pairs, "page", str(n))),
        tag_href=lambda t: href(urls.toggle((), "tag", t)),
        set_href=lambda name, value: href(urls.replace(pairs, name, value)),
        instead_href=href(urls.replace(pairs, "correct", "0")),
        query_href=lambda value: href(
            urls.replace(urls.replace(pairs, "correct", None), "q", value)
        ),
        export_href=lambda fmt: export_url(grouped_pairs(pairs, req), fmt),
        hidden=[(k, v) for k, v in pairs if k not in FORM_FIELDS],
        sort_labels=SORT_LABELS,
        match_labels=MATCH_LABELS,
        q=req.q,
        grouping_href=href(
            urls.replace(pairs, "group", "none" if req.group == "translations" else "translations")
        ),
        can_group=result.unit == "groups" or service().info().translation_groups > 0,
    )
    response = make_response(page)
    response.vary.add("Accept-Language")  # it chooses which translation a group shows
    return response


def grouped_pairs(pairs: urls.Pairs, req: SearchRequest) -> urls.Pairs:
    """``pairs`` with the grouping the page chose by default written out, for links to
    views (the export) whose default is not to group: their tag filters link the same."""
    if req.group == "translations" and not any(name == "group" for name, _ in pairs):
        return (*pairs, ("group", "translations"))
    return pairs


def feed_pairs(pairs: urls.Pairs) -> urls.Pairs:
    """The Atom feed of this search: same query and filters, no paging, sort or pin."""
    return tuple(p for p in pairs if p[0] not in ("page", "per_page", "sort", citable.PARAM))


def research_pairs(pairs: urls.Pairs) -> urls.Pairs:
    """This search's query and filters for the concordance and trends pages."""
    return tuple(p for p in pairs if p[0] not in ("page", "per_page", "sort", "histogram"))


def export_url(pairs: urls.Pairs, fmt: str) -> str:
    """The export of this search: same state, no paging."""
    kept = tuple(p for p in pairs if p[0] not in ("page", "per_page", citable.PARAM))
    return url_for("api.export") + href((*kept, ("format", fmt)))


FORM_FIELDS = frozenset({"q", "from", "to", "sort", "match", "page", "correct"})
"""Fields the search form itself submits, and ``correct``, which holds for one query only;
everything else rides along as hidden inputs."""


@bp.get("/articles/<path:article_id>")
def article(article_id: str) -> str:
    item, related = service().article_page(check_article_id(article_id))
    back = request.args.get("back", "")
    body, marks = article_html(item), 0
    hl = highlight_query(request.args.get("hl", ""))
    if hl:
        body, marks = mark_html(body, service().marker(hl, item.lang))
    return render_template(
        "article.html",
        back_url=results_page.back_url(back, url_for("pages.search")),
        article_href=lambda other: url_for("pages.article", article_id=other, back=back or None),
        article=item,
        body=body,
        related=related,
        q="",
        hl=hl,
        marks=marks,
    )


def highlight_query(text: str) -> str:
    """The ``hl`` query of an article page: its words marked; capped as a search's ``q``."""
    if len(text) > limits.MAX_QUERY_CHARS:
        raise BadRequest(
            f"parameter 'hl' is longer than {limits.MAX_QUERY_CHARS} characters",
            code="query_too_long",
        )
    return " ".join(text.split())
