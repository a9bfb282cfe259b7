"""Column settings shared by the pages' tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st


def text_columns(labels: Mapping[str, str]) -> dict[str, Any]:
    """Plain text columns, each shown under its label (column name: label)."""
    return {name: st.column_config.TextColumn(label) for name, label in labels.items()}
