"""Issue 12, findings 13 and 14.

- 13: a file name holding a newline (or an escape sequence) cannot forge lines
  of the CLI's text summary: control characters are shown escaped;
- 14: an article dated ``0001-01-01`` gets the year facet value ``0001``, and
  that value's own link (``?year=0001``) answers with the article.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from indexer.build import build_index
from tests.hardening.conftest import ROOT, cli
from web import create_app

FORGED = "evil\nwarning: everything is fine\x1b[2K.md"


def test_a_newline_in_a_file_name_cannot_forge_a_summary_line(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / FORGED).write_text("")  # an empty file: an error naming it
    (archive / "fine.md").write_text("---\ntitle: Fine\n---\nText.\n")
    done = subprocess.run(
        [*cli(), "index", str(archive), "--index", str(tmp_path / "ix")],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the empty file is an error
    lines = done.stdout.splitlines()
    assert not any(line.startswith("warning: everything") for line in lines), lines
    assert "\x1b" not in done.stdout
    (error,) = [line for line in lines if "empty file" in line]
    assert error == "  error: evil\\nwarning: everything is fine\\x1b[2K.md: empty file"


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    archive = tmp_path_factory.mktemp("year-one")
    (archive / "ancient.md").write_text("---\ntitle: Ancient\ndate: 0001-01-01\n---\nOld text.\n")
    (archive / "recent.md").write_text("---\ntitle: Recent\ndate: 2020-05-01\n---\nNew text.\n")
    index = tmp_path_factory.mktemp("year-one-ix")
    build_index(archive, index, engine=request.param)
    app = create_app({"INDEX_DIR": str(index), "TESTING": True, "RATELIMIT_ENABLED": False})
    yield app.test_client()
    app.extensions["archive_search.service"].close()


def test_year_one_facet_value_is_its_own_working_link(client: FlaskClient) -> None:
    body = client.get("/api/v1/search?q=text").get_json()
    years = {v["value"]: v["count"] for v in body["facets"]["year"]}
    assert years == {"2020": 1, "0001": 1}
    reply = client.get("/api/v1/search?q=text&year=0001")
    assert reply.status_code == 200, reply.get_json()
    assert [h["id"] for h in reply.get_json()["hits"]] == ["ancient.md"]
    chosen = next(v for v in reply.get_json()["facets"]["year"] if v["value"] == "0001")
    assert chosen["selected"] is True


def test_year_one_link_on_the_results_page(client: FlaskClient) -> None:
    page = client.get("/?q=text").get_data(as_text=True)
    assert "year=0001" in page and "year=1&" not in page and 'year=1"' not in page
    chosen = client.get("/?q=text&year=0001")
    assert chosen.status_code == 200 and "Ancient" in chosen.get_data(as_text=True)
