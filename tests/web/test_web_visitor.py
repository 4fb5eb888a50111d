"""What a visitor meets, in Chromium against gunicorn serving sisihagen: search as you type,
the keyboard path to a result, the way back to the results, facet values that stay, the
default sort, and axe-core on every page type, desktop and mobile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    MOBILE,
    OUTPUT,
    axe_violations,
    gunicorn,
    require_axe,
    require_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.corpus]


@pytest.fixture(scope="module")
def server(sisihagen_index: Path) -> Iterator[str]:
    with gunicorn(sisihagen_index) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = require_browser()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp: axe-core is injected as an inline script, which the page's CSP forbids
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    # script errors and CSP violations; a page's own status is asserted by each test
    assert [e for e in errors if not e.startswith("Failed to load resource")] == [], errors


def test_typing_kara_suggests_and_enter_searches_the_choice(page: Any, server: str) -> None:
    page.goto(server + "/")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    box.press_sequentially("kara", delay=40)
    listbox = page.locator("#q-suggestions")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    first_label = options.first.locator(".suggestion-label").inner_text()
    assert first_label == "karabakh"
    assert page.locator(".combobox [role=status]").inner_text().startswith(f"{options.count()} ")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        box.press("Enter")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["karabakh"]
    assert "for “karabakh”" in page.locator("#results-title").inner_text()
    OUTPUT.mkdir(exist_ok=True)


def test_escape_closes_and_a_title_opens_its_article(page: Any, server: str) -> None:
    page.goto(server + "/")
    box = page.locator("#q")
    box.press_sequentially("kara", delay=40)
    listbox = page.locator("#q-suggestions")
    listbox.wait_for(state="visible")
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "kara"
    box.press("ArrowDown")  # opens the list again on the same suggestions
    article = listbox.locator(".suggestion-article").first
    with page.expect_navigation():
        article.click()
    assert "/articles/" in page.url


def test_keyboard_path_to_the_first_result_and_slash(page: Any, server: str) -> None:
    page.goto(server + "/?q=Krieg")
    presses = ["Tab", "Enter", "Tab"]  # skip link, follow it, the first result's title
    for key in presses:
        page.keyboard.press(key)
    assert len(presses) <= 5
    focused = page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.closest('li.hit') "
        "=== document.querySelector('ol.hits li.hit')]"
    )
    assert focused == ["A", True]
    assert page.url == server + "/?q=Krieg#results"
    page.evaluate("() => document.activeElement.blur()")  # reading the page, not in a field
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "q"


def test_back_to_results_returns_to_the_exact_page(page: Any, server: str) -> None:
    start = server + "/?q=Krieg&lang=de&page=2"
    page.goto(start)
    with page.expect_navigation():
        page.locator("ol.hits h2 a").first.click()
    back = page.get_by_role("link", name=re.compile("Back to results"))
    with page.expect_navigation():
        back.click()
    assert page.url == start


def test_a_selected_facet_value_stays_visible(page: Any, server: str) -> None:
    response = page.goto(server + "/?q=Covid&tag=society&tag=gesellschaft&not_lang=en")
    assert response.status == 200
    tags = page.locator("section[aria-labelledby='facet-tag']")
    selected = tags.locator("li.is-selected")
    assert selected.count() == 2
    for i in range(2):
        assert selected.nth(i).is_visible()
    labels = {selected.nth(i).locator(".label").inner_text().casefold() for i in range(2)}
    assert labels == {"society", "gesellschaft"}
    excluded = page.locator("section[aria-labelledby='facet-lang'] li.is-excluded")
    assert excluded.is_visible()


def test_a_query_typed_while_browsing_is_ranked_by_relevance(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.locator("#q").fill("Covid")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    assert "sort=" not in page.url
    assert "sorted by relevance" in page.locator("#results-title").inner_text()
    ranked = page.locator("ol.hits h2 a").all_inner_texts()
    assert any("Covid" in title for title in ranked[:3])
    page.goto(page.url + "&sort=newest")
    assert page.locator("ol.hits h2 a").all_inner_texts() != ranked  # not the date order


PAGE_TYPES = {
    "home": "/",
    "results": "/?q=Krieg",
    "filtered": "/?q=Covid&tag=society&not_lang=en",
    "empty": "/?q=zzzqqqxxx",
    "syntax": "/?q=%22Krieg+und",
    "not-found": "/articles/no-such-article",
}


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
@pytest.mark.parametrize("kind", [*PAGE_TYPES, "article", "suggestions"])
def test_axe_finds_no_violations(page: Any, server: str, kind: str, viewport: str) -> None:
    require_axe()
    page.set_viewport_size(DESKTOP if viewport == "desktop" else MOBILE)
    if kind == "article":
        page.goto(server + "/?q=Krieg")
        with page.expect_navigation():
            page.locator("ol.hits h2 a").first.click()
    elif kind == "suggestions":
        page.goto(server + "/?q=Krieg")
        page.locator("#q").fill("")
        page.locator("#q").press_sequentially("kri", delay=40)
        page.locator("#q-suggestions").wait_for(state="visible")
        page.locator("#q").press("ArrowDown")
    else:
        response = page.goto(server + PAGE_TYPES[kind])
        assert response.status == (404 if kind == "not-found" else 200)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"axe-{kind}-{viewport}.png"))
    assert axe_violations(page) == []
