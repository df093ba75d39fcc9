"""Start the dashboard: ``streamlit run`` on the app, with the log directory in the environment."""

import os
import signal
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from verifier_eval.dashboard import LOG_DIR_ENV

from verifier_eval.errors import ConfigError

APP = Path(__file__).resolve().parent / "app.py"


def _log_dir_for_env(log_dir: str) -> str:
    # The server's working directory is the caller's, but an absolute path also survives a
    # Streamlit that changes it; URLs (s3://...) pass through untouched.
    if "://" in log_dir:
        return log_dir
    return str(Path(log_dir).expanduser().resolve())


def streamlit_command(host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line of the dashboard.

    It goes through :mod:`verifier_eval.dashboard.serve`, which is ``python -m streamlit`` plus a
    background warm-up of the imports and the leaderboard while the server starts.
    """
    return [
        sys.executable,
        "-m",
        "verifier_eval.dashboard.serve",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Nobody edits the installed app while it is served; watching its files only costs CPU.
        "--server.fileWatcherType",
        "none",
    ]


def launch(log_dir: str, host: str = "127.0.0.1", port: int = 8501) -> int:
    """Serve the dashboard until interrupted.

    Args:
        log_dir: Eval log directory (path or fsspec URL); the sidebar can change it later.
        host: Bind address; localhost by default, so the dashboard is not exposed to the network.
        port: TCP port.

    Returns:
        The server's exit code (0 after Ctrl-C).

    Raises:
        ConfigError: When Streamlit is not installed.
    """
    if find_spec("streamlit") is None or find_spec("altair") is None:
        raise ConfigError(
            "the dashboard needs Streamlit and Altair: pip install 'verifier_eval[dashboard]'"
        )
    env = {**os.environ, LOG_DIR_ENV: _log_dir_for_env(log_dir)}
    print(f"dashboard: http://{host}:{port} (logs: {env[LOG_DIR_ENV]}); Ctrl-C stops it")
    process = subprocess.Popen(streamlit_command(host, port), env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the server too; give it time to shut down cleanly.
        try:
            return 0 if process.wait(timeout=10) in (0, -signal.SIGINT) else 1
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait()
            return 0
