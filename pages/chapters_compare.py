"""Chapters: compare chapters side by side for the period and program, and
open any one (which points every dashboard page at it)."""

from __future__ import annotations

import streamlit as st

from components.chapter_tree import chapter_tree_order
from components.dashboard import chapters as v
from components.dashboard import shared
from components.dashboard_page import open_dashboard
from components.downloads import show_table
from components.filters import set_chapter

MAX_COMPARED = 24

dash = open_dashboard("Chapters", "board", "coordinator")
options = dash.options
f = dash.filters

choices = [c for c in options.chapter_choices() if c is not None]
by_id = {c.id: c for c in options.chapters}
ordered = [c.id for c in chapter_tree_order(options.chapters) if c.id in choices]


if not choices:
    st.info("There are no chapters you can open yet.", icon=":material/info:")
    st.stop()

selected: list[int] = st.multiselect(
    "Chapters to compare",
    ordered,
    default=options.compared_first(f.chapter_id, MAX_COMPARED),
    format_func=lambda cid: options.chapter_label(cid),
    max_selections=MAX_COMPARED,
    key="chapters_selected",
    help="Each chapter's figures include its sub-chapters.",
)
if not selected:
    st.info("Choose at least one chapter to compare.", icon=":material/info:")
    st.stop()

with st.spinner("Computing each chapter's figures…"):
    rows = [
        v.chapter_row(by_id[cid].name, by_id[cid].level, dash.report_for(cid))
        for cid in sorted(selected, key=ordered.index)
    ]
table = v.chapters_table(rows)

metric = st.segmented_control(
    "Compare by",
    list(v.CHAPTER_COLUMNS),
    default="members",
    key="chapters_metric",
    required=True,
)
shared.render(
    v.chapter_compare_view(table, str(metric or "members"), currency=dash.currency), key="chapters_chart"
)
show_table(
    v.chapters_for_display(table),
    title=f"Chapters side by side, {f.period_label}",
    key="chapters_table",
    caption=f"Funds raised in {dash.currency}. Figures about fewer than 5 people read “fewer than 5”.",
)

st.subheader("Open a chapter", anchor=False)
with st.container(horizontal=True, vertical_alignment="bottom"):
    opened = st.selectbox(
        "Chapter",
        sorted(selected, key=ordered.index),
        format_func=lambda cid: options.chapter_label(cid),
        key="chapters_open_choice",
    )
    if st.button("Open its overview", key="chapters_open", icon=":material/open_in_new:", type="primary"):
        params = set_chapter(int(opened))
        st.switch_page("pages/overview.py", query_params=params)
