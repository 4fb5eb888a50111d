"""Archives and indexes kept between runs of the ``freshness`` and ``tail`` parts.

``python -m bench --only freshness,tail --kept-dir DIR`` makes them in DIR and a later
run with the same DIR reuses them, as ``bench.million`` does with ``--million-dir``
(a 100,000-article Whoosh build takes tens of minutes on two shared cores)::

    DIR/archive-real/             the three real corpora put together (24,543 articles)
    DIR/archive-100000/           100,000 generated articles (``bench.generate``)
    DIR/archive-100000.json       the generator's figures: the archive is complete
    DIR/index-100000-whoosh/      our index of it, built by ``archive-search index``
    DIR/index-100000-raw-tantivy/ raw Tantivy's (``bench.peers``)
    DIR/build-100000-whoosh.json  the build's seconds

Nothing here is written after it is made: the freshness part works on hard-linked
copies of the indexes (``linked_copy``; no engine writes into an existing file) and
removes the articles it adds to an archive, so the tail part times the index as
built.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.archive import REAL, Read, assemble, iter_records
from bench.common import log
from bench.peers import build_tantivy
from search.errors import SearchError
from search.registry import check_meta
from search.store import LOCK, IndexStore

Size = int | str
"""A number of generated articles, ``real`` (the three real corpora) or one corpus's name."""
RAW = "raw-tantivy"


def archive(kept: Path, size: Size) -> Path:
    """The archive of ``size`` in ``kept``, made unless an earlier run made it whole."""
    kept.mkdir(parents=True, exist_ok=True)
    if isinstance(size, str):
        return assemble(kept, f"archive-{size}", REAL if size == "real" else (size,))
    target, done = kept / f"archive-{size}", kept / f"archive-{size}.json"
    if not done.is_file():
        shutil.rmtree(target, ignore_errors=True)
        log(f"kept: generating {size:,} articles into {target}")
        done.write_text(json.dumps(generate.generate(target, size)), encoding="utf-8")
    return target


def index(kept: Path, size: Size, engine: str) -> Path:
    """The index of ``size``'s archive by ``engine`` (ours or ``raw-tantivy``) in ``kept``,
    built unless an earlier run built one this code reads."""
    target = kept / f"index-{size}-{engine}"
    if _readable(engine, target):
        return target
    source = archive(kept, size)
    shutil.rmtree(target, ignore_errors=True)
    log(f"kept: building {engine} on {source}")
    started = time.perf_counter()
    staged = target.with_name(f"{target.name}.building")
    shutil.rmtree(staged, ignore_errors=True)
    if engine == RAW:
        build_tantivy(iter_records(source, Read(), workers=2), staged)
    else:
        cli = str(Path(sys.executable).parent / "archive-search")
        subprocess.run(
            [cli, "index", str(source), "--index", str(staged), "--engine", engine, "--quiet"],
            check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    staged.rename(target)
    seconds = round(time.perf_counter() - started, 1)
    log(f"kept: {engine} built in {seconds} s")
    figures = {"seconds": seconds, "load_average_end": os.getloadavg()[0]}
    (kept / f"build-{size}-{engine}.json").write_text(json.dumps(figures), encoding="utf-8")
    return target


def _readable(engine: str, target: Path) -> bool:
    if engine == RAW:
        return (target / "meta.json").is_file()
    try:
        check_meta(IndexStore(target).current())
    except SearchError:
        return False
    return True


def linked_copy(source: Path, target: Path) -> Path:
    """A copy of the index ``source`` whose files are hard links (its lock and a watcher's
    working copy left out): an update of the copy writes new files only."""
    shutil.copytree(
        source, target, copy_function=os.link, ignore=shutil.ignore_patterns(LOCK, "live")
    )
    return target
