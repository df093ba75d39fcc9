"""Page scripts of the dashboard, run by ``st.navigation`` (see ``app.py``); not imported."""
