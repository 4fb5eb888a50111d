"""A PostgreSQL primary and streaming replicas on loopback, for trying the postgres engine
and for the tests: ``python -m archive_search.pgcluster start|stop|status [--dir DIR]``
(``make pg-cluster``, ``make pg-cluster-stop``).

Everything lives in one folder (default ``var/pg-cluster``): a data directory per server
(``primary``, ``replica1``, ``replica2``), their sockets in ``sockets/``, logs in ``logs/``,
and ``cluster.json`` with the ports. The primary is made with ``initdb``, each replica with
``pg_basebackup -R`` (which writes its ``primary_conninfo`` and ``standby.signal``), all run
by ``pg_ctl``. Authentication is ``trust`` and the servers listen on 127.0.0.1 only: a
cluster for one machine's tests, with ``fsync`` off, not for keeping data.

PostgreSQL refuses to run as root: as root the server programs run as the ``postgres``
user (``runuser``) and the folder is handed to it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

DEFAULT_DIR = Path("var/pg-cluster")
DATABASE = "archive"
SERVER_USER = "postgres"
"""The account the servers run as when this runs as root."""
PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")

SETTINGS = """
# archive-search pgcluster: loopback only, speed over durability (a test cluster)
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
fsync = off
full_page_writes = off
wal_keep_size = '512MB'
hot_standby_feedback = on
max_connections = 200
shared_buffers = '64MB'
log_line_prefix = '%m [%p] '
"""


class ClusterError(RuntimeError):
    """A server program failed; the message quotes its output and names its log."""


def postgres_bin() -> dict[str, Path] | None:
    """Where each server program is: Debian's newest versioned folder when it has them all
    (one version), else PATH; None when one is missing."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if all((folder / name).is_file() for name in PROGRAMS):
            return {name: folder / name for name in PROGRAMS}
    found = {name: shutil.which(name) for name in PROGRAMS}
    if all(found.values()):
        return {name: Path(str(path)) for name, path in found.items()}
    return None


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    port: int
    data: Path

    @property
    def url(self) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{DATABASE}"

    def pid(self) -> int | None:
        """The postmaster's process id while its pid file names a live process."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid


class Cluster:
    """The servers recorded in ``root/cluster.json`` (or about to be created there)."""

    def __init__(self, root: Path, ports: dict[str, int] | None = None) -> None:
        self.root = root.absolute()
        if ports is None:
            ports = json.loads((self.root / "cluster.json").read_text())["ports"]
        self.nodes = {name: Node(name, port, self.root / name) for name, port in ports.items()}
        self.bin = postgres_bin()
        if self.bin is None:
            raise ClusterError("PostgreSQL server programs (initdb, pg_ctl, ...) not found")

    @property
    def primary(self) -> Node:
        return self.nodes["primary"]

    @property
    def replicas(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.name != "primary"]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes.values()]

    # -- the whole cluster -------------------------------------------------------------------

    @classmethod
    def create(cls, root: Path, replicas: int = 2) -> Cluster:
        """Make and start a primary and ``replicas`` streaming replicas in the empty ``root``."""
        names = ["primary"] + [f"replica{i}" for i in range(1, replicas + 1)]
        root.mkdir(parents=True, exist_ok=True)
        cluster = cls(root, dict(zip(names, _free_ports(len(names)), strict=True)))
        for sub in ("sockets", "logs"):
            (cluster.root / sub).mkdir(exist_ok=True)
        _hand_over(cluster.root)
        primary = cluster.primary
        cluster._run("initdb", "-D", primary.data, "-U", SERVER_USER, "-A", "trust",
                     "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8")  # fmt: skip
        cluster._configure(primary)
        cluster.start(primary)
        with _connect(primary, "postgres") as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        for node in cluster.replicas:
            cluster._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port),
                         "-U", SERVER_USER, "-D", node.data, "-R", "-X", "stream",
                         "--checkpoint=fast", "--no-sync")  # fmt: skip
            cluster._configure(node)
            cluster.start(node)
        (cluster.root / "cluster.json").write_text(
            json.dumps({"ports": {n.name: n.port for n in cluster.nodes.values()}}, indent=1)
        )
        return cluster

    def stop_all(self) -> None:
        for node in reversed(list(self.nodes.values())):
            self.stop(node)

    def status(self) -> list[dict[str, object]]:
        return [{"name": n.name, "url": n.url, "pid": n.pid(),
                 "role": self.role(n) if n.pid() else "stopped"}
                for n in self.nodes.values()]  # fmt: skip

    # -- one server ------------------------------------------------------------------------

    def start(self, node: Node, *, attempts: int = 20) -> None:
        """Start ``node`` and wait until it accepts connections. Right after a ``kill -9``
        its old children may still hold the shared memory for a moment: tried again."""
        log = self.root / "logs" / f"{node.name}.log"
        for attempt in range(attempts):
            try:
                self._run("pg_ctl", "-D", node.data, "-l", log, "-w", "-t", "60", "start")
                return
            except ClusterError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.25)

    def stop(self, node: Node) -> None:
        if node.pid() is not None:
            self._run("pg_ctl", "-D", node.data, "-m", "fast", "-w", "stop")

    def kill(self, node: Node) -> None:
        """``kill -9`` the postmaster, as a crash would."""
        pid = node.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            while node.pid() == pid:
                time.sleep(0.01)

    def promote(self, node: Node) -> None:
        self._run("pg_ctl", "-D", node.data, "-w", "promote")

    def role(self, node: Node) -> str:
        with _connect(node) as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        return "replica" if row and row[0] else "primary"

    # -- helpers -----------------------------------------------------------------------------

    def _configure(self, node: Node) -> None:
        with (node.data / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS.format(port=node.port, sockets=self.root / "sockets"))

    def _run(self, program: str, *args: object) -> str:
        assert self.bin is not None
        command = [str(self.bin[program]), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        if done.returncode != 0:
            raise ClusterError(
                f"{program} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}"
                f" (logs in {self.root / 'logs'})"
            )
        return done.stdout


def _connect(node: Node, database: str = DATABASE) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=node.port, user=SERVER_USER, dbname=database,
        autocommit=True, connect_timeout=5,
    )  # fmt: skip


def _free_ports(count: int) -> list[int]:
    """Ports the kernel gives out now (bound to port 0, then closed)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _hand_over(root: Path) -> None:
    """As root, give the folder to the server account (it must own its data directories)."""
    if os.geteuid() != 0:
        return
    shutil.chown(root, SERVER_USER, SERVER_USER)
    for path in root.rglob("*"):
        shutil.chown(path, SERVER_USER, SERVER_USER)


def start(root: Path, replicas: int = 2) -> Cluster:
    """The cluster in ``root``, started: made if absent, restarted if stopped."""
    if (root / "cluster.json").is_file():
        cluster = Cluster(root)
        for node in cluster.nodes.values():
            if node.pid() is None:
                cluster.start(node)
        return cluster
    if root.exists() and any(root.iterdir()):
        raise ClusterError(f"{root} holds something other than a cluster: remove it first")
    return Cluster.create(root, replicas)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m archive_search.pgcluster", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"default {DEFAULT_DIR}")
    parser.add_argument("--replicas", type=int, default=2, help="replicas of a new cluster")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            cluster = start(args.dir, args.replicas)
            print("primary and replicas (pass them all to --database):")
            for url in cluster.urls:
                print(f"  {url}")
            print(f"ARCHIVE_SEARCH_DATABASE_URL={','.join(cluster.urls)}")
        elif not (args.dir / "cluster.json").is_file():
            print(f"no cluster in {args.dir}")
        elif args.action == "stop":
            Cluster(args.dir).stop_all()
            print(f"stopped (data kept in {args.dir}; remove the folder to start afresh)")
        else:
            for node in Cluster(args.dir).status():
                print(f"{node['name']:9} {node['role']:8} {node['url']}")
    except ClusterError as exc:
        print(f"pg-cluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
