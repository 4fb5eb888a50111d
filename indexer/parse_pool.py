"""Read and parse many files, in worker processes when there are enough of them.

``parsed_files`` yields one ``Parsed`` per candidate, in the candidates' order,
whatever the number of workers: a parallel build reports exactly what a serial
one does. Workers read the files themselves (only paths cross the process
boundary, and picklable ``ParseOutcome`` records come back), a bounded number
of chunks is in flight so parsed articles never pile up ahead of the engine
writer, and the pool is torn down on every way out (end, error, Ctrl-C).

Decisions:

- Below ``PARALLEL_MIN_FILES`` changed files, or with one CPU, parsing stays in
  this process: starting workers costs more than it saves on a small update.
- Workers come from a *forkserver*, not a plain fork: a forked worker would
  inherit this process's descriptors, among them the index's write lock
  (``flock``), and a worker outliving a killed indexer would keep the index
  locked; nor is forking safe once the engine writer runs threads.
- Workers ignore SIGINT (Ctrl-C reaches the whole process group; the indexer
  alone decides to stop, then stops them: see ``_stop``), and exit by themselves when the
  process that started them is gone (``kill -9`` of the indexer).
- A worker that dies (killed, out of memory) does not fail the run: the files
  not yet parsed are parsed here.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from indexer.config import ArchiveConfig
from indexer.discover import Candidate
from indexer.outcome import ParseOutcome
from indexer.parse import parse_read, unreadable

PARALLEL_MIN_FILES = 500
"""Fewer changed files than this are parsed in this process (a worker starts in ~0.3 s)."""
CHUNK_FILES = 48
"""Files per task: enough to make the round trip negligible, few enough to balance load."""
CHUNKS_PER_WORKER = 4
"""Tasks queued per worker: keeps workers busy without parsing far ahead of the writer."""
_WATCH_SECONDS = 1.0
STOP_SECONDS = 10.0
"""How long a stopped build waits for its workers to finish their chunks before killing them."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """One file read and parsed: the outcome, the SHA-256 of the bytes parsed, their size."""

    outcome: ParseOutcome
    digest: str | None
    """None when the file could not be read (the outcome says why)."""
    size: int


def read_and_parse(candidate: Candidate, config: ArchiveConfig) -> Parsed:
    """Read one file (safely, at most ``config.max_file_bytes``) and parse it; an unreadable
    file is an error outcome. Never raises."""
    try:
        read = candidate.read(config.max_file_bytes)
    except OSError as exc:
        problem = unreadable(candidate.relpath, exc)
        return Parsed(ParseOutcome(candidate.relpath, problems=(problem,)), None, 0)
    outcome = parse_read(candidate.relpath, read, config)
    # an article carries the SHA-256 of these bytes already: hashed once, not twice
    article = outcome.article
    digest = (article.content_hash if article else "") or hashlib.sha256(read.data).hexdigest()
    return Parsed(outcome, digest, len(read.data))


def worker_count(setting: int | None = None) -> int:
    """``setting`` (``$ARCHIVE_SEARCH_PARSE_WORKERS`` through the CLI; 1 = parse in the
    indexer process) if given, else the CPUs this process may run on (not all of the
    machine's, under a CPU affinity mask).

    On a machine whose CPUs are already busy, workers only add their start-up and the
    transfer of the parsed articles: set 1 there. A full Whoosh build also takes its
    second writer process from this setting (``search.whoosh_engine.parallel``).
    """
    if setting is not None:
        return max(1, setting)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def parsed_files(
    candidates: Sequence[Candidate], config: ArchiveConfig, *, workers: int | None = None
) -> Iterator[Iterator[Parsed]]:
    """The files parsed in order, as an iterator valid inside the ``with`` block."""
    workers = worker_count() if workers is None else workers
    if workers < 2 or len(candidates) < PARALLEL_MIN_FILES:
        yield (read_and_parse(candidate, config) for candidate in candidates)
        return
    context = multiprocessing.get_context("forkserver")
    # The server imports the parser once; each worker forked from it starts ready.
    context.set_forkserver_preload([__name__])
    executor = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    )
    finished = False
    try:
        yield _pooled(executor, candidates, config, workers)
        finished = True
    finally:
        _stop(executor, finished=finished)


def _pooled(
    executor: ProcessPoolExecutor,
    candidates: Sequence[Candidate],
    config: ArchiveConfig,
    workers: int,
) -> Iterator[Parsed]:
    chunks = [candidates[i : i + CHUNK_FILES] for i in range(0, len(candidates), CHUNK_FILES)]
    pending: deque[tuple[Sequence[Candidate], Future[list[Parsed]]]] = deque()
    window = workers * CHUNKS_PER_WORKER
    next_chunk = 0
    while pending or next_chunk < len(chunks):
        while next_chunk < len(chunks) and len(pending) < window:
            chunk = chunks[next_chunk]
            try:
                pending.append((chunk, executor.submit(_parse_chunk, chunk, config)))
            except BrokenProcessPool:
                break  # a worker died: what is left is parsed below, here
            next_chunk += 1
        if not pending:
            break
        chunk, future = pending.popleft()
        try:
            results = future.result()
        except BrokenProcessPool:
            results = _parse_chunk(chunk, config)
        yield from results
    for chunk in [c for c, _ in pending] + chunks[next_chunk:]:
        yield from _parse_chunk(chunk, config)


def _parse_chunk(chunk: Sequence[Candidate], config: ArchiveConfig) -> list[Parsed]:
    return [read_and_parse(candidate, config) for candidate in chunk]


def _start_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watcher = threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True)
    watcher.start()


def _exit_when_orphaned(parent: int) -> None:
    """End this worker once the indexer is gone: a killed indexer cannot stop its pool."""
    start_parent = os.getppid()
    while True:
        time.sleep(_WATCH_SECONDS)
        if os.getppid() != start_parent or not _alive(parent):
            os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a pid reused by another user's process
        return False
    return True


def _stop(executor: ProcessPoolExecutor, *, finished: bool) -> None:
    """Shut the pool down; on an early exit, cancel what has not started and let each worker
    finish its chunk (under a second), terminating only one that does not.

    Terminating a worker while it writes its result leaves half a message in the pool's
    pipe: the pool's thread then waits for the rest forever, and so does the interpreter's
    exit, which joins that thread (a full disk under a parallel build hung the indexer
    after it had printed its error)."""
    if finished:
        executor.shutdown(wait=True)
        return
    processes = list(getattr(executor, "_processes", {}).values())  # no public handle (3.11)
    manager = getattr(executor, "_executor_manager_thread", None)
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    if manager is not None:
        manager.join(timeout=5)
