"""Load the dashboard's browser code while the person signs in.

Streamlit's frontend fetches and compiles each kind of element's code the
first time a page shows one, and a page appears only once all of its
elements' code is there. On the board's first page that was about two
seconds after the script had finished (the chart library alone is 4.7 MB),
in a browser that had not visited before (bench.dashboard_render). The
sign-in page asks the browser to import that code in the background, so it
is ready by the time the password is typed.

The code's file names carry a hash that changes with each Streamlit
release, so they are looked up in the installed package; an element whose
file is not found is simply not preloaded."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import streamlit as st

# The elements of the dashboard's first page, by the name of their code, and
# the quarter picker (a segmented control) the first filter change may show.
ELEMENTS = ("PlotlyChart", "Metric", "Selectbox", "DataFrame", "DownloadButton", "Button", "ButtonGroup")


@lru_cache(maxsize=1)
def element_files() -> tuple[str, ...]:
    """The installed Streamlit's code file of each of `ELEMENTS` found."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found: list[str] = []
    for name in ELEMENTS:
        matches = sorted(folder.glob(f"{name}.*.js"))
        if len(matches) == 1:
            found.append(matches[0].name)
    return tuple(found)


def dashboard_code() -> None:
    """Import the dashboard elements' code in the browser, after the page
    has drawn, relative to where the browser loaded Streamlit's own."""
    files = element_files()
    if not files:
        return
    st.html(
        "<script>setTimeout(() => {"
        'const entry = document.querySelector(\'script[type="module"][src*="/static/js/index."]\');'
        "if (!entry) return;"
        f"for (const file of {json.dumps(list(files))}) "
        "import(new URL(file, entry.src).href).catch(() => {});"
        "}, 200);</script>",
        unsafe_allow_javascript=True,
        width="content",
    )
