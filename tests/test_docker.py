"""The Docker image, built and run for real: index in one container, serve read-only from another.

No registry image can be pulled on this project's machines, so the base is made
from Debian's packages by mmdebstrap and imported into podman (once; later runs
reuse it), and the real ``Dockerfile`` is built on it through its ``BASE``
argument (docs/operations.md#docker). Skipped, saying why, where podman,
mmdebstrap or runc is missing or the user is not root.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNC = "/usr/sbin/runc"
BASE = "localhost/archive-search-base:bookworm"
IMAGE = "localhost/archive-search:test"
HOST_CERTS = Path("/etc/ssl/certs/ca-certificates.crt")
# crun fails here ("cgroups in hybrid mode not supported"), and setrlimit is refused without
# explicit limits: every podman command takes these (../shared/CONTAINERS.md)
PODMAN = ("podman", "--runtime", RUNC)
FLAGS = ("--network=host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    for tool in ("podman", "mmdebstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install podman mmdebstrap runc)"
    if not Path(RUNC).exists():
        return f"{RUNC} is missing (apt-get install runc)"
    if os.geteuid() != 0:
        return "building a base with mmdebstrap and running podman as here need root"
    return None


def _run(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _timed(*args: str) -> float:
    started = time.monotonic()
    _run(*args)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    times: dict[str, float] = {}
    exists = subprocess.run([*PODMAN, "image", "exists", BASE], check=False)
    if exists.returncode != 0:
        tar = tmp_path_factory.mktemp("base") / "base.tar"
        times["base (mmdebstrap + import)"] = _timed(
            "mmdebstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
            "bookworm", str(tar),
        ) + _timed(*PODMAN, "import", str(tar), BASE)  # fmt: skip
    build = [*PODMAN, "build", *FLAGS, "--build-arg", f"BASE={BASE}", "-t", IMAGE]
    if HOST_CERTS.exists():  # trust what this machine trusts (a proxy's authority, say)
        build += ["-v", f"{HOST_CERTS.parent}:/host-certs:ro",
                  "--build-arg", f"PIP_CERT=/host-certs/{HOST_CERTS.name}"]  # fmt: skip
    times["image build"] = _timed(*build, "-f", str(ROOT / "Dockerfile"), str(ROOT))
    yield IMAGE
    print("\n" + "; ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_index_in_one_container_and_serve_it_read_only_from_another(
    image: str, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    index.chmod(0o777)  # the image's user (uid 10001) writes it
    started = time.monotonic()
    mounts = ["-v", f"{index}:/data/index", "-v", f"{ROOT / 'corpus'}:/data/archive:ro"]
    command = ["archive-search", "index", "/data/archive", "--index", "/data/index"]
    done = _run(*PODMAN, "run", "--rm", *FLAGS, *mounts, image, *command)
    indexed = time.monotonic() - started
    assert "2 articles in the index" in done.stdout
    assert (index / "CURRENT").read_text().startswith("gen-")

    port = _free_port()
    started = time.monotonic()
    container = _run(*PODMAN, "run", "-d", *FLAGS, "-v", f"{index}:/data/index:ro", image,
                     "archive-search", "serve", "--index", "/data/index",
                     "--host", "127.0.0.1", "--port", str(port)).stdout.strip()  # fmt: skip
    try:
        health: dict[str, object] = {}
        for _ in range(120):
            try:
                _, health = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.25)
        serving = time.monotonic() - started
        assert health.get("status") == "ok", health
        assert health["articles"] == 2 and health["engine"] == "whoosh"
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/search?q=karabakh")
        assert status == 200 and body["total"] == 2
        # the serving container cannot write the index it serves
        refused = subprocess.run([*PODMAN, "exec", container, "touch", "/data/index/x"],
                                 capture_output=True, text=True, check=False)  # fmt: skip
        assert refused.returncode != 0 and "Read-only file system" in refused.stderr
    finally:
        subprocess.run([*PODMAN, "rm", "-f", container], capture_output=True, check=False)
    print(f"\nindex container {indexed:.1f} s; serving container answered after {serving:.1f} s")
