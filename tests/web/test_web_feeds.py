"""Atom feeds, the OpenSearch description and pinned permalinks (demo archive)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import feedparser
import pytest
from flask.testing import FlaskClient

from tests.web.conftest import executable_parts

OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def test_the_feed_is_valid_atom_newest_first(client: FlaskClient) -> None:
    response = client.get("/feed.atom?q=karabakh&sort=oldest")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Archive search: karabakh"
    assert (
        parsed.feed.links[0].rel == "self" and "feed.atom?q=karabakh" in parsed.feed.links[0].href
    )
    assert parsed.entries
    api = client.get("/api/v1/search?q=karabakh&sort=newest&per_page=30").get_json()
    assert [e.link for e in parsed.entries] == [h["url"] for h in api["hits"]]
    for entry in parsed.entries:
        assert entry.id == entry.link and entry.title and entry.updated
    # dated articles newest first (undated ones follow, stamped with the index's time)
    stamps = [e.updated for e in parsed.entries if e.updated.endswith("T00:00:00Z")]
    assert stamps and stamps == sorted(stamps, reverse=True)


def test_the_feed_escapes_hostile_text(xss_client: FlaskClient) -> None:
    body = xss_client.get("/feed.atom?q=xsstoken").get_data()
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.entries
    assert b"<script" not in body  # only as escaped text
    ET.fromstring(body)


def test_opensearch_description_is_valid_and_works(client: FlaskClient) -> None:
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    short = root.findtext(f"{OPENSEARCH}ShortName") or ""
    assert 0 < len(short) <= 16
    assert 0 < len(root.findtext(f"{OPENSEARCH}Description") or "") <= 1024
    templates = {u.get("type"): u.get("template") or "" for u in root.iter(f"{OPENSEARCH}Url")}
    assert {"text/html", "application/atom+xml"} <= set(templates)
    for template in templates.values():
        # relative: no ARCHIVE_SEARCH_PUBLIC_URL here, and never the Host (issue 12, #10)
        assert template.startswith("/") and "{searchTerms}" in template
        path = template.removeprefix("/")
        got = client.get("/" + path.replace("{searchTerms}", quote("karabakh")))
        assert got.status_code == 200


@pytest.mark.parametrize("path", ["/", "/?q=karabakh", "/kwic", "/trends", "/articles/nope"])
def test_every_page_links_the_search_description(client: FlaskClient, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    assert '<link rel="search" type="application/opensearchdescription+xml"' in html


def test_a_permalink_pins_the_generation(client: FlaskClient) -> None:
    served = client.get("/healthz").get_json()["generation"]
    html = client.get("/?q=karabakh").get_data(as_text=True)
    assert f"?q=karabakh&amp;gen={served}" in html
    pinned = client.get(f"/?q=karabakh&gen={served}").get_data(as_text=True)
    assert "still served" in pinned and "no longer served" not in pinned
    assert executable_parts(pinned) == []
    # facet and export links lead on to current results, without the pin
    assert "gen=" not in pinned.split("/api/v1/export", 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("path", ["/", "/kwic", "/trends"])
def test_a_pin_to_a_replaced_generation_is_said(client: FlaskClient, path: str) -> None:
    html = client.get(f"{path}?q=karabakh&gen=gen-000000").get_data(as_text=True)
    assert "gen-000000, which is no longer served" in html


def test_a_bad_pin_is_a_400(client: FlaskClient) -> None:
    assert client.get("/?q=x&gen=<script>").status_code == 400
