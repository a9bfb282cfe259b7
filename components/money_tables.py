"""Tables of money and dates for the fundraising pages: amounts with their
currency's digits and thousands separators, dates without a midnight time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import polars as pl
import streamlit as st

from components import dates
from money import exponent


def money_column(label: str, currency: str) -> Any:
    """A number column showing `currency` amounts (major units) with the
    currency's digits and thousands separators; the label names the currency."""
    digits = exponent(currency)
    return st.column_config.NumberColumn(label, format=f"%,.{digits}f" if digits else "%,d")


def date_columns(frame: pl.DataFrame) -> dict[str, Any]:
    """Every date column in the viewer's date format (Streamlit would add
    00:00:00 and write ISO)."""
    shown = dates.column()
    return {
        name: st.column_config.DateColumn(name, format=shown)
        for name, dtype in frame.schema.items()
        if dtype == pl.Date
    }


def money_table(
    frame: pl.DataFrame,
    *,
    key: str,
    column_config: Mapping[str, Any] | None = None,
    height: int | Literal["auto"] = "auto",
) -> None:
    """st.dataframe with the fundraising pages' defaults: no index, full
    width, dates as dates, and `column_config` on top."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        height=height,
        column_config={**date_columns(frame), **(column_config or {})},
    )
