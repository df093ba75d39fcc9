"""A real dashboard server and a headless Chromium for the browser tests.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright (whose wheel bundles its driver;
``playwright install`` is never needed). The flags keep it from reaching Google's services, which
are not reachable here and would fill the console with network errors.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BIN = Path(sys.executable).parent


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    for candidate in (*CHROMIUM_CANDIDATES, shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    """A TCP port that nothing on localhost listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


class Server(NamedTuple):
    """A running dashboard server."""

    url: str
    output: Path
    """File receiving the server's stdout and stderr."""

    def wait_for_output(self, text: str, timeout: float) -> bool:
        """Wait until ``text`` appears in the server's output; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output.read_text(errors="replace"):
                return True
            time.sleep(0.05)
        return False


@contextmanager
def dashboard_server(log_dir: str | Path, timeout: float = 120.0) -> Iterator[Server]:
    """Run ``verifier-eval dashboard`` on a free localhost port until the block ends.

    Yields once the server answers its health check. It runs in its own process group, so
    stopping it also stops the Streamlit process that ``verifier-eval dashboard`` starts.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Kept open for the server to write to, and read back while it runs.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="dashboard-server-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [str(BIN / "verifier-eval"), "dashboard", "--log-dir", str(log_dir), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                output = Path(log.name).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the dashboard server did not start:\n{output}")
            time.sleep(0.2)
        yield Server(url, Path(log.name))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        Path(log.name).unlink(missing_ok=True)


@contextmanager
def chromium(executable: str) -> Iterator[Any]:
    """A headless Chromium browser context with a fresh profile (Playwright ``BrowserContext``)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1400, "height": 1000},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
