"""Database status: the tables and how many rows the signed-in person sees."""

from __future__ import annotations

import streamlit as st

from components.session import require_role
from db.status import table_counts

user = require_role("admin", "board")
st.title("Database status")
st.caption("Row counts as row-level security lets you see them.")
counts = table_counts(user.identity)
st.dataframe(counts, hide_index=True, width="stretch", key="status_counts")
