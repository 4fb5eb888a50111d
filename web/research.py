"""Research views for staff: the concordance (``/kwic``) and term trends (``/trends``),
each as a page, as JSON under ``/api/v1/`` and as CSV (``format=csv``).

Both take the search's parameters (query, filters, dates) and options of their
own, which are taken out first; the rest goes through ``build_request``, so a
typo is still a 400 naming it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Blueprint, Response, jsonify, render_template, request

from search.errors import BadRequest
from search.kwic import Concordance, KwicLine, parse_options
from search.request import build_request
from web import urls
from web.context import service
from web.export import csv_cell
from web.links import request_urls
from web.view import href

bp = Blueprint("research", __name__)

KWIC_PER_PAGE = 50
MAX_KWIC_PER_PAGE = 500
KWIC_COLUMNS = ("id", "title", "date", "lang", "url", "left", "match", "right")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    given = [v.strip() for v in params.pop(name, []) if v.strip()]
    if len(given) > 1:
        raise BadRequest(f"parameter '{name}' is given more than once", code="repeated_parameter")
    return given[0] if given else None


def _positive(params: dict[str, list[str]], name: str, default: int, high: int) -> int:
    text = _one(params, name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= high:
        raise BadRequest(f"parameter '{name}' must be a whole number from 1 to {high}")
    return int(text)


def _format(params: dict[str, list[str]], allowed: Sequence[str]) -> str:
    fmt = _one(params, "format") or allowed[0]
    if fmt not in allowed:
        raise BadRequest(f"format must be one of {', '.join(allowed)}", code="bad_parameter")
    return fmt


def csv_download(columns: Sequence[str], rows: Iterable[Sequence[object]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _without(pairs: urls.Pairs, *names: str) -> urls.Pairs:
    return tuple(p for p in pairs if p[0] not in names)


# -- keyword in context -------------------------------------------------------------------


def _concordance(params: dict[str, list[str]]) -> tuple[Concordance, int, int, str]:
    fmt = _format(params, ("json", "csv", "html"))
    page = _positive(params, "page", 1, 10**6)
    per_page = _positive(params, "per_page", KWIC_PER_PAGE, MAX_KWIC_PER_PAGE)
    options = parse_options(params)
    found = service().engine().concordance(build_request(params), options)
    return found, page, per_page, fmt


def _line_json(line: KwicLine, url: str) -> dict[str, object]:
    return {
        "id": line.id,
        "title": line.title,
        "date": line.date,
        "lang": line.lang,
        "url": url,
        "left": line.left,
        "match": line.match,
        "right": line.right,
    }


def kwic_json(found: Concordance, page: int, per_page: int) -> dict[str, object]:
    urls_of = request_urls()
    shown = found.lines[(page - 1) * per_page : page * per_page]
    return {
        "lines": [_line_json(line, urls_of(line.id)["url"]) for line in shown],
        "total_lines": len(found.lines),
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-len(found.lines) // per_page)),
        "articles": found.articles,
        "articles_read": found.read,
        "capped_articles": found.capped_articles,
        "per_article": found.options.per_article,
        "limit": found.options.limit,
        "limit_reached": found.limit_reached,
        "out_of_time": found.out_of_time,
        "width": found.options.width,
        "order": found.options.order,
        "interpreted": found.interpreted,
        "generation": found.generation,
    }


def _kwic_csv(found: Concordance) -> Response:
    urls_of = request_urls()
    rows = (
        [ln.id, ln.title, ln.date, ln.lang, urls_of(ln.id)["url"], ln.left, ln.match, ln.right]
        for ln in found.lines
    )
    return csv_download(KWIC_COLUMNS, rows, f"concordance-{found.generation}")


@bp.get("/api/v1/kwic")
def kwic_api() -> Response:
    found, page, per_page, fmt = _concordance(request.args.to_dict(flat=False))
    return _kwic_csv(found) if fmt == "csv" else jsonify(kwic_json(found, page, per_page))


@bp.get("/kwic")
def kwic_page() -> Response | str:
    params = request.args.to_dict(flat=False)
    pairs = urls.state_pairs(request.args.items(multi=True))
    if not any(v.strip() for v in params.get("q", [])):
        return render_template("kwic.html", found=None, q="", pairs=pairs, href=href)
    found, page, per_page, fmt = _concordance(params)
    if fmt == "csv":
        return _kwic_csv(found)
    data = kwic_json(found, page, per_page)
    return render_template(
        "kwic.html",
        found=found,
        data=data,
        q=request.args.get("q", ""),
        pairs=pairs,
        set_href=lambda name, value: href(urls.replace(pairs, name, value)),
        csv_href=href((*_without(pairs, "format", "page", "per_page"), ("format", "csv"))),
    )
