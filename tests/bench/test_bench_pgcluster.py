"""The PostgreSQL cluster bench's arithmetic: CPU read from /proc, the per-search model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from bench.pgcluster import cpu_seconds, model


def test_cpu_seconds_counts_this_process_working() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    assert cpu_seconds(os.getpid()) - before >= 0.15


def test_model_adds_the_servers_shares_and_takes_the_median_run() -> None:
    def run(app: float, **db: float) -> dict[str, Any]:
        return {"app_cpu_ms_per_request": app, "db_cpu_ms_per_request": db}

    setups = {
        "primary only": run(5.0, primary=2.0),
        "1 replica": run(4.0, primary=0.1, replica1=2.4),
        "2 replicas": run(9.0, primary=0.1, replica1=1.0, replica2=1.9),
    }
    assert model(setups) == {
        "db_cpu_ms_per_search": 2.5,
        "app_cpu_ms_per_search": 5.0,
        "searches_per_s_per_db_core": 400.0,
        "searches_per_s_per_app_core": 200.0,
    }


def test_cpu_seconds_keeps_the_time_of_children_that_ended() -> None:
    before = cpu_seconds(os.getpid())
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)
    assert cpu_seconds(os.getpid()) - before >= 0.25
