"""Exports for research: every result of a search (up to the result window) as CSV or JSON.

Same parameters as the search, plus ``format`` (``csv``, the default, or
``json``); paging parameters are ignored. CSV cells that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) are
prefixed with an apostrophe (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable
from urllib.parse import urlencode

from flask import Response, jsonify

from search import caps
from search.errors import BadRequest
from search.request import build_request, to_params
from search.types import Hit
from web.context import service
from web.httpcache import cacheable, etag_for, not_modified
from web.links import request_urls
from web.serialise import ArticleUrls, iso

FORMATS = ("csv", "json")
COLUMNS = ("id", "title", "date", "publication", "lang", "tags", "url", "summary")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_response(params: dict[str, list[str]]) -> Response:
    fmt = params.pop("format", ["csv"])
    if len(fmt) != 1 or fmt[0] not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}", code="bad_parameter")
    for name in ("page", "per_page"):
        params.pop(name, None)
    request = build_request(params)
    # one search for the whole window: the export is one request, not twenty pages
    request = dataclasses.replace(
        request, page=1, per_page=caps.MAX_RESULT_WINDOW, snippets=False, facets=False
    )
    svc = service()
    key = fmt[0] + "?" + urlencode(to_params(request))
    early = not_modified(etag_for(svc.info().generation, "export", key))
    if early is not None:
        return early
    result = svc.search(request)
    urls = request_urls()
    rows = [_row(hit, urls) for hit in result.hits]
    if fmt[0] == "json":
        response = jsonify({"total": result.total, "exported": len(rows), "articles": rows})
    else:
        response = Response(_csv(rows), mimetype="text/csv")
    # a download, not a page to open in the browser
    response.headers["Content-Disposition"] = f'attachment; filename="archive-search.{fmt[0]}"'
    response.headers["X-Total-Count"] = str(result.total)
    return cacheable(response, etag_for(result.generation, "export", key))


def _row(hit: Hit, urls: ArticleUrls) -> dict[str, str | None]:
    return {
        "id": hit.id,
        "title": hit.title,
        "date": iso(hit.date),
        "publication": hit.publication,
        "lang": hit.lang,
        "tags": "; ".join(hit.tags),
        "url": urls(hit.id)["url"],
        "summary": hit.summary,
    }


def _cell(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: Iterable[dict[str, str | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    return out.getvalue()
