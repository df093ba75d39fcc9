"""The Streamlit dashboard over eval logs (``verifier-eval dashboard``); see ``app.py``.

Kept free of imports: the launcher and the tests read these constants without loading Streamlit
or the analysis layer.
"""

LOG_DIR_ENV = "VERIFIER_EVAL_LOG_DIR"
"""Environment variable through which ``verifier-eval dashboard`` passes the log directory."""

PAGES: tuple[tuple[str, str], ...] = (
    ("views/leaderboard.py", "Leaderboard"),
    ("views/generators.py", "Per-generator breakdown"),
    ("views/self_preference.py", "Self-preference"),
    ("views/best_of_n.py", "Best-of-N"),
    ("views/calibration.py", "Calibration"),
    ("views/samples.py", "Sample browser"),
)
"""Page script (relative to ``app.py``) and title, in menu order.

The first page is served at ``/``, the others at their file name. The scripts are not in a
``pages/`` folder: Streamlit runs a ``pages/`` folder beside the entry point as a legacy multipage
app, which bypasses ``app.py`` and its ``st.navigation``.
"""
