"""A snippet is never code alone: without a match in the body, the summary is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from search.service import SearchService
from search.types import SearchRequest

DOC = """---
title: Install guide
---
```sh
npm install --save-dev some-package
```

Then start the server and open the page.
"""


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_a_title_match_shows_the_prose_summary_not_the_code_at_the_start(
    tmp_path: Path, engine: str
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "install.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "src" / "other.md").write_text("---\ntitle: Other\n---\nA guide to npm.")
    build_index(tmp_path / "src", tmp_path / "ix", engine=engine)
    service = SearchService(tmp_path / "ix")
    try:
        hits = {h.id: h for h in service.search(SearchRequest(q="guide")).hits}
    finally:
        service.close()
    title_only = hits["install.md"]
    assert [s.text for s in title_only.snippets] == ["Then start the server and open the page."]
    in_body = hits["other.md"]  # a match in the body is still shown where it is
    assert any("npm" in s.text and s.matches for s in in_body.snippets)
