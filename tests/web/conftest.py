"""Fixtures for the web layer: real indexes built once per session, apps and clients on them."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.openapi_check import CheckingClient
from web import create_app

DEMO_CORPUS = Path(__file__).resolve().parents[2] / "corpus"
XSS_MARKDOWN = textwrap.dedent(
    """\
    ---
    title: "Evil <script>alert(1)</script> title <img src=x onerror=alert(2)>"
    date: 2021-01-02
    draft: false
    tags: "<script>alert(3)</script>"
    shorttext: "Summary <img src=x onerror=alert(4)> xsstoken"
    lang: en
    ---

    Body xsstoken <script>alert(5)</script> and <img src=x onerror=alert(6)> here.

    [click me](javascript:alert(7)) and [data link](data:text/html;base64,PHNjcmlwdD4=)
    and <a href="javascript:alert(8)">raw link</a> and <div onclick="alert(9)">div</div>
    and <iframe src="https://evil.example/"></iframe> <svg onload=alert(10)></svg>
    and a [good link](https://example.org/ok).
    """
)
OWN_SCRIPTS = frozenset({"/static/app.js", "/static/suggest.js"})
XSS_TEXT = "Plain <script>alert(11)</script> title\n\nText xsstoken <img src=x onerror=alert(12)>\n"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _our_chart(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """The server's own charts (``web.charts``): an ``svg`` of class ``chart``, whose
    attributes are still checked like any others below."""
    return tag == "svg" and "chart" in (dict(attrs).get("class") or "").split()


def executable_parts(html: str) -> list[str]:
    """What in ``html`` a browser could execute: script/iframe tags, on* handlers, bad URLs."""
    parser = _Collect()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag == "script" and dict(attrs).get("src") not in OWN_SCRIPTS:
            found.append(f"<{tag}>")
        if tag in {"iframe", "object", "embed", "svg", "img", "base"} and not _our_chart(
            tag, attrs
        ):
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "formaction"} and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    found.append(f"{tag}[{name}={value}]")
            if name == "style":
                found.append(f"{tag}[style]")
    return found


def _build(source: Path, target: Path, *, clean: bool = True) -> Path:
    from indexer.build import build_index

    report = build_index(source, target, rebuild=True)
    assert report.articles > 0
    if clean:
        assert not report.errors, report.errors
    return target


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(DEMO_CORPUS, tmp_path_factory.mktemp("demo-index"))


@pytest.fixture(scope="session")
def xss_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("xss-archive")
    (archive / "evil.md").write_text(XSS_MARKDOWN, encoding="utf-8")
    (archive / "plain.txt").write_text(XSS_TEXT, encoding="utf-8")
    return _build(archive, tmp_path_factory.mktemp("xss-index"))


def _app(index: Path, **config: Any) -> Iterator[Flask]:
    # rate limiting has tests of its own (tests/hardening); here it would only leave stores behind
    settings = {"INDEX_DIR": str(index), "TESTING": True, "RATELIMIT_ENABLED": False}
    app = create_app({**settings, **config})
    app.test_client_class = CheckingClient  # every API response is checked against the document
    yield app
    app.extensions["archive_search.service"].close()


@pytest.fixture(scope="session")
def demo_app(demo_index: Path) -> Iterator[Flask]:
    yield from _app(demo_index)


@pytest.fixture
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture(scope="session")
def sisihagen_app(sisihagen_index: Path) -> Iterator[Flask]:
    yield from _app(sisihagen_index)


@pytest.fixture
def sisihagen_client(sisihagen_app: Flask) -> FlaskClient:
    return sisihagen_app.test_client()


@pytest.fixture(scope="session")
def xss_app(xss_index: Path) -> Iterator[Flask]:
    yield from _app(xss_index)


@pytest.fixture
def xss_client(xss_app: Flask) -> FlaskClient:
    return xss_app.test_client()
