"""Another site's page using the API from its own origin, in Chromium: the example integration
(examples/search.html) and what browser code may read (rate-limit fields, ETag), POST = GET."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    OUTPUT,
    ROOT,
    free_port,
    gunicorn,
    require_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.corpus]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def api(sisihagen_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("limits") / "limits.sqlite3"
    env = {
        # a slow refill, so the count seen between two requests only goes down
        "ARCHIVE_SEARCH_RATE_LIMIT": "10/hour;burst=200",
        "ARCHIVE_SEARCH_RATELIMIT_STORE": str(store),
    }
    with gunicorn(sisihagen_index, env) as base:
        yield base


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def other_site() -> Iterator[str]:
    """examples/ served as another site would serve it: another host name, another port."""
    handler = functools.partial(_Quiet, directory=str(EXAMPLES))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(other_site: str) -> Iterator[Any]:
    sync_playwright = require_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        opened = browser.new_page()
        opened.set_default_timeout(20_000)
        errors: list[str] = []
        opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        opened.goto(other_site + "/search.html")  # the origin the fetches come from
        yield opened
        browser.close()
        # script errors and CORS refusals; each test asserts what it loads
        assert [e for e in errors if not e.startswith("Failed to load resource")] == [], errors


def test_the_example_page_searches_filters_and_pages(page: Any, api: str, other_site: str) -> None:
    page.goto(f"{other_site}/search.html?api={api}")
    page.locator("#archive-q").fill("Krieg")
    page.get_by_role("button", name="Search", exact=True).click()
    status = page.locator("#archive-status")
    status.filter(has_text="results").wait_for()
    total = int(status.inner_text().split()[0])
    assert total > 5
    assert page.locator("#archive-hits li").count() == 5
    assert page.locator("#archive-hits mark").count() > 0
    assert page.locator("#archive-page").inner_text() == f"Page 1 of {-(-total // 5)}"

    first = page.locator("#archive-hits h2 a").first
    assert first.get_attribute("href").startswith(api + "/articles/")  # resolved against the API
    first_title = first.inner_text()
    page.locator("#archive-next").click()
    page.locator("#archive-page").filter(has_text="Page 2 of").wait_for()
    assert page.locator("#archive-hits h2 a").first.inner_text() != first_title
    assert page.locator("#archive-prev").is_visible()

    tag = page.locator("#archive-facets button[data-facet=tag]").first
    tag.click()
    page.locator("#archive-facets button[aria-pressed=true]").wait_for()
    page.locator("#archive-page").filter(has_text="Page 1 of").wait_for()
    filtered = int(status.inner_text().split()[0])
    assert 0 < filtered < total
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "example-integration.png"), full_page=True)


READ_HEADERS = """async (url) => {
  const names = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "ETag"];
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const response = await fetch(url, {cache: "no-store"});
    seen.push(names.map((name) => response.headers.get(name)));
  }
  return seen;
}"""


def test_rate_limit_fields_count_down_and_are_readable(page: Any, api: str) -> None:
    seen = page.evaluate(READ_HEADERS, f"{api}/api/v1/search?q=Krieg&snippets=0")
    limits = {row[0] for row in seen}
    remaining = [int(row[1]) for row in seen]
    assert limits == {"200"}
    assert remaining == sorted(remaining, reverse=True) and remaining[0] > remaining[-1]
    assert all(int(row[2]) >= 0 for row in seen)
    assert all(row[3] and row[3].startswith('W/"') for row in seen)


def test_post_equals_get_from_another_origin(page: Any, api: str) -> None:
    bodies = page.evaluate(
        """async (api) => {
          const query = "?q=Krieg&lang=de&lang=fr&per_page=3";
          const get = await fetch(api + "/api/v1/search" + query);
          const post = await fetch(api + "/api/v1/search", {
            method: "POST", headers: {"Content-Type": "application/json"},
            body: JSON.stringify({q: "Krieg", lang: ["de", "fr"], per_page: 3}),
          });
          return [get.status, post.status, await get.json(), await post.json()];
        }""",
        api,
    )
    get_status, post_status, got, posted = bodies
    assert get_status == post_status == 200
    got["took_ms"] = posted["took_ms"] = 0
    assert got == posted and got["total"] > 0


def test_healthz_is_readable_from_another_origin(page: Any, api: str) -> None:
    health = page.evaluate("async (api) => (await fetch(api + '/healthz')).json()", api)
    assert health["status"] == "ok" and health["articles"] > 100
