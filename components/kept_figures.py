"""The fundraising pages' figures, kept per scope until the gifts change.

Retention read every gift the fundraiser may see on every rerun (three
million at national scale: 15 s to open the page). Its figures depend on
the gifts alone, and the database stamps every change to them
(`db.gift_stamps`), so a figure computed once is right until the next
change: it is kept in PostgreSQL for the scope (`db.report_snapshots`, the
dashboard's store) and in this process, and read back by any reader of the
same scope, on any replica, as long as no gift changed since. Until a
change settles (`gift_stamps.SETTLE`) the figures are computed on every
run, so a new gift shows at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import streamlit as st

from components.figure_keys import database_key, view_key
from db import gift_stamps, report_snapshots
from db.identity import Identity

log = logging.getLogger(__name__)

T = TypeVar("T")


def gift_figures(
    identity: Identity,
    name: str,
    parts: tuple[object, ...],
    compute: Callable[[], T],
) -> T:
    """`compute()`'s value for the figures `name` with `parts` (their
    inputs: year, today, settings), kept for the person's scope while the
    gifts are unchanged, in this process and in the database. Right after a
    change (before it settles) the figures are computed on every run and
    kept nowhere."""
    state = gift_stamps.gift_state(identity)
    if state.now < gift_stamps.current_since(state.changed_at):
        return compute()
    # The key names the figures and the code that made them: what is kept
    # under it is what `compute` returns.
    key = view_key(name, *parts)
    changed = state.changed_at.isoformat()
    return _kept(state.scope, database_key(), changed, key, identity, compute)  # type: ignore[return-value]


@st.cache_resource(ttl=600, max_entries=64, show_spinner=False)
def _kept(
    scope: str,
    database: str,
    changed: str,
    key: str,
    _identity: Identity,
    _compute: Callable[[], object],
) -> object:
    since = gift_stamps.current_since(datetime.fromisoformat(changed))
    found = report_snapshots.kept(_identity, key, since)
    if found is not None:
        return found
    started = time.time()
    value = _compute()
    try:
        report_snapshots.keep(_identity, scope, key, value, age_seconds=time.time() - started)
    except Exception:
        log.exception("the figures %s could not be kept in the database", key)
    return value


def forget() -> None:
    """Drop what this process holds (tests; what a restart does)."""
    _kept.clear()
