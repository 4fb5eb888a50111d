"""The timeline on the results page and in the API (demo archive)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.web.conftest import executable_parts


def test_api_histogram_sums_to_the_total(client: FlaskClient) -> None:
    data = client.get("/api/v1/search?histogram=month&facets=0").get_json()
    assert data["histogram_interval"] == "month"
    assert sum(b["count"] for b in data["histogram"]) + data["histogram_undated"] == data["total"]
    assert all(b["start"] <= b["end"] for b in data["histogram"])
    plain = client.get("/api/v1/search").get_json()
    assert "histogram" not in plain  # only when asked for


def test_bad_histogram_is_a_400(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?histogram=fortnight")
    assert response.status_code == 400
    assert "histogram" in response.get_json()["error"]["message"]


def test_the_page_draws_bars_that_link_to_their_period(client: FlaskClient) -> None:
    html = client.get("/?year=2020").get_data(as_text=True)
    svg = html.split('<svg class="chart timeline-chart"', 1)[1].split("</svg>", 1)[0]
    links = re.findall(r'<a class="bar[^"]*" href="([^"]+)"[^>]*aria-label="([^"]+)"', svg)
    assert links, svg
    for href, label in links:
        assert "from=" in href and "to=" in href and "year=" not in href, href
        assert re.search(r": [\d,]+ articles?$", label)
    assert "in-range" in svg  # the bars of the selected year stand out
    table = html.split('<details class="chart-table">', 1)[1].split("</details>", 1)[0]
    undated = int(">Undated</a></th>" in table)
    assert table.count('<th scope="row">') == svg.count("data-start=") + undated
    assert executable_parts(html) == []


def test_following_a_bar_gives_its_count(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    href, label = re.findall(r'<a class="bar[^"]*" href="([^"]+)"[^>]*aria-label="([^"]+)"', html)[
        0
    ]
    count = int(label.rsplit(": ", 1)[1].split()[0].replace(",", ""))
    page = client.get("/" + href.replace("&amp;", "&")).get_data(as_text=True)
    assert f"{count:,} result" in page


def test_the_histogram_is_part_of_the_cache_key_and_the_links(client: FlaskClient) -> None:
    """A search with its timeline is another representation: its own ETag and paging links."""
    plain = client.get("/api/v1/search?per_page=1")
    timed = client.get("/api/v1/search?per_page=1&histogram=year")
    assert plain.headers["ETag"] != timed.headers["ETag"]
    assert "histogram=year" in timed.get_json()["links"]["next"]
    again = client.get(
        "/api/v1/search?per_page=1", headers={"If-None-Match": timed.headers["ETag"]}
    )
    assert again.status_code == 200 and "histogram" not in again.get_json()
