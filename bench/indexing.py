"""Indexing throughput on the sisihagen archive: a full build, a no-op update, one changed article.

The archive is copied to a temporary folder first, so the update benchmark
can change a file without touching ``../shared``. The index left behind is
the one the latency and load benchmarks search.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.common import corpus, dir_size, log
from indexer.build import BuildReport, build_index
from search.store import IndexStore

CHANGED_ARTICLE = Path("en/blog/2020/10/israels-role-in-nagorno-karabakh.md")
"""The article rewritten for the one-article update (the first seed article)."""
MB = 1024 * 1024


def copy_archive(work: Path) -> Path:
    target = work / "sisihagen"
    if not target.exists():
        shutil.copytree(corpus("sisihagen"), target)
    return target


def build_sisihagen(work: Path) -> tuple[Path, BuildReport]:
    """A full build of the copied archive into ``work/index-sisihagen``."""
    source = copy_archive(work)
    index_dir = work / "index-sisihagen"
    log(f"indexing {source} (full build)")
    return index_dir, build_index(source, index_dir, rebuild=True)


def _report(report: BuildReport) -> dict[str, Any]:
    return {
        "mode": report.mode,
        "seconds": report.seconds,
        "files": report.files,
        "articles": report.articles,
        "indexed": report.indexed,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "problems": len(report.problems),
    }


def full_build_figures(index_dir: Path, report: BuildReport) -> dict[str, Any]:
    size = dir_size(IndexStore(index_dir).current().path)
    seconds = max(report.seconds, 1e-9)
    return {
        **_report(report),
        "bytes_read": report.bytes_read,
        "articles_per_s": round(report.articles / seconds, 1),
        "mb_per_s": round(report.bytes_read / MB / seconds, 3),
        "source_mb": round(report.bytes_read / MB, 2),
        "index_mb": round(size / MB, 2),
    }


def touch_article(source: Path) -> Path:
    """Change one article's body, as an author correcting a sentence would."""
    path = source / CHANGED_ARTICLE
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nA sentence added by the update benchmark.\n", encoding="utf-8")
    return path


def run(work: Path) -> tuple[Path, dict[str, Any]]:
    """All three figures and the index directory (for the other benchmarks)."""
    index_dir, report = build_sisihagen(work)
    figures: dict[str, Any] = {"full": full_build_figures(index_dir, report)}
    source = Path(report.source)
    log("indexing: no-op update")
    figures["noop"] = _report(build_index(source, index_dir))
    touch_article(source)
    log("indexing: update of one changed article")
    figures["one_changed"] = _report(build_index(source, index_dir))
    return index_dir, figures
