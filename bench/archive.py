"""The archives the engines are compared on, and the parsed records every engine is fed.

The real archive is the three real corpora copied side by side into a
temporary folder (``sisihagen/``, ``bbc/``, ``20news/``) with a configuration
that names each folder's publication and makes undeclared languages English
(BBC and the newsgroups are English and carry no language). Copying, not
linking, keeps the update benchmarks from ever writing into ``../shared``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.common import corpus, log
from indexer.config import CONFIG_NAME, load_config
from indexer.discover import discover
from indexer.parse import parse_read
from search.article import Article

REAL = ("sisihagen", "bbc", "20news")
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


def load_records(source: Path) -> tuple[list[Article], int, int]:
    """The articles of ``source`` parsed as ``build_index`` parses them; also files and bytes."""
    config = load_config(source)
    found = discover(source, config)
    articles: list[Article] = []
    size = 0
    for candidate in found.candidates:
        read = candidate.read(config.max_file_bytes)
        size += len(read.data)
        outcome = parse_read(candidate.relpath, read, config)
        if outcome.article is not None:
            articles.append(outcome.article)
    return articles, len(found.candidates), size
