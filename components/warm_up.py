"""Import what the dashboard pages need while the first visitor signs in.

A new app process imports plotly, the metrics and the dashboard's views on
the first page that uses them, which added about half a second to the
board's first render after a restart (measured by bench.dashboard_render).
A background thread started with the first script run imports them instead,
while the sign-in page is on screen; a page that needs one sooner waits for
that import (Python's import lock), never imports it twice."""

from __future__ import annotations

import importlib
import logging
import threading

import streamlit as st

log = logging.getLogger(__name__)

MODULES = (
    "plotly.graph_objects",
    "metrics.report",
    "components.dashboard_page",
    "components.charts",
    "components.dashboard.overview",
    "components.dashboard.momentum",
    "components.documents.board_pack",
)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            log.exception("warm-up import of %s failed; the page will import it itself", name)


@st.cache_resource(show_spinner=False)
def start() -> threading.Thread:
    """Once per process: the imports, in a daemon thread."""
    thread = threading.Thread(target=_import_all, name="warm-up-imports", daemon=True)
    thread.start()
    return thread
