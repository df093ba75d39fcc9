"""``streamlit run`` with the dashboard's imports and first tables prepared while the server starts.

``python -m verifier_eval.dashboard.serve run <app.py> [streamlit options]`` is ``python -m
streamlit run ...`` (the same Streamlit entry point and arguments) plus one background thread that

1. imports the analysis layer (inspect and scipy: 4-10 s on 2 cores, which the first visitor would
   otherwise wait for inside their page run), then
2. once the Streamlit runtime exists, fills the data cache with the leaderboard of the launcher's
   log directory (``VERIFIER_EVAL_LOG_DIR``).

A visitor who arrives before the thread is done waits for it rather than computing twice:
``st.cache_data`` computes each key once under a lock. Anything that goes wrong here (no logs yet,
an unreadable log) is left for the page to explain, so the thread only logs it.
"""

import logging
import os
import threading
import time

from verifier_eval.dashboard import LOG_DIR_ENV

logger = logging.getLogger(__name__)

RUNTIME_WAIT_SECONDS = 60.0
# Calling cached functions outside a page run makes Streamlit warn that no page is running.
_QUIET_LOGGERS = ("streamlit.runtime.scriptrunner_utils.script_run_context",)


READY_MESSAGE = "dashboard: leaderboard of {log_dir} ready ({seconds:.1f} s after start)"
"""Printed once the prewarm is done (benchmarks/dashboard_paint.py waits for it)."""


def prewarm(log_dir: str | None) -> None:
    """Import the dashboard's modules and cache the leaderboard of ``log_dir``."""
    started = time.monotonic()
    from streamlit import runtime
    from verifier_eval.dashboard import charts, data, frames, ui  # noqa: F401 (imported to warm)

    if not log_dir:
        return
    deadline = time.monotonic() + RUNTIME_WAIT_SECONDS
    while not runtime.exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
    saved = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        data.leaderboard_table(log_dir)
        print(READY_MESSAGE.format(log_dir=log_dir, seconds=time.monotonic() - started), flush=True)
    except Exception as ex:  # the page shows the same error with advice; nothing to do here
        logger.info("dashboard prewarm skipped: %s", ex)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def main() -> None:
    """Start the prewarm thread, then hand over to Streamlit's command line."""
    threading.Thread(
        target=prewarm, args=(os.environ.get(LOG_DIR_ENV),), name="dashboard-prewarm", daemon=True
    ).start()
    from streamlit.web.cli import main as streamlit_main

    # The same prog_name as `python -m streamlit`, so Streamlit sees the command line it expects.
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
