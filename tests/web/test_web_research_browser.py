"""The research views in a real Chromium against a real gunicorn (sisihagen): the timeline
from the keyboard and by dragging, and axe-core finding no serious or critical violation."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser_support import CHROMIUM, CHROMIUM_ARGS, OUTPUT
from tests.web.browser_support import require_browser as _require_browser
from tests.web.test_web_browser import server

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
"""Installed by ``make axe`` (npm's axe-core package)."""
PAGES = [
    "/?q=krieg",
    "/?q=karabakh&year=2020",
    "/kwic?q=%22human+rights%22",
    "/trends?q=war&q=peace&q=krieg",
    "/?q=krieg&gen=gen-000000",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.corpus]
__all__ = ["server"]  # the gunicorn fixture, shared with the other browser tests


@pytest.fixture(scope="module")
def sisihagen_index(sisihagen: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blog indexed by Tantivy for ``server``: what a page shows does not depend on the
    engine (the contract suite checks), and Tantivy builds it in a fraction of the time."""
    from indexer.build import build_index

    target = tmp_path_factory.mktemp("sisihagen-tantivy")
    assert build_index(sisihagen, target, rebuild=True, engine="tantivy").articles > 3_000
    return target


def _axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{AXE} is absent under CI: run 'make axe'")
        pytest.skip(f"{AXE} is absent: run 'make axe'")
    return AXE.read_text(encoding="utf-8")


def _count(page: Any) -> int:
    heading = page.locator("#results-title").inner_text()
    return int(re.search(r"([\d,]+) result", heading).group(1).replace(",", ""))  # type: ignore[union-attr]


def _bar_count(label: str) -> int:
    return int(label.rsplit(": ", 1)[1].split()[0].replace(",", ""))


def test_the_timeline_by_keyboard_and_by_dragging(server: str) -> None:
    sync_playwright = _require_browser()
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server + "/?q=krieg")
            bars = page.locator("svg.timeline-chart a.bar")
            assert bars.count() >= 3
            page.screenshot(path=str(OUTPUT / "timeline.png"), full_page=False)

            # Tab reaches the bars; Enter follows the focused one to its period
            label = None
            for _ in range(150):
                page.keyboard.press("Tab")
                label = page.evaluate(
                    "() => document.activeElement.closest('svg.timeline-chart') ? "
                    "document.activeElement.getAttribute('aria-label') : null"
                )
                if label:
                    break
            assert label, "no timeline bar took the keyboard focus"
            page.keyboard.press("Tab")  # on to the next bar
            label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "from=" in page.url and "to=" in page.url
            assert _count(page) == _bar_count(label)

            # dragging from the first bar to the third filters to the whole range
            page.goto(server + "/?q=krieg")
            first, third = bars.nth(0), bars.nth(2)
            start = first.get_attribute("data-start")
            end = third.get_attribute("data-end")
            box1, box3 = first.bounding_box(), third.bounding_box()
            assert box1 and box3
            page.mouse.move(box1["x"] + box1["width"] / 2, box1["y"] + box1["height"] - 2)
            page.mouse.down()
            page.mouse.move(box3["x"] + box3["width"] / 2, box3["y"] + box3["height"] - 2, steps=5)
            with page.expect_navigation():
                page.mouse.up()
            assert f"from={start}" in page.url and f"to={end}" in page.url
            expected = sum(
                _bar_count(bars.nth(i).get_attribute("aria-label") or "") for i in (0, 1, 2)
            )
            assert _count(page) == expected
            assert errors == [], errors
        finally:
            browser.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(server: str, path: str) -> None:
    sync_playwright = _require_browser()
    source = _axe_source()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # axe is injected as a script of its own: the page's CSP would refuse it
            context = browser.new_context(bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(server + path)
            page.add_script_tag(content=source)
            found = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
                " target: v.nodes[0] && v.nodes[0].target.join(' ')}))"
            )
            bad = [v for v in found if v["impact"] in ("serious", "critical")]
            assert bad == [], bad
        finally:
            browser.close()
