"""Helpers for the hardening tests: generated archives, the real CLI, a real gunicorn.

An archive *state* ``k`` is a deterministic set of articles; exactly
``marked(k, n)`` of them contain the word ``MARKER``, so any search response
for ``q=MARKER`` can be checked against the state its generation holds.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from archive_search.cli import gunicorn_command

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MARKER = "quokka"
WORDS = [
    *("harbour", "river", "mountain", "desert", "forest", "valley", "island", "bridge"),
    *("tower", "market", "garden", "winter", "summer", "letter", "station", "harvest"),
]
TRACE_MARKERS = ("Traceback", 'File "/', "werkzeug.exceptions", "site-packages")


# -- archives ----------------------------------------------------------------------------


def is_marked(n: int, state: int) -> bool:
    return (n * 7 + state * 3) % (3 + state) == 0


def state_files(state: int, n: int) -> dict[str, str]:
    """The files of archive state ``state``: ``n`` articles, a few dropped per state."""
    rng = random.Random(1000 + state)
    dropped = set(rng.sample(range(n), state % 5))
    files = {}
    for i in range(n):
        if i in dropped:
            continue
        pick = random.Random(i).choice
        words = " ".join(pick(WORDS) for _ in range(60))
        marker = f" {MARKER} state{state}" if is_marked(i, state) else ""
        date = f"20{10 + i % 12}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        files[f"a{i // 100}/doc{i:04d}.md"] = (
            f"---\ntitle: Article {i}\ndate: {date}\ntags: [t{i % 7}]\nlang: en\n---\n"
            f"{words}{marker}\n"
        )
    return files


@functools.cache
def marked(state: int, n: int) -> int:
    return sum(1 for text in state_files(state, n).values() if f" {MARKER} " in text)


def write_state(root: Path, state: int, n: int) -> Path:
    """Make ``root`` hold exactly state ``state`` (changed files rewritten, others removed)."""
    files = state_files(state, n)
    for existing in list(root.rglob("*.md")) if root.exists() else []:
        if existing.relative_to(root).as_posix() not in files:
            existing.unlink()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return root


# -- the CLI -----------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return dict(json.loads(self.stdout))


def cli() -> list[str]:
    script = BIN / "archive-search"
    return [str(script)] if script.exists() else [sys.executable, "-m", "archive_search.cli"]


def index_command(archive: Path, index: Path, *extra: str) -> list[str]:
    return [*cli(), "index", str(archive), "--index", str(index), "--json", "--quiet", *extra]


def run_index(archive: Path, index: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    done = subprocess.run(
        index_command(archive, index, *extra),
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300,
    )  # fmt: skip
    return Run(done.returncode, done.stdout, done.stderr)


def build(archive: Path, index: Path, *, rebuild: bool = False) -> str:
    """Build in-process (faster than the CLI for fixtures); the generation published."""
    from indexer.build import build_index

    report = build_index(archive, index, rebuild=rebuild)
    assert not report.errors, report.errors
    assert report.generation
    return report.generation


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A built index of state 0 with 40 articles (copy it before changing it)."""
    archive = write_state(tmp_path_factory.mktemp("small-archive"), 0, 40)
    index = tmp_path_factory.mktemp("small-index") / "ix"
    build(archive, index)
    return archive, index


@pytest.fixture
def fresh_index(small_index: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the small archive and its index."""
    archive, index = small_index
    shutil.copytree(archive, tmp_path / "archive")
    shutil.copytree(index, tmp_path / "ix")
    return tmp_path / "archive", tmp_path / "ix"


# -- HTTP --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(base: str, target: str, method: str = "GET", timeout: float = 30.0,
            headers: dict[str, str] | None = None) -> Reply:  # fmt: skip
    """One request on a fresh connection; ``target`` is sent as is (may be hostile)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    started = time.perf_counter()
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, found, body, time.perf_counter() - started)
    finally:
        conn.close()


def raw_request(base: str, raw: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
    """Send raw bytes (e.g. a request line that is not UTF-8); the status and the whole reply."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    reply = b"".join(chunks)
    return int(reply.split(b" ", 2)[1]), reply


def assert_no_trace(reply: Reply) -> None:
    for marker in TRACE_MARKERS:
        assert marker not in reply.text, f"{marker!r} in a response body"


def error_of(reply: Reply, status: int) -> dict[str, Any]:
    """The error object of a JSON error reply, checked against the one error shape."""
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["status"] == status and body["error"]["message"]
    assert_no_trace(reply)
    return dict(body["error"])


# -- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@dataclass
class Server:
    index: Path
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    base: str = ""
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        port = free_port()
        env = {
            **os.environ,
            "ARCHIVE_SEARCH_INDEX": str(self.index),
            "ARCHIVE_SEARCH_RATE_LIMIT": "off",
            "PYTHONPATH": str(ROOT),
            **self.env,
        }
        # what `archive-search serve` runs, with a short grace period for the teardown
        command = [*gunicorn_command("127.0.0.1", port, self.workers), "--graceful-timeout", "5"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{port}"
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Up when every worker is forked and the port answers /healthz (200 or 503)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                if len(self.worker_pids()) == self.workers:
                    request(self.base, "/healthz", timeout=5)
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not come up")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return children(self.process.pid)

    def get(self, target: str, **kwargs: Any) -> Reply:
        return request(self.base, target, **kwargs)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def serve() -> Iterator[Any]:
    """``serve(index, workers=2, env={})`` starts a gunicorn; all are stopped at teardown."""
    started: list[Server] = []

    def start(index: Path, workers: int = 2, env: dict[str, str] | None = None) -> Server:
        server = Server(index, workers, env or {})
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def open_files(pid: int, under: Path) -> dict[str, int]:
    """Files under ``under`` that process ``pid`` has open: path → open flags (fdinfo)."""
    found = {}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
            info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
        except OSError:
            continue  # closed meanwhile
        if target.startswith(str(under)):
            flags = next(line for line in info.splitlines() if line.startswith("flags:"))
            found[f"{target}#{fd.name}"] = int(flags.split()[1], 8)
    return found


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")
