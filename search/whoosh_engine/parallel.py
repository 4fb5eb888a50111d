"""A full Whoosh build written by two processes, to the same documents in the same order.

Whoosh is pure Python: one writer keeps one core busy. In a full build a helper
process writes the first part of the articles (about half of their cost, counted
in characters of text) into a segment of its own, while this process writes the rest into
another; the helper's segment is listed first. Documents keep the numbers a
one-process build gives them, so the facet arrays, the ties between equal
scores and every result stay the same (``tests/search/whoosh_engine/test_whoosh_parallel.py``).
Whoosh's own ``MpWriter`` deals batches out to whichever worker is free and
lists the segments in the order they finish, so its document numbers depend
on timing.

Articles reach the helper through spool files of a few megabytes in the
private generation directory, named over a pipe: this process never waits for
the helper while it has articles of its own to write. The helper runs from a
*forkserver*, as the parser's workers do; it ends when the pipe closes, so a
killed indexer does not leave it behind. The writer module hands the helper
the two functions it needs (open a segment writer, turn an article into a
document), so this module does not import it back.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import tempfile
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from search.article import Article

SPOOL_BYTES = 4 * 1024 * 1024
"""Articles handed over per spool file (characters of their text)."""
HELPER_SHARE = 0.5
"""The helper takes articles until their text reaches this share of the build's estimated text.

Whoosh's time follows the characters of text it indexes, whatever the archive:
1,428–1,447 ns a character on the three real corpora (``indexer.cost``, which
also estimates a build's text before it is parsed). Split by bytes of file, as
it was, the newsgroups (more text per byte than Russian posts, whose letters
take two bytes, and no front matter) weighed less than they cost, and on the
real archive the helper, which takes them first, finished last. This process
also receives and spools the helper's articles, but that is small beside
indexing them: half and half."""
TEXT_PER_BYTE = 0.9
"""Characters of text per byte of file, when the build gives no estimate of its text."""


OpenSegment = Callable[[Path], tuple[Any, Any]]
"""Opens a Whoosh segment writer on a directory without taking the index's lock: the
writer and the plain schema to put back before its segment is finished."""
ToDocument = Callable[[Article], dict[str, Any]]


class WriterFailed(OSError):
    """The helper could not write its part (killed, out of memory, a full disk): the build
    fails as when the index cannot be written, and the served index stays as it was."""


def text_cost(article: Article) -> int:
    """What an article weighs for splitting a build: the characters of its title and body."""
    return len(article.title) + len(article.body)


class HelperWriter:
    """The helper process, and the articles spooled to it until its share is full."""

    def __init__(
        self,
        directory: Path,
        expected_text: int,
        open_segment: OpenSegment,
        to_document: ToDocument,
    ) -> None:
        """``open_segment`` and ``to_document`` run in the helper: module-level functions
        (or partials of them), which the forkserver can pickle by name."""
        self.directory = directory
        self._share = int(expected_text * HELPER_SHARE)
        """Characters of text the helper still takes; the first article past it is the last."""
        context = multiprocessing.get_context("forkserver")
        jobs_in, self._jobs = context.Pipe(duplex=False)
        self._result, result_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=write_part,
            args=(str(directory), jobs_in, result_out, open_segment, to_document),
            daemon=True,
        )
        self._process.start()
        jobs_in.close()  # the helper's ends: EOF on either side means the other is gone
        result_out.close()
        self._batch: list[Article] = []
        self._batch_bytes = 0
        self.added = 0
        self._closed = False

    def take(self, article: Article) -> bool:
        """Hand ``article`` to the helper if its share is not full yet; False once it is."""
        if self._closed:
            return False
        weight = text_cost(article)
        self._batch.append(article)
        self._batch_bytes += weight
        self._share -= weight
        self.added += 1
        if self._share <= 0:
            self.close_input()
        elif self._batch_bytes >= SPOOL_BYTES:
            self._spool()
        return True

    def _spool(self) -> None:
        if not self._batch:
            return
        fd, path = tempfile.mkstemp(prefix="spool-", suffix=".pickle", dir=self.directory)
        with os.fdopen(fd, "wb") as spool:
            pickle.dump(self._batch, spool, pickle.HIGHEST_PROTOCOL)
        self._send(path)
        self._batch, self._batch_bytes = [], 0

    def _send(self, job: str | None) -> None:
        try:
            self._jobs.send(job)
        except OSError as exc:  # the helper is gone: its end of the pipe closed
            self._process.join(timeout=10)
            raise self._failure(None) from exc

    def _failure(self, detail: str | None) -> WriterFailed:
        detail = detail or f"it ended with exit code {self._process.exitcode}"
        return WriterFailed(f"the second index writer process failed: {detail}")

    def close_input(self) -> None:
        """No more articles: the helper writes what it has and finishes its segment."""
        if not self._closed:
            self._closed = True
            self._spool()
            self._send(None)
            self._jobs.close()

    def finish(self) -> Any:
        """The helper's finished segment (a Whoosh ``Segment``), once it has written it all."""
        self.close_input()
        try:
            kind, value = self._result.recv()
        except EOFError:
            kind, value = "error", None
        self._process.join()
        self._result.close()
        if kind != "segment":
            raise self._failure(value)
        return value

    def cancel(self) -> None:
        """Stop the helper; its files are in the generation directory, thrown away by the caller."""
        for connection in (self._jobs, self._result):
            connection.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)


def write_part(
    directory: str,
    jobs: Connection,
    result: Connection,
    open_segment: OpenSegment,
    to_document: ToDocument,
) -> None:
    """The helper process: write the spooled articles into one segment and send it back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the indexer, which stops us
    try:
        writer, plain_schema = open_segment(Path(directory))
        while (path := jobs.recv()) is not None:
            spool = Path(path)
            # our own spool file, written by the indexer into its private generation
            for article in pickle.loads(spool.read_bytes()):  # noqa: S301
                writer.add_document(**to_document(article))
            spool.unlink()
        writer.schema = plain_schema
        # What Whoosh's MpWriter workers do; the temporary storage is shared with the
        # parent's writer, which removes it when it finishes.
        segment = writer._finalize_segment()
        result.send(("segment", segment))
    except EOFError:  # the indexer is gone, or cancelled the build
        return
    except Exception as exc:  # reported by the indexer, which discards the generation
        with contextlib.suppress(OSError):
            result.send(("error", f"{type(exc).__name__}: {exc}"))
