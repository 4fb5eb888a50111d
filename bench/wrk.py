"""The closed-loop HTTP load through ``wrk``, when it is installed (``make bench`` installs it).

``wrk`` is a C load generator: it spends a small fraction of a core where our
Python threads spend most of one, so on a 2-core machine shared with the
server it measures the server, not the client. It sends the committed query
set round-robin over keep-alive connections (a Lua script holds the paths)
and its ``done`` hook prints the figures as one JSON line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

WRK = "wrk"
THREADS = 2

_SCRIPT_TAIL = """
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def available() -> bool:
    return shutil.which(WRK) is not None


def lua_string(text: str) -> str:
    """A Lua string literal (our paths are URL-encoded; escape anyway)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def script(paths: list[str]) -> str:
    body = ",\n".join(f"  {lua_string(p)}" for p in paths)
    return "local paths = {\n" + body + "\n}\n" + _SCRIPT_TAIL


def parse_output(output: str) -> dict[str, Any]:
    """The figures of the ``RESULT`` line, in our units (requests/s, milliseconds)."""
    line = next((x for x in output.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {output[-500:]!r}")
    raw = json.loads(line.removeprefix("RESULT "))
    seconds = raw["duration_us"] / 1e6
    ok = raw["requests"] - raw["non_2xx"]
    return {
        "seconds": round(seconds, 2),
        "requests": raw["requests"],
        "requests_per_s": round(ok / seconds, 1) if seconds else 0.0,
        "median_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["socket_errors"] + raw["non_2xx"],
        "error_kinds": {"socket": raw["socket_errors"], "non-2xx": raw["non_2xx"]},
    }


def generate(
    url: str, paths: list[str], seconds: float, connections: int, work: Path
) -> dict[str, Any]:
    """``connections`` keep-alive connections for ``seconds``; figures as ``load.generate``."""
    lua = work / "wrk-paths.lua"
    lua.write_text(script(paths), encoding="utf-8")
    command = [
        WRK,
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
    ]
    proc = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    figures = parse_output(proc.stdout)
    figures.update(clients=connections, generator="wrk")
    return figures
