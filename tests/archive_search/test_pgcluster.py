"""``python -m archive_search.pgcluster`` (``make pg-cluster``): status, restart of a stopped
server, refusal of a folder that is not a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_search import pgcluster
from archive_search.pgcluster import Cluster


def test_status_lists_roles_and_start_restarts_a_stopped_server(
    pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    replica = pg_cluster.replicas[1]
    pg_cluster.stop(replica)
    assert replica.pid() is None
    assert pgcluster.main(["status", "--dir", str(pg_cluster.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["primary", "primary"], ["replica1", "replica"], ["replica2", "stopped"]
    ]  # fmt: skip
    assert pgcluster.main(["start", "--dir", str(pg_cluster.root)]) == 0
    assert replica.pid() is not None and pg_cluster.role(replica) == "replica"
    assert f"ARCHIVE_SEARCH_DATABASE_URL={','.join(pg_cluster.urls)}" in capsys.readouterr().out


def test_a_folder_that_is_not_a_cluster_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert pgcluster.main(["start", "--dir", str(tmp_path)]) == 1
    assert "holds something other than a cluster" in capsys.readouterr().err
    assert pgcluster.main(["stop", "--dir", str(tmp_path / "none")]) == 0
    assert "no cluster in" in capsys.readouterr().out
