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
from search.trends import MAX_SERIES, Trends
from search.types import INTERVALS
from web import citable, urls
from web.charts import line_chart
from web.context import service
from web.export import csv_cell
from web.links import request_urls
from web.viewmodel import href

bp = Blueprint("research", __name__)

KWIC_PER_PAGE = 50
MAX_KWIC_PER_PAGE = 500
DOWNLOAD_DROPS = ("format", citable.PARAM)
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
    asked = citable.take_generation(params)
    pairs = citable.unpinned(urls.state_pairs(request.args.items(multi=True)))
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
        pin=citable.pin(pairs, asked, found.generation),
        set_href=lambda name, value: href(urls.replace(pairs, name, value)),
        csv_href=href((*_without(pairs, *DOWNLOAD_DROPS, "page", "per_page"), ("format", "csv"))),
    )


# -- term trends ----------------------------------------------------------------------------


def _trends(params: dict[str, list[str]]) -> tuple[Trends, str]:
    fmt = _format(params, ("json", "csv", "html"))
    queries = [q.strip() for q in params.pop("q", []) if q.strip()]
    interval = _one(params, "interval") or "auto"
    if interval not in (*INTERVALS, "auto"):
        raise BadRequest(f"parameter 'interval' must be one of {', '.join(INTERVALS)} or auto")
    request = build_request(params)
    for q in queries:  # each query passes the search's own checks (length, terms)
        build_request({"q": [q]})
    return service().engine().trends(queries, request, interval), fmt  # type: ignore[arg-type]


def trends_json(found: Trends) -> dict[str, object]:
    return {
        "interval": found.interval,
        "periods": [
            {"start": start.isoformat(), "end": end.isoformat(), "total": total}
            for (start, end), total in zip(found.periods, found.totals, strict=True)
        ],
        "series": [
            {
                "q": s.q,
                "interpreted": s.interpreted,
                "total": s.total,
                "counts": list(s.counts),
                "shares": [round(x, 6) for x in s.shares],
            }
            for s in found.series
        ],
        "notices": list(found.notices),
        "generation": found.generation,
    }


def _trends_csv(found: Trends) -> Response:
    columns = ["start", "end", "all_articles"]
    for s in found.series:
        columns += [f"{s.q} (articles)", f"{s.q} (share)"]
    rows = []
    for i, ((start, end), total) in enumerate(zip(found.periods, found.totals, strict=True)):
        row: list[object] = [start.isoformat(), end.isoformat(), total]
        for s in found.series:
            row += [s.counts[i], f"{s.shares[i]:.6f}"]
        rows.append(row)
    return csv_download(columns, rows, f"trends-{found.generation}")


@bp.get("/api/v1/trends")
def trends_api() -> Response:
    found, fmt = _trends(request.args.to_dict(flat=False))
    return _trends_csv(found) if fmt == "csv" else jsonify(trends_json(found))


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%" if value else "0%"


@bp.get("/trends")
def trends_page() -> Response | str:
    params = request.args.to_dict(flat=False)
    asked = citable.take_generation(params)
    pairs = citable.unpinned(urls.state_pairs(request.args.items(multi=True)))
    queries = [q for q in params.get("q", []) if q.strip()]
    measure = (_one(params, "measure") or "share") if queries else "share"
    if measure not in ("share", "count"):
        raise BadRequest("parameter 'measure' must be share or count")
    if not queries:
        return render_template("trends.html", found=None, queries=[""], pairs=pairs, q="")
    found, fmt = _trends(params)
    if fmt == "csv":
        return _trends_csv(found)
    values = [(s.q, s.shares if measure == "share" else s.counts) for s in found.series]
    fmt_value = _percent if measure == "share" else (lambda v: f"{v:,.0f}")
    chart = line_chart(found.interval, [p[0] for p in found.periods], values, fmt_value)
    return render_template(
        "trends.html",
        found=found,
        chart=chart,
        measure=measure,
        percent=_percent,
        queries=[*queries, ""] if len(queries) < MAX_SERIES else queries,
        pairs=pairs,
        pin=citable.pin(pairs, asked, found.generation),
        q="",
        set_href=lambda name, value: href(urls.replace(pairs, name, value)),
        csv_href=href((*_without(pairs, *DOWNLOAD_DROPS, "measure"), ("format", "csv"))),
    )
