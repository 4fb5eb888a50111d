"""The facet arrays' names a server never reads (each article's translation group) are saved
in a file of their own, and an index saved before that split is still carried on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.build import build_index
from search.docvalues import NAMES, WRITER_FILE, load_docvalues
from search.service import SearchService
from search.store import IndexStore
from search.types import SearchRequest

ARTICLE = "---\ntitle: {title}\nlang: {lang}\ntranslationKey: {key}\n---\n\nharbour {title}\n"


def _write(archive: Path, rel: str, title: str, lang: str, key: str) -> None:
    path = archive / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, lang=lang, key=key), encoding="utf-8")


def _groups(index: Path) -> list[list[str]]:
    service = SearchService(index)
    try:
        found = service.search(SearchRequest(q="harbour", group="translations", per_page=50))
        return sorted(sorted([hit.id, *(t.id for t in hit.also_in)]) for hit in found.hits)
    finally:
        service.close()


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_translation_groups_are_saved_apart_and_old_indexes_still_update(
    engine: str, tmp_path: Path
) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    _write(archive, "en/a.md", "a", "en", "story-a")
    _write(archive, "de/a.md", "a-de", "de", "story-a")
    _write(archive, "en/b.md", "b", "en", "story-b")
    build_index(archive, index, engine=engine)
    generation = IndexStore(index).current().path
    names = json.loads((generation / NAMES).read_text(encoding="utf-8"))
    assert "group_keys" not in names  # what a server reads when it opens the generation
    _dv, _arrays, server_names = load_docvalues(generation)
    assert "group_keys" not in server_names
    saved = json.loads((generation / WRITER_FILE).read_text(encoding="utf-8"))
    assert set(saved["group_keys"]) == {"story-a", "story-b"}

    # an index saved before the split: the groups among the other names, no writer file
    names["group_keys"] = saved["group_keys"]
    (generation / NAMES).write_text(json.dumps(names), encoding="utf-8")
    (generation / WRITER_FILE).unlink()
    _write(archive, "de/b.md", "b-de", "de", "story-b")
    build_index(archive, index, paths=["de/b.md"])
    rebuilt = tmp_path / "rebuilt"
    build_index(archive, rebuilt, engine=engine)
    assert _groups(index) == _groups(rebuilt)
    assert len(_groups(index)) == 2
