"""Import hours: a coordinator's spreadsheet of hours (paper sign-in sheets,
another tool's export) in one go. Every row is checked; if any row is
wrong, nothing is imported and each problem is listed with its line."""

from __future__ import annotations

import streamlit as st

from components.session import require_role
from db.hours_import import import_hours_csv
from imports.hours_csv import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, ImportReport, too_big
from models.hours import ACTIVITY_LABELS, CSV_TEMPLATE

REPORT = "import_report"

user = require_role("coordinator")
st.title("Import hours")
st.markdown(
    "Upload a CSV file with one row per entry. Columns: **member_email**, **worked_on** (YYYY-MM-DD), "
    "**minutes** (or **hours**, e.g. 1.5), **activity**, and optionally **event_id**, **program_id** and "
    "**note**. Members must belong to the chapters you coordinate."
)
with st.expander("Activities and limits"):
    st.markdown(
        "Activities (code or name): "
        + ", ".join(f"`{code}` ({label})" for code, label in ACTIVITY_LABELS.items())
        + f".\n\nAt most {MAX_IMPORT_ROWS:,} rows and {MAX_IMPORT_BYTES // 1024 // 1024} MB per file; "
        "no more than 24 hours per member and day across all entries; no future dates. "
        "Cells that a spreadsheet would run as formulas (starting with =, +, -, @) are refused. "
        "Importing the same file twice adds nothing the second time."
    )
st.download_button(
    "Download an empty template",
    data=CSV_TEMPLATE.encode(),
    file_name="hours-template.csv",
    mime="text/csv",
    key="import_template",
    icon=":material/download:",
    on_click="ignore",
    type="tertiary",
)
upload = st.file_uploader("Hours file (CSV)", type=["csv", "txt"], key="import_file")
approve = st.checkbox(
    "Mark imported hours as approved",
    value=True,
    key="import_approve",
    help="Leave ticked when the hours were already confirmed (a signed sheet); "
    "untick to review them in Approvals.",
)
check_col, import_col = st.columns(2)
check = check_col.button(
    "Check the file",
    key="import_check",
    icon=":material/fact_check:",
    disabled=upload is None,
    width="stretch",
)
run = import_col.button(
    "Import",
    key="import_run",
    type="primary",
    icon=":material/upload:",
    disabled=upload is None,
    width="stretch",
)

if upload is None:
    st.session_state.pop(REPORT, None)
elif check or run:
    report = (
        too_big(upload.size, dry_run=check)
        if upload.size > MAX_IMPORT_BYTES
        else import_hours_csv(user.identity, upload.getvalue(), approve=approve, dry_run=check)
    )
    st.session_state[REPORT] = (upload.name, report)

shown: tuple[str, ImportReport] | None = st.session_state.get(REPORT)
if shown is not None and upload is not None and shown[0] == upload.name:
    name, report = shown
    if report.ok and report.dry_run:
        st.success(
            f"All {report.rows} rows of {name} are fine. Press Import to add them.",
            icon=":material/task_alt:",
        )
    elif report.ok:
        status = "approved" if approve else "waiting for approval"
        st.success(
            f"Imported {report.imported} entries from {name} ({status}).", icon=":material/check_circle:"
        )
    else:
        if report.rows:
            st.error(
                f"Nothing was imported: {report.bad_rows} of {report.rows} rows have problems. "
                "Fix them in the file and upload it again.",
                icon=":material/error:",
            )
        else:
            st.error("Nothing was imported: the file cannot be used as it is.", icon=":material/error:")
        errors = report.errors_frame()
        st.dataframe(
            errors,
            hide_index=True,
            width="stretch",
            key="import_errors",
            column_config={
                "row": st.column_config.NumberColumn(
                    "Line", help="Line in the file; 1 is the header, 0 the file"
                ),
                "column": "Column",
                "value": "Value",
                "problem": st.column_config.TextColumn("Problem", width="large"),
            },
        )
        st.download_button(
            "Download the problems (CSV)",
            data=report.errors_csv,
            file_name=f"problems-{name}",
            mime="text/csv",
            key="import_errors_csv",
            icon=":material/download:",
            on_click="ignore",
        )
