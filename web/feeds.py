"""Following a search from outside: an Atom 1.0 feed of any search (``/feed.atom?q=…``,
newest first) and the OpenSearch description (``/opensearch.xml``) that lets a browser
offer the archive in its search bar (every page links it with ``rel="search"``).

Their URLs are under ``ARCHIVE_SEARCH_PUBLIC_URL`` (``web.links``), never built from
the request's ``Host``; without it they are relative, which feed readers resolve
against the feed's URL but Atom ids and OpenSearch templates should not be: set
the public URL where feeds matter.

Both are built with ElementTree, which escapes text and attributes; article
dates are days, written as midnight UTC, and an undated article takes the
index generation's creation time (Atom requires every entry to have one).
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from search.request import build_request
from search.types import Hit, SearchResult
from web import citable, urls
from web.context import service
from web.links import external, request_urls

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
FEED_ENTRIES = 30
SHORT_NAME = "Archive search"
"""OpenSearch allows at most 16 characters."""


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = text
    return child


def _xml(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _stamp(hit: Hit, fallback: str) -> str:
    return f"{hit.date.isoformat()}T00:00:00Z" if hit.date else fallback


def atom_feed(result: SearchResult, self_url: str, page_url: str, created: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    q = result.request.q
    _el(feed, f"{{{ATOM}}}id", self_url)
    _el(feed, f"{{{ATOM}}}title", f"Archive search: {q}" if q else "Archive search: latest")
    _el(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page_url)
    stamps = [_stamp(hit, created) for hit in result.hits]
    _el(feed, f"{{{ATOM}}}updated", max(stamps, default=created))
    author = _el(feed, f"{{{ATOM}}}author")
    _el(author, f"{{{ATOM}}}name", SHORT_NAME)
    _el(feed, f"{{{ATOM}}}generator", "archive-search")
    urls_of = request_urls()
    for hit, stamp in zip(result.hits, stamps, strict=True):
        entry = _el(feed, f"{{{ATOM}}}entry")
        link = urls_of(hit.id)["url"]
        _el(entry, f"{{{ATOM}}}id", link)
        _el(entry, f"{{{ATOM}}}title", hit.title)
        _el(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        _el(entry, f"{{{ATOM}}}updated", stamp)
        summary = " … ".join(s.text for s in hit.snippets) or hit.summary
        if summary:
            _el(entry, f"{{{ATOM}}}summary", summary, type="text")
        for tag in hit.tags:
            _el(entry, f"{{{ATOM}}}category", term=tag)
    return _xml(feed)


@bp.get("/feed.atom")
def feed() -> Response:
    params = request.args.to_dict(flat=False)
    citable.take_generation(params)  # a feed follows the served index: a pin means nothing
    for name in ("sort", "page", "per_page"):
        params.pop(name, None)
    req = dataclasses.replace(
        build_request(params), sort="newest", per_page=FEED_ENTRIES, facets=False
    )
    svc = service()
    result = svc.search(req)
    pairs = urls.state_pairs(request.args.items(multi=True))
    kept = [(k, v) for k, v in pairs if k not in ("sort", "page", "per_page", citable.PARAM)]
    query = f"?{urlencode(kept)}" if kept else ""
    self_url = external("feeds.feed") + query
    page_url = external("pages.search") + query
    body = atom_feed(result, self_url, page_url, svc.info().created or "1970-01-01T00:00:00Z")
    return Response(body, mimetype="application/atom+xml")


def opensearch_description(page: str, feed_url: str, icon: str) -> bytes:
    ET.register_namespace("", OPENSEARCH)
    root = ET.Element(f"{{{OPENSEARCH}}}OpenSearchDescription")
    _el(root, f"{{{OPENSEARCH}}}ShortName", SHORT_NAME)
    _el(root, f"{{{OPENSEARCH}}}Description", "Search the articles of the archive")
    _el(root, f"{{{OPENSEARCH}}}InputEncoding", "UTF-8")
    _el(root, f"{{{OPENSEARCH}}}Image", icon, type="image/svg+xml", width="16", height="16")
    _el(root, f"{{{OPENSEARCH}}}Url", type="text/html", template=page + "?q={searchTerms}")
    _el(
        root,
        f"{{{OPENSEARCH}}}Url",
        type="application/atom+xml",
        template=feed_url + "?q={searchTerms}",
    )
    return _xml(root)


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    body = opensearch_description(
        external("pages.search"),
        external("feeds.feed"),
        external("static", filename="favicon.svg"),
    )
    return Response(body, mimetype="application/opensearchdescription+xml")
