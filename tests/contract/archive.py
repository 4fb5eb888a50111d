"""The small multilingual archive of the engine contract suite: files written into a tmp dir.

En/de/fr/ru folders (translations share a path below the language folder),
tags, dates, publications, an undated note, a draft, a plain-text file with
hostile markup, a year of dated parts for paging and date facets, and many
words sharing one prefix for the expansion cap.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.build import build_index
from search.registry import ENGINES as ENGINES  # every registered engine meets the contract
from search.service import SearchService
from search.types import SearchRequest


def _md(title: str, body: str, **meta: str) -> str:
    lines = [f"title: {title!r}"] + [f"{key}: {value}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).strip() + "\n"


SERIES_MONTHS = 12
QX_WORDS = 60
"""Distinct words sharing the prefix ``qx``: more than a prefix may expand to."""


def archive_files() -> dict[str, str]:
    """Relative path → file text. Ids are these paths; dates and tags are chosen per test."""
    files = {
        "en/blog/2020/10/karabakh.md": _md(
            "Israel's role in Nagorno-Karabakh",
            """
            Armenia and Azerbaijan fight a bloody war over the mountains of Karabakh.
            Israel sells drones to Azerbaijan, and the peace process has stalled.
            Inflation follows every war.
            """,
            date="2020-10-05",
            tags='["Politics", "Caucasus"]',
            author="Anna Smith",
            publication="Review",
        ),
        "de/blog/2020/10/karabakh.md": _md(
            "Israels Rolle in Bergkarabach",
            """
            Armenien und Aserbaidschan führen einen blutigen Krieg um die Berge.
            In allen Kriegen der Region verkauft Israel Drohnen.
            """,
            date="2020-10-06",
            tags='["Politik", "Kaukasus"]',
        ),
        "fr/blog/2020/10/karabakh.md": _md(
            "Le rôle d'Israël au Haut-Karabakh",
            """
            L'Arménie et l'Azerbaïdjan mènent une guerre sanglante dans les montagnes.
            Les négociations de paix sont bloquées.
            """,
            date="2020-10-07",
            tags='["Politique"]',
        ),
        "ru/blog/2020/10/karabakh.md": _md(
            "Роль Израиля в Нагорном Карабахе",
            """
            Армения и Азербайджан ведут кровавую войну за горы Карабаха.
            """,
            date="2020-10-08",
            tags='["Политика"]',
        ),
        "en/blog/2019/05/harbour.md": _md(
            "Harbour lights of Hamburg",
            """
            The harbour of Hamburg glows at night. Ferries cross the river Elbe.
            """,
            date="2019-05-12",
            tags='["Travel"]',
        ),
        "en/blog/2021/03/economy.md": _md(
            "Inflation and the economy",
            """
            Inflation pushes prices up while the central bank watches the markets.
            Harbour fees rose too; inflation hurts savers.
            """,
            date="2021-03-01",
            tags='["Economy", "Politics", "Central-Banking", "Q&amp;A"]',
            publication="Gazette",
        ),
        "en/blog/2021/07/drones.md": _md(
            "Drones over the desert",
            """
            Military drones patrol the desert. Drones changed the war in Karabakh:
            Azerbaijan used drones made in Israel and Turkey.
            """,
            date="2021-07-20",
            tags='["Technology", "Politics"]',
        ),
        "en/notes/river.md": _md(
            "A walk by the river",
            """
            The river flows past the old mill. Walking along the river is peaceful.
            """,
            tags='["Travel"]',
        ),
        "en/blog/2021/08/draft.md": _md(
            "Unfinished thoughts",
            "A draft about the secretword nobody may find.",
            date="2021-08-01",
            draft="true",
        ),
        "en/notes/zebra.txt": (
            "Zebra <script>alert('title')</script> crossing\n\n"
            "The zebra said <script>alert('pwned')</script> & walked on; "
            '<img src=x onerror="alert(1)"> the zebra stays.\n'
        ),
        "en/notes/qx.md": _md(
            "Made-up words",
            " ".join(f"qx{chr(97 + i // 26)}{chr(97 + i % 26)}zo" for i in range(QX_WORDS)),
            date="2017-02-02",
        ),
    }
    for month in range(1, SERIES_MONTHS + 1):
        files[f"en/series/part{month:02d}.md"] = _md(
            f"Chronicle part {month}",
            f"The chronicle of the year continues with chapter {month} about the city.",
            date=f"2015-{month:02d}-10",
            tags='["History"]',
        )
    return files


def write_archive(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@contextmanager
def served(
    files: dict[str, str], engine: str, tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[SearchService]:
    """A service over ``files`` indexed by ``engine``, closed at the end of the block."""
    archive = write_archive(tmp_path_factory.mktemp(f"{name}-archive"), files)
    index = tmp_path_factory.mktemp(f"{name}-{engine}")
    report = build_index(archive, index, engine=engine)
    assert report.errors == [], report.errors
    opened = SearchService(index)
    try:
        # The first facet count loads a locale per language for the language names (about
        # 0.07 s each): done here, so that no test's search runs into the time cap on a busy
        # machine.
        opened.search(SearchRequest())
        yield opened
    finally:
        opened.close()
