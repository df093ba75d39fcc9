"""Dashboard entry point (``streamlit run``): page configuration and navigation, nothing else."""

import streamlit as st
from verifier_eval.dashboard import PAGES

# No page icons: Streamlit fetches a Material icon's favicon from Google's font servers, which an
# offline dashboard cannot reach (a console error on every page).
st.set_page_config(page_title="verifier-eval", layout="wide")
st.navigation(
    [st.Page(path, title=title, default=i == 0) for i, (path, title) in enumerate(PAGES)]
).run()
