"""Import what the dashboard pages need before the first visitor signs in.

A new app process imports plotly, the metrics and the dashboard's views on
the first page that uses them, which added about half a second to the
board's first render after a restart (measured by bench.dashboard_render).
The first script run of a process (the sign-in page) imports them instead,
once.

Not in a background thread: plotly looks pandas up in `sys.modules` without
importing it, so a thread drawing a chart while another was half-way
through importing pandas failed with "partially initialized module"
(seen in `make run`'s log)."""

from __future__ import annotations

import importlib
import logging

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


@st.cache_resource(show_spinner=False)
def load() -> bool:
    """Once per process: every module of `MODULES`, imported now."""
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            log.exception("warm-up import of %s failed; the page will import it itself", name)
    return True
