// An example of embedding the archive's search on another site with fetch(): results,
// facets and pagination from GET /api/v1/search (CORS allows every origin). Everything
// from the API is written with textContent; highlights are built from the snippets'
// plain text and match offsets, so no HTML from elsewhere is ever parsed.
"use strict";
(function () {
  var root = document.getElementById("archive-search");
  var api = (new URLSearchParams(window.location.search).get("api") || root.getAttribute("data-api")).replace(/\/$/, "");
  var FACETS = { tag: "Tags", lang: "Language", year: "Year" };
  var state = { q: "", filters: {} };
  var links = { next: null, prev: null };
  var pending = null;

  function $(id) { return document.getElementById(id); }

  // The API writes URLs relative to its root unless it is given its public URL:
  // resolve them against the API, not against this page.
  function fromApi(url) { return new URL(url, api + "/").href; }

  function node(tag, text, attrs) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) { el.textContent = text; }
    Object.keys(attrs || {}).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    return el;
  }

  function searchUrl() {
    var params = new URLSearchParams();
    if (state.q) { params.append("q", state.q); }
    Object.keys(state.filters).forEach(function (name) {
      state.filters[name].forEach(function (value) { params.append(name, value); });
    });
    params.append("per_page", "5");
    return api + "/api/v1/search?" + params.toString();
  }

  function load(url, retried) {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    $("archive-status").textContent = "Searching…";
    fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        // busy (503) or rate-limited (429): wait as long as Retry-After says, once
        var wait = Number(response.headers.get("Retry-After"));
        if ((response.status === 503 || response.status === 429) && wait && !retried) {
          window.setTimeout(function () { load(url, true); }, wait * 1000);
          return null;
        }
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error ? body.error.message : response.statusText); }
          return body;
        });
      })
      .then(function (body) { if (body) { show(body); } })
      .catch(function (error) {
        if (error.name !== "AbortError") { $("archive-status").textContent = "Search failed: " + error.message; }
      });
  }

  function marked(snippet) {
    // the snippet's text with <mark> around each match, built as DOM nodes
    var p = node("p");
    var at = 0;
    snippet.matches.forEach(function (span) {
      p.appendChild(document.createTextNode(snippet.text.slice(at, span[0])));
      p.appendChild(node("mark", snippet.text.slice(span[0], span[1])));
      at = span[1];
    });
    p.appendChild(document.createTextNode(snippet.text.slice(at)));
    return p;
  }

  function show(body) {
    $("archive-status").textContent = body.total + (body.total === 1 ? " result" : " results");
    var hits = $("archive-hits");
    hits.textContent = "";
    body.hits.forEach(function (hit) {
      var li = node("li");
      var h2 = node("h2");
      h2.appendChild(node("a", hit.title, { href: fromApi(hit.url), lang: hit.lang }));
      li.appendChild(h2);
      li.appendChild(node("p", [hit.date, hit.lang.toUpperCase()].filter(Boolean).join(" · "), { class: "meta" }));
      if (hit.snippets.length) { li.appendChild(marked(hit.snippets[0])); }
      hits.appendChild(li);
    });
    showFacets(body.facets);
    links = body.links;
    $("archive-prev").hidden = !links.prev;
    $("archive-next").hidden = !links.next;
    $("archive-page").textContent = "Page " + body.page + " of " + body.pages;
  }

  function showFacets(facets) {
    var aside = $("archive-facets");
    aside.textContent = "";
    Object.keys(FACETS).forEach(function (name) {
      var values = (facets[name] || []).slice(0, 8);
      if (!values.length) { return; }
      var section = node("section", null, { class: "facet" });
      section.appendChild(node("h3", FACETS[name]));
      var ul = node("ul");
      values.forEach(function (value) {
        var button = node("button", value.label + " (" + value.count + ")", {
          type: "button", "aria-pressed": String(value.selected), "data-facet": name, "data-value": value.value
        });
        button.addEventListener("click", function () { toggle(name, value.value); });
        var li = node("li");
        li.appendChild(button);
        ul.appendChild(li);
      });
      section.appendChild(ul);
      aside.appendChild(section);
    });
  }

  function toggle(name, value) {
    var chosen = state.filters[name] || [];
    var at = chosen.indexOf(value);
    if (at >= 0) { chosen.splice(at, 1); } else { chosen.push(value); }
    state.filters[name] = chosen;
    load(searchUrl());
  }

  root.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    state.q = $("archive-q").value.trim();
    state.filters = {};
    load(searchUrl());
  });
  $("archive-next").addEventListener("click", function () { if (links.next) { load(fromApi(links.next)); } });
  $("archive-prev").addEventListener("click", function () { if (links.prev) { load(fromApi(links.prev)); } });
})();
