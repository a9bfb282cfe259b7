"""How the pages show a table: full width, without pandas' row numbers,
with the column settings the page gives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st


def wide_table(frame: pl.DataFrame, *, key: str, column_config: Mapping[str, Any] | None = None) -> None:
    """The frame as a full-width table with no index column (the fundraising
    pages' money_table also shows dates as days)."""
    st.dataframe(frame, hide_index=True, width="stretch", key=key, column_config=column_config)


def text_columns(labels: Mapping[str, str]) -> dict[str, Any]:
    """Plain text columns, each shown under its label (column name: label)."""
    return {name: st.column_config.TextColumn(label) for name, label in labels.items()}
