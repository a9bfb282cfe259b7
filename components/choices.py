"""A selectbox of ids shown by their labels, as the forms pick a donor,
campaign or chapter."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

K = TypeVar("K", bound=Hashable)


def labelled_select(
    label: str,
    labels: Mapping[K, str],
    *,
    placeholder: str,
    key: str,
    where: DeltaGenerator | None = None,
) -> K | None:
    """Pick one of `labels`' keys, shown by its label; `placeholder` says
    what choosing none means."""
    select = st.selectbox if where is None else where.selectbox
    return select(label, list(labels), format_func=lambda i: labels[i], placeholder=placeholder, key=key)
