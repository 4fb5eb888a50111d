"""Term trends on the real archive: each series point is the total of the same search
filtered to that period, and its share is of all the period's articles under the filters."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.request import build_request
from search.service import SearchService
from web import create_app

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def tclient(real_tantivy: Path) -> Iterator[FlaskClient]:
    app: Flask = create_app(
        {"INDEX_DIR": str(real_tantivy), "TESTING": True, "RATELIMIT_ENABLED": False}
    )
    yield app.test_client()


@pytest.mark.parametrize(
    "params",
    [
        {"q": ["war", "peace", '"human rights"']},
        {"q": ["krieg", "frieden"], "lang": ["de"], "interval": ["month"]},
        {"q": ["oil", "gas*"], "from": ["2019-06"], "to": ["2020-12"], "interval": ["month"]},
    ],
)
def test_a_series_is_the_search_filtered_to_each_period(
    real_service: SearchService, params: dict[str, list[str]]
) -> None:
    params = dict(params)
    queries = params.pop("q")
    interval = params.pop("interval", ["auto"])[0]
    request = build_request(params)
    found = real_service.engine().trends(queries, request, interval)  # type: ignore[arg-type]
    assert found.periods and len(found.series) == len(queries)
    for series in found.series:
        assert series.total > 0
        for (start, end), count, share, total in zip(
            found.periods, series.counts, series.shares, found.totals, strict=True
        ):
            filtered = dataclasses.replace(
                request, q=series.q, date_from=start, date_to=end, facets=False
            )
            assert real_service.search(filtered).total == count, (series.q, start)
            everything = dataclasses.replace(filtered, q="")
            assert real_service.search(everything).total == total
            assert share == pytest.approx(count / total if total else 0.0)


def test_api_and_csv_agree(tclient: FlaskClient) -> None:
    data = tclient.get("/api/v1/trends?q=war&q=peace&q=oil&interval=year").get_json()
    assert [s["q"] for s in data["series"]] == ["war", "peace", "oil"]
    assert all(len(s["counts"]) == len(data["periods"]) for s in data["series"])
    response = tclient.get("/api/v1/trends?q=war&q=peace&q=oil&interval=year&format=csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["war (articles)"]) for r in rows] == data["series"][0]["counts"]
    assert [int(r["all_articles"]) for r in rows] == [p["total"] for p in data["periods"]]


def test_the_page_draws_a_line_per_query_and_a_table(tclient: FlaskClient) -> None:
    html = tclient.get("/trends?q=war&q=peace").get_data(as_text=True)
    assert html.count("<polyline") == 2 and "<table" in html and "format=csv" in html
    assert tclient.get("/trends").status_code == 200


@pytest.mark.parametrize("query", ["", "q=a&q=b&q=c&q=d&q=e&q=f&q=g", "q=war&interval=decade"])
def test_bad_trends_are_400(tclient: FlaskClient, query: str) -> None:
    response = tclient.get(f"/api/v1/trends?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
