"""The client's ``Host`` header never reaches a URL the service writes (issue 12, finding 10).

It was reflected into the API's ``url``/``api_url``, the CSV's ``url`` and the 308
``Location``: poison for any shared cache in front. Now those URLs are under
``ARCHIVE_SEARCH_PUBLIC_URL`` when it is set, and relative to the root otherwise.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from archive_search.settings import Settings, SettingsError
from tests.hardening.conftest import MARKER
from web import create_app

EVIL = "evil.example"
PUBLIC = "https://archive.example.org/search"


def _urls_written(client: Any, headers: dict[str, str]) -> list[str]:
    """Every URL the service writes for one search, its first hit, its export and a redirect."""
    found: list[str] = []
    search = client.get(f"/api/v1/search?q={MARKER}", headers=headers).get_json()
    assert search["hits"], search
    for hit in search["hits"]:
        found += [hit["url"], hit["api_url"]]
    found += [link for link in search["links"].values() if link]
    article = client.get(f"/api/v1/articles/{search['hits'][0]['id']}", headers=headers)
    body = article.get_json()
    found += [body["url"], body["api_url"]]
    found += [r["url"] for r in body["related"]] + [t["url"] for t in body["translations"]]
    exported = client.get(f"/api/v1/export?q={MARKER}&format=csv", headers=headers)
    found += [row["url"] for row in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))]
    as_json = client.get(f"/api/v1/export?q={MARKER}&format=json", headers=headers).get_json()
    found += [row["url"] for row in as_json["articles"]]
    feed = client.get(f"/feed.atom?q={MARKER}", headers=headers).get_data(as_text=True)
    found += [m for pair in re.findall(r'href="([^"]+)"|<id>([^<]+)</id>', feed) for m in pair if m]
    search = client.get("/opensearch.xml", headers=headers).get_data(as_text=True)
    found += re.findall(r'template="([^"?]+)', search)
    redirect = client.get(f"/api//v1/search?q={MARKER}", headers=headers)
    assert redirect.status_code == 308
    found.append(redirect.headers["Location"])
    return found


@pytest.mark.parametrize("headers", [{"Host": EVIL}, {"Host": f"{EVIL}:8443"},
                                     {"Host": "localhost", "X-Forwarded-Host": EVIL}])  # fmt: skip
def test_without_a_public_url_urls_are_relative(
    small_index: tuple[Path, Path], headers: dict[str, str]
) -> None:
    client = create_app({"INDEX_DIR": str(small_index[1]), "RATELIMIT_ENABLED": False,
                         "PUBLIC_URL": None}).test_client()  # fmt: skip
    urls = _urls_written(client, headers)
    assert len(urls) > 5
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert EVIL not in url and "localhost" not in url, url


def test_a_public_url_fixes_every_absolute_url(small_index: tuple[Path, Path]) -> None:
    client = create_app({"INDEX_DIR": str(small_index[1]), "RATELIMIT_ENABLED": False,
                         "PUBLIC_URL": PUBLIC + "/"}).test_client()  # fmt: skip
    for url in _urls_written(client, {"Host": EVIL}):
        assert url.startswith(PUBLIC + "/"), url
        assert not url.startswith(PUBLIC + "//"), url
        assert EVIL not in url


def _get_as(base: str, target: str, host: str) -> tuple[int, dict[str, str], bytes]:
    """A GET naming ``host`` as its one Host header."""
    address, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=30)
    try:
        conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("public", [PUBLIC, None])
def test_real_gunicorn_does_not_reflect_the_host(
    small_index: tuple[Path, Path], serve: Any, public: str | None
) -> None:
    env = {"ARCHIVE_SEARCH_PUBLIC_URL": public} if public else {}
    server = serve(small_index[1], workers=1, env=env)
    status, _, body = _get_as(server.base, f"/api/v1/search?q={MARKER}", EVIL)
    assert status == 200, body[:300]
    hits = json.loads(body)["hits"]
    assert hits and all(h["url"].startswith(f"{public or ''}/articles/") for h in hits), hits
    status, headers, _ = _get_as(server.base, f"/api//v1/search?q={MARKER}", EVIL)
    assert status == 308
    assert headers["location"] == f"{public or ''}/api/v1/search?q={MARKER}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://archive.example.org/search/", "https://archive.example.org/search"),
        (" http://127.0.0.1:8000 ", "http://127.0.0.1:8000"),
    ],
)
def test_public_url_setting(value: str, expected: str) -> None:
    assert Settings.from_env({"ARCHIVE_SEARCH_PUBLIC_URL": value}).public_url == expected
    assert Settings.from_env({}).public_url is None


@pytest.mark.parametrize(
    "value",
    ["archive.example.org", "ftp://a.example", "https://a.example/?x=1", "https://a.example/#f",
     "https://user@a.example", "https:///path", "https://a.example/a b"],
)  # fmt: skip
def test_a_bad_public_url_is_refused_by_name(value: str) -> None:
    with pytest.raises(SettingsError, match="ARCHIVE_SEARCH_PUBLIC_URL"):
        Settings.from_env({"ARCHIVE_SEARCH_PUBLIC_URL": value})
