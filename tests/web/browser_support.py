"""Real gunicorn and real Chromium (Playwright) for the browser tests, and axe-core from npm."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} under CI")
    pytest.skip(what)


def require_browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is absent")
    return sync_playwright


def require_axe() -> Path:
    if not AXE.exists():
        _missing(f"{AXE} is absent (make axe installs it)")
    return AXE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gunicorn() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


@contextmanager
def gunicorn(index: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The app served by two gunicorn workers on a free port; yields its base URL."""
    port = free_port()
    environ = {
        **os.environ, "ARCHIVE_SEARCH_INDEX": str(index), "PYTHONPATH": str(ROOT), **(env or {})
    }  # fmt: skip
    command = [*_gunicorn(), "-w", "2", "-b", f"127.0.0.1:{port}", "web:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=environ)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not come up") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now (WCAG 2.x A/AA and best practices)."""
    page.add_script_tag(path=str(require_axe()))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([node["target"] for node in v["nodes"]][:5])
        for v in found
    ]
