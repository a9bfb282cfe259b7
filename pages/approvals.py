"""Approvals: the coordinator's queue of pending hours in their chapters.
Tick entries, then approve them or reject them with a reason each
volunteer will read. Everything ticked is decided in one transaction."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from components import dates
from components.feedback import show_flash
from components.session import local_today, require_role
from db.errors import InvalidDataError, NotAllowedError
from db.hours_review import approval_queue, coordinated_chapters, pending_count, review_hours
from models.hours import ACTIVITY_LABELS, REASON_MAX, ReviewDecision, format_minutes, review

FLASH = "approvals_flash"
EDITOR = "approvals_editor_key"  # the editor's current key, for tests and resets
ROWS = "approvals_rows"  # digest of the entries the editor showed
LIMIT = 300
LONG_DAY_MINUTES = 12 * 60


def entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


user = require_role("coordinator")
today = local_today()
st.title("Approvals")
show_flash(FLASH)

chapters = coordinated_chapters(user.identity)
names = dict(chapters)
chapter_id = st.selectbox(
    "Chapter",
    options=[None, *names],
    format_func=lambda c: "All my chapters" if c is None else names[c],
    key="approvals_chapter",
)
search = st.text_input(
    "Find a volunteer", key="approvals_search", placeholder="Part of a name or email", max_chars=100
)
total = pending_count(user.identity, chapter_id=chapter_id, search=search)
queue = approval_queue(user.identity, chapter_id=chapter_id, search=search, limit=LIMIT)
if queue.height == 0:
    if search.strip():
        st.info(
            f"No pending entries of volunteers matching “{search.strip()}”.", icon=":material/search_off:"
        )
    else:
        st.info("Nothing is waiting for approval. Well done!", icon=":material/task_alt:")
    st.stop()
st.caption(
    f"{entries(total).capitalize()} {'waits' if total == 1 else 'wait'} for approval"
    + (f"; the oldest {LIMIT} are shown." if total > LIMIT else ".")
    + " Your own hours go to another coordinator."
)

select_all = st.checkbox("Select all", key="approvals_select_all")
table = queue.select(
    pl.lit(select_all).alias("Select"),
    pl.col("member").alias("Volunteer"),
    pl.col("worked_on").alias("Date"),
    pl.col("minutes").map_elements(format_minutes, return_dtype=pl.String).alias("Time"),
    pl.col("activity").replace_strict(ACTIVITY_LABELS, default=pl.col("activity")).alias("Activity"),
    pl.col("context").fill_null("").alias("For"),
    pl.col("note").fill_null("").alias("Note"),
    pl.lit("").alias("Reason if rejected"),
    pl.col("chapter").alias("Chapter"),
    pl.when(pl.col("day_minutes") > LONG_DAY_MINUTES)
    .then(pl.col("day_minutes").map_elements(format_minutes, return_dtype=pl.String))
    .otherwise(pl.lit(""))
    .alias("Long day"),
)
if (table["Long day"] == "").all():
    # Shown only when some volunteer's day in the queue is over 12 hours.
    table = table.drop("Long day")
# The edits Streamlit keeps are by row position: a new key whenever the
# queue's rows change, so a tick never lands on a different entry.
ids = queue["hours_id"].to_list()
rows_digest = hashlib.sha256(str(ids).encode()).hexdigest()[:10]
editor_key = f"approvals_editor_{rows_digest}_{int(select_all)}"
previous_key = st.session_state.get(EDITOR)
if (
    st.session_state.get(ROWS) not in (None, rows_digest)
    and previous_key
    and (st.session_state.get(previous_key) or {}).get("edited_rows")
):
    st.warning(
        "The list changed while you were choosing (another coordinator decided, or a volunteer changed "
        "an entry). Your ticks were cleared so that none lands on the wrong entry: please tick again.",
        icon=":material/sync_problem:",
    )
st.session_state[EDITOR] = editor_key
st.session_state[ROWS] = rows_digest
edited = st.data_editor(
    table,
    key=editor_key,
    hide_index=True,
    width="stretch",
    disabled=[c for c in table.columns if c not in ("Select", "Reason if rejected")],
    column_config={
        # Pinned, and narrow enough to leave a phone room for the rest: the
        # row's tick and who it is stay in view while the row scrolls sideways.
        "Select": st.column_config.CheckboxColumn(width="small", pinned=True),
        "Volunteer": st.column_config.TextColumn(width=130, pinned=True),
        "Date": st.column_config.DateColumn(format=dates.column()),
        "For": st.column_config.TextColumn(width="medium"),
        "Note": st.column_config.TextColumn(width="medium"),
        "Long day": st.column_config.TextColumn(help="The volunteer's total that day, when over 12 hours"),
        "Reason if rejected": st.column_config.TextColumn(max_chars=REASON_MAX, width="large"),
    },
)
chosen = [i for i, ticked in enumerate(edited["Select"].to_list()) if ticked]
shared_reason = st.text_input(
    "Reason for rejecting (used where a row has none)",
    max_chars=REASON_MAX,
    key="approvals_reason",
    placeholder="e.g. This event was cancelled",
)
approve_col, reject_col = st.columns(2)
approve = approve_col.button(
    f"Approve selected ({len(chosen)})",
    key="approvals_approve",
    type="primary",
    icon=":material/done_all:",
    disabled=not chosen,
    width="stretch",
)
reject = reject_col.button(
    f"Reject selected ({len(chosen)})",
    key="approvals_reject",
    icon=":material/block:",
    disabled=not chosen,
    width="stretch",
)


def _who(i: int) -> str:
    row = queue.row(i, named=True)
    return f"{row['member']} ({dates.day(row['worked_on'], today)})"


if approve or reject:
    decisions: list[ReviewDecision] = []
    missing: list[str] = []
    for i in chosen:
        if approve:
            decisions.append(review(ids[i], "approve"))
            continue
        reason = str(edited["Reason if rejected"][i] or "").strip() or shared_reason.strip()
        if not reason:
            missing.append(_who(i))
            continue
        decisions.append(review(ids[i], "reject", reason))
    if missing:
        st.error(
            "Give a reason for each rejection, so the volunteer knows what to fix. Missing for: "
            + ", ".join(missing)
            + ". Nothing was changed.",
            icon=":material/error:",
        )
        st.stop()
    try:
        outcome = review_hours(user.identity, decisions)
    except (InvalidDataError, NotAllowedError) as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    parts = []
    if outcome.approved:
        parts.append(f"Approved {entries(len(outcome.approved))}.")
    if outcome.rejected:
        parts.append(f"Rejected {entries(len(outcome.rejected))}; the volunteers will see your reason.")
    if outcome.skipped:
        parts.append(
            f"{entries(len(outcome.skipped)).capitalize()} had already been decided by someone else "
            "or withdrawn, and were left as they are."
        )
    st.session_state[FLASH] = " ".join(parts)
    for key in ("approvals_select_all", EDITOR, ROWS):
        st.session_state.pop(key, None)
    st.rerun()
