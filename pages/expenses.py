"""Expenses by category (program, admin, fundraising), entered by hand or
imported from a CSV, so burn and runway rest on real figures."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import charts, dates
from components.choices import labelled_select
from components.feedback import show_problems, submit_callback
from components.money_charts import money_by_month, money_series
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from db.chapters import chapter_labels, list_chapters
from db.donations import amount_text, gifts_frame, metric_donations
from db.errors import InvalidDataError, NotAllowedError
from db.expenses import check_expense_file, commit_expense_file, expenses_frame, record_expense
from imports.expense_csv import EXPENSE_COLUMNS
from imports.text import UnreadableFile
from metrics.expenses import expense_shares, expenses_by_month_and_category
from metrics.finance import monthly_cash_flow
from metrics.periods import add_months
from metrics.query import collect_all
from models.donations import error_messages, format_minor
from models.expenses import CATEGORIES, ExpenseIn
from models.spreadsheet import safe_csv
from money import currencies as money_currencies
from money import major_column

FLASH = "expenses_flash"
CHECKED = "expenses_checked"
ERRORS = "expenses_errors"
CATEGORY_HELP = {
    "program": "running programs, events, trainings, circles",
    "admin": "management and general: rent, accounting, insurance, software",
    "fundraising": "appeals, events to raise money, processor fees, donor care",
}

user, money, today = fundraising_page("Expenses", FLASH)
cur = money.reporting_currency
chapters = list_chapters(user.identity)
chapter_names = chapter_labels(chapters)

tab_summary, tab_entry, tab_import = st.tabs(["Summary", "Add an expense", "Import a CSV"])

EMPTY: dict[str, object] = {"expense_date": today, "expense_amount": "", "expense_description": ""}
KEPT: dict[str, object] = {"expense_currency": cur, "expense_category": "program", "expense_chapter": None}
for key, value in {**EMPTY, **KEPT}.items():
    st.session_state.setdefault(key, value)


@submit_callback(flash=FLASH, errors=ERRORS, reset=EMPTY, explain=error_messages)
def save() -> str:
    """Save the expense; the amount and description are emptied after (the
    currency, category and chapter stay, for the next line of a batch)."""
    state = st.session_state
    expense = ExpenseIn.model_validate(
        {
            "spent_on": state.get("expense_date"),
            "amount": state.get("expense_amount") or "",
            "currency": state.get("expense_currency") or "",
            "category": state.get("expense_category"),
            "description": state.get("expense_description") or "",
            "chapter_id": state.get("expense_chapter"),
        }
    )
    record_expense(user.identity, expense)
    return f"Saved {format_minor(expense.amount_minor, expense.currency)} ({expense.category})."


with tab_entry:
    with st.form("expense_form"):
        date_col, amount_col, currency_col = st.columns([1, 1, 1])
        date_col.date_input("Date", max_value=today, key="expense_date", format=dates.input_format())
        amount_col.text_input("Amount", key="expense_amount", placeholder="e.g. 420.00")
        currency_col.selectbox("Currency", money_currencies(), key="expense_currency")
        category_col, chapter_col = st.columns(2)
        category_col.selectbox(
            "Category",
            CATEGORIES,
            format_func=lambda c: f"{c} — {CATEGORY_HELP[c]}",
            key="expense_category",
        )
        labelled_select(
            "Chapter (optional)",
            chapter_names,
            placeholder="The whole movement",
            key="expense_chapter",
            where=chapter_col,
        )
        st.text_input("Description", key="expense_description", max_chars=500)
        st.form_submit_button("Save expense", type="primary", key="expense_save", on_click=save)
    show_problems(ERRORS)

with tab_import:
    st.caption(
        "A CSV with the columns "
        + ", ".join(f"`{c}`" for c in EXPENSE_COLUMNS)
        + " (and optionally `chapter_id`). Categories may also be written as in your books: "
        "'Management and General' is admin, 'Program services' is program, 'Development' is fundraising. "
        "Every row is checked first; then all are saved, or none."
    )
    upload = st.file_uploader("Expenses CSV", type=["csv"], key="expenses_file")
    if upload is None:
        st.session_state.pop(CHECKED, None)
    else:
        if st.button("Check the file", key="expenses_check"):
            try:
                st.session_state[CHECKED] = (
                    upload.file_id,
                    check_expense_file(user.identity, upload.getvalue()),
                )
            except UnreadableFile as exc:
                st.error(str(exc), icon=":material/error:")
        stored = st.session_state.get(CHECKED)
        checked = stored[1] if stored and stored[0] == upload.file_id else None
        if checked is not None:
            total = sum(checked.reporting_minor.values())
            st.markdown(
                f"{checked.rows_in_file:,} rows: {len(checked.expenses):,} valid, "
                f"{len({e.row for e in checked.errors}):,} with problems; valid rows total "
                f"{format_minor(total, cur)}."
            )
            if checked.errors:
                report = pl.DataFrame(
                    {"row": [e.row for e in checked.errors], "problem": [e.message for e in checked.errors]}
                )
                st.error("Nothing can be saved until every row is right.", icon=":material/error:")
                money_table(report, key="expenses_errors")
                st.download_button(
                    "Download the error report (CSV)",
                    data=safe_csv(report),
                    file_name="expenses-problems.csv",
                    mime="text/csv",
                    key="expenses_errors_csv",
                    on_click="ignore",
                )
            elif checked.can_commit and st.button(
                f"Import {len(checked.expenses):,} expense(s)", type="primary", key="expenses_commit"
            ):
                try:
                    saved = commit_expense_file(user.identity, checked)
                except (InvalidDataError, NotAllowedError) as exc:
                    st.error("Nothing was saved: " + str(exc), icon=":material/error:")
                else:
                    st.session_state.pop(CHECKED, None)
                    st.session_state[FLASH] = f"Imported {saved:,} expense(s)."
                    st.rerun()

with tab_summary:
    start = add_months(today.replace(day=1), -11)
    expenses = expenses_frame(user.identity)
    donations = metric_donations(gifts_frame(user.identity, since=start))
    by_month, shares = collect_all(
        [
            expenses_by_month_and_category(expenses, start=start, end=today),
            expense_shares(expenses, start=start, end=today),
        ]
    )
    flows = monthly_cash_flow(donations, expenses, start=start, end=today).collect()
    m = st.columns([2, 1, 1, 1])
    m[0].metric("Spent, last 12 months", format_minor(int(by_month["amount_minor"].sum()), cur))
    for col, category in zip(m[1:], CATEGORIES, strict=True):
        share = shares[category]
        col.metric(
            f"{category.capitalize()} share",
            f"{share.value:.0%}" if share.value is not None else "—",
            help=share.reason or CATEGORY_HELP[category],
        )
    charts.show(
        charts.bars(
            [
                money_series(c.capitalize(), part, "month", "amount_minor", cur)
                for c in CATEGORIES
                for part in [by_month.filter(pl.col("category") == c)]
            ],
            title="Expenses by month and category",
            y_title="Spent",
            stacked=True,
            **money_by_month(cur),
        ),
        key="expenses_by_category",
    )
    charts.show(
        charts.lines(
            [
                money_series("Gifts in (net)", flows, "month", "cash_in", cur),
                money_series("Expenses out", flows, "month", "cash_out", cur, color=charts.BAD),
            ],
            title="Money in and out by month",
            y_title="Amount",
            markers=True,
            **money_by_month(cur),
        ),
        key="expenses_flows",
    )
    st.markdown("**Recent expenses**")
    if expenses.is_empty():
        st.info("No expenses recorded yet.", icon=":material/info:")
    else:
        recent = expenses.head(200).select(
            pl.col("spent_on").alias("Date"),
            pl.col("category").alias("Category"),
            pl.col("description").alias("Description"),
            amount_text().alias("Amount"),
            major_column("reporting_amount_minor", cur, alias="reporting"),
            pl.col("chapter_id")
            .replace_strict(chapter_names, default="the whole movement", return_dtype=pl.String)
            .alias("Chapter"),
        )
        money_table(
            recent,
            key="expenses_recent",
            column_config={"reporting": money_column(f"In {cur}", cur)},
        )
