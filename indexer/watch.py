"""``archive-search index PATH --watch``: publish each change to an archive as it lands.

The watcher does not keep an index of its own: every batch of file events
triggers the ordinary incremental update (``indexer.build.build_index``), which
compares the archive with the manifest of the served generation and publishes a
new generation with what changed. The events only say *when* to look; the
manifest says *what* changed. So nothing is lost when the watcher is killed
between an event and its update: the next start catches up from the manifest,
exactly as a plain ``archive-search index PATH`` does.

Events come from the operating system (inotify on Linux) through ``watchfiles``.
It groups a burst into one batch: it waits ``STEP_MS`` for more events after the
last one and never holds a batch longer than ``DEBOUNCE_MS``, so 1,000 files
copied in one go cost a few updates, not 1,000.

Between the catch-up run and the moment the operating system watches the
folder, a change could slip by unseen; so the first batch is taken as soon as
the watch is live (``TICK_MS`` at the latest, empty or not) and runs the update
once more. An update that fails (the index locked by another indexer, a full
disk) is logged and tried again at the next tick.

The first SIGINT or SIGTERM stops the watcher after the update in progress, so
the last batch is published whole; a second one interrupts that update (the
partial generation is removed, the served one is untouched).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path
from types import FrameType
from typing import TextIO

import watchfiles

from indexer.build import BuildReport
from indexer.config import CONFIG_NAME
from indexer.outcome import printable
from search.errors import SearchError

STEP_MS = 50
"""Quiet time after the last event before a batch is published."""
DEBOUNCE_MS = 1000
"""The longest a batch is held while events keep coming."""
TICK_MS = 1000
"""How often the loop wakes without events: the first catch-up, retries after a failure."""

FULL_SCAN_SECONDS = 600.0
"""How often, at most, a batch looks at the whole archive rather than at its events' paths."""

Update = Callable[[Collection[str] | None], BuildReport]
"""Runs one update: of the given paths (relative to the archive), or of the whole archive."""


def stop_on_signals() -> threading.Event:
    """An event set by the first SIGINT or SIGTERM; the second one raises KeyboardInterrupt."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def watch_archive(
    source: Path, index_dir: Path, update: Update, out: TextIO, stop: threading.Event
) -> None:
    """Run ``update`` after every batch of changes under ``source`` until ``stop`` is set."""
    # the index may live inside the archive: its own writes must not wake the watcher (both
    # paths resolved, as the events' paths start with the watched path as given)
    ignore = watchfiles.DefaultFilter(ignore_paths=(str(Path(index_dir).resolve()),))
    root = Path(source).resolve()
    _log(out, f"watching {printable(str(source))} for changes (Ctrl-C to stop)")
    # None: the whole archive. The first tick looks at it all once the watch is live, and
    # so does a batch after ``FULL_SCAN_SECONDS``: a change no event told of (a link's
    # target changed outside the archive, an overflowed event queue) waits no longer.
    pending: set[str] | None = None
    last_full = 0.0
    for changes in watchfiles.watch(
        root, watch_filter=ignore, debounce=DEBOUNCE_MS, step=STEP_MS,
        stop_event=stop, rust_timeout=TICK_MS, yield_on_timeout=True, raise_interrupt=False,
    ):  # fmt: skip
        paths = {path for _, path in changes}
        if pending is not None:
            found = relative_paths(root, paths)
            pending = None if found is None else pending | found
        if time.monotonic() - last_full > FULL_SCAN_SECONDS:
            pending = None
        if pending is None or pending:
            started = time.monotonic()
            if _publish(update, pending, len(paths), out):
                last_full = started if pending is None else last_full
                pending = set()
    _log(out, "stopped")


def relative_paths(root: Path, paths: Collection[str]) -> set[str] | None:
    """The events' paths relative to ``root``; None (look at everything) when one is the root
    itself, its configuration file, or outside it."""
    found = set()
    for path in paths:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if rel in (".", CONFIG_NAME) or rel.startswith("../"):
            return None
        found.add(rel)
    return found


def _publish(update: Update, paths: Collection[str] | None, files: int, out: TextIO) -> bool:
    """Run one update and log what it published; False when it failed (try again later)."""
    started = time.perf_counter()
    try:
        report = update(paths)
    except SearchError as exc:
        _log(out, f"not published, will retry: {exc.message}")
        return False
    except OSError as exc:
        _log(out, f"not published, will retry: the index could not be written ({exc})")
        return False
    if files or report.mode != "unchanged":
        _log(out, batch_line(report, files, time.perf_counter() - started))
    return True


def batch_line(report: BuildReport, files: int, seconds: float) -> str:
    """One log line for one batch: files changed on disk, what was published, how long it took."""
    if report.mode == "unchanged":
        return f"{files} files changed, no article changed ({seconds:.2f} s)"
    steps = ", ".join(f"{name} {secs * 1000:.0f}" for name, secs in report.phases.items())
    return (
        f"{files} files changed: published generation {report.generation} in {seconds:.2f} s "
        f"({report.indexed} articles new, {report.updated} updated, {report.removed} removed; "
        f"{report.articles} in the index) [ms: {steps}]"
    )


def _log(out: TextIO, message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=out, flush=True)
