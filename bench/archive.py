"""The archives the engines are compared on, and the parsed records every engine is fed.

The real archive is the three real corpora copied side by side into a
temporary folder (``sisihagen/``, ``bbc/``, ``20news/``) with a configuration
that names each folder's publication and makes undeclared languages English
(BBC and the newsgroups are English and carry no language). Copying, not
linking, keeps the update benchmarks from ever writing into ``../shared``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import corpus, log
from indexer.config import CONFIG_NAME, load_config
from indexer.discover import discover
from indexer.parse_pool import parsed_files
from search.article import Article

REAL = ("sisihagen", "bbc", "20news")
PROGRESS_EVERY = 100_000
PUBLICATIONS = {"sisihagen": "Sisihagen", "bbc": "BBC News", "20news": "20 Newsgroups"}


def config_text(folders: tuple[str, ...]) -> str:
    lines = ['default_lang = "en"', "", "[publications]"]
    lines += [f'"{name}" = "{PUBLICATIONS.get(name, name)}"' for name in folders]
    return "\n".join(lines) + "\n"


def assemble(work: Path, name: str, folders: tuple[str, ...]) -> Path:
    """``work/name`` holding copies of the given real corpora and the archive configuration."""
    target = work / name
    if target.exists():
        return target
    for folder in folders:
        log(f"copying corpus {folder} into {target}")
        shutil.copytree(corpus(folder), target / folder)
    (target / CONFIG_NAME).write_text(config_text(folders), encoding="utf-8")
    return target


@dataclass
class Read:
    """What ``iter_records`` went through: files found and bytes read (filled as it goes)."""

    files: int = 0
    bytes: int = 0
    articles: int = 0


def iter_records(source: Path, read: Read, workers: int = 1) -> Iterator[Article]:
    """The articles of ``source`` parsed as ``build_index`` parses them, one at a time (a
    million articles held at once would weigh more than the index being built), by
    ``workers`` processes (``indexer.parse_pool``) when more than one."""
    config = load_config(source)
    candidates = discover(source, config).candidates
    read.files = len(candidates)
    with parsed_files(candidates, config, workers=workers) as parsed:
        for n, result in enumerate(parsed, 1):
            read.bytes += result.size
            if result.outcome.article is not None:
                read.articles += 1
                yield result.outcome.article
            if n % PROGRESS_EVERY == 0:
                log(f"read {n:,} of {read.files:,} files of {source.name}")


def load_records(source: Path) -> tuple[list[Article], int, int]:
    """The articles of ``source`` parsed as ``build_index`` parses them; also files and bytes."""
    read = Read()
    articles = list(iter_records(source, read))
    return articles, read.files, read.bytes
