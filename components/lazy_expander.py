"""An expander whose content is drawn only while it is open.

Streamlit sends a closed expander's content to the browser all the same,
and the browser redraws all of it on every rerun. The dashboard's tables
behind "The numbers" (a data frame and three download buttons each) were
most of the elements of a page, so each filter change redrew them unseen
(bench.dashboard_render). Opening such an expander reruns the page and
draws its content then."""

from __future__ import annotations

from collections.abc import Callable


def expander_on_open(label: str, draw: Callable[[], None], *, key: str, icon: str | None = None) -> None:
    """`label`'s expander, closed at first; `draw` fills it while open."""
    import streamlit as st

    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    if box.open:
        with box:
            draw()
