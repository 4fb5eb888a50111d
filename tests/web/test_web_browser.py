"""End to end in a real Chromium against a real gunicorn serving an index of sisihagen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser_support import CHROMIUM, CHROMIUM_ARGS, OUTPUT, gunicorn, require_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.corpus]


@pytest.fixture(scope="module")
def server(sisihagen_index: Path) -> Iterator[str]:
    with gunicorn(sisihagen_index) as base:
        yield base


def _count(page: Any) -> int:
    heading = page.locator("#results-title").inner_text()
    return int(re.search(r"([\d,]+) result", heading).group(1).replace(",", ""))  # type: ignore[union-attr]


def _click_unselected(page: Any, facet: str) -> str:
    link = page.locator(f"section[aria-labelledby='facet-{facet}'] li:not(.is-selected) a.toggle")
    first = link.first
    label = first.locator(".label").inner_text()
    with page.expect_navigation():
        first.click()
    return str(label)


def test_search_facets_article_translation(server: str) -> None:
    sync_playwright = require_browser()
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            page.goto(server + "/")
            page.get_by_label("Search the archive").fill("krieg")
            with page.expect_navigation():
                page.get_by_role("button", name="Search", exact=True).click()
            assert "q=krieg" in page.url
            before = _count(page)
            assert before > 10

            _click_unselected(page, "tag")
            one_tag = _count(page)
            _click_unselected(page, "tag")
            two_tags = _count(page)
            _click_unselected(page, "year")
            with_year = _count(page)
            assert page.url.count("tag=") == 2 and "year=" in page.url
            assert one_tag < before and two_tags >= one_tag and with_year <= two_tags
            assert page.locator(".chips .chip").count() == 3
            page.screenshot(path=str(OUTPUT / "results.png"), full_page=True)

            # The state lives in the URL: reloading the permalink shows the same results.
            page.goto(page.url)
            assert _count(page) == with_year

            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(OUTPUT / "results-phone.png"), full_page=False)
            page.set_viewport_size({"width": 1280, "height": 900})

            _open_article_with_translation(page, server)
            assert errors == [], errors  # no CSP violations, no script errors
        finally:
            browser.close()


def _open_article_with_translation(page: Any, server: str) -> None:
    page.goto(server + "/?q=karabakh&lang=en")
    titles = page.locator("ol.hits h2 a")
    for i in range(min(titles.count(), 8)):
        page.goto(server + "/?q=karabakh&lang=en")
        with page.expect_navigation():
            page.locator("ol.hits h2 a").nth(i).click()
        assert "/articles/" in page.url
        assert page.locator("h1#article-title").inner_text()
        translations = page.locator("nav.translations a")
        if translations.count():
            page.screenshot(path=str(OUTPUT / "article.png"), full_page=False)
            target = translations.first
            lang = target.get_attribute("hreflang")
            with page.expect_navigation():
                target.click()
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("h1#article-title").inner_text()
            return
    pytest.fail("no article about Karabakh has a translation link")
