"""Import gifts from Stripe's payments export, PayPal's activity download or
any CSV: map the columns, check the file against the database, see every
row's fate, then import it all or nothing. Exchange rates live here too."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

import polars as pl
import streamlit as st

from components import dates
from components.downloads import csv_button
from components.feedback import show_problems, submit_callback
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from components.text import plain
from db.campaigns import campaigns_frame
from db.errors import InvalidDataError, NotAllowedError
from db.exchange_rates import exchange_rates_frame, save_exchange_rate
from db.gift_commit import commit_import
from db.gift_import import check_import, import_history
from imports.dates import DATE_ORDERS
from imports.gift_check import ImportCheck
from imports.gift_file import read_csv
from imports.gift_mapping import FIELDS, FORMATS, REQUIRED, ImportOptions, default_mapping, detect_format
from imports.gift_preview import errors_frame, preview_frame
from imports.text import UnreadableFile
from models.donations import ExchangeRateIn, error_messages, format_minor
from money import currencies as money_currencies
from money import major_column

CHECK = "import_check"
FLASH = "import_flash"
RATE_ERRORS = "rate_errors"
NONE = "(not in this file)"
FORMAT_LABEL = {
    "stripe": "Stripe payments export",
    "paypal": "PayPal activity download",
    "generic": "Other CSV",
}
ORDER_LABEL = {
    "auto": "Work it out from the file",
    "YMD": "Year-month-day (2025-03-14)",
    "DMY": "Day/month/year (14/03/2025)",
    "MDY": "Month/day/year (03/14/2025)",
}

user, money, today = fundraising_page("Import gifts", FLASH)

tab_file, tab_rates, tab_history = st.tabs(["Import a file", "Exchange rates", "Past imports"])

with tab_file:
    st.caption(
        "Stripe: Payments → Export (CSV, default columns). PayPal: Activity → Download (CSV, completed "
        "payments). Any other CSV: map its columns below. Nothing is saved until you press Import, and then "
        "either every gift is saved or none. Gifts already recorded (same processor reference) are skipped, "
        "so importing a file twice adds nothing."
    )
    upload = st.file_uploader("CSV file", type=["csv"], key="import_file")
    if upload is None:
        st.session_state.pop(CHECK, None)
        st.info("Choose a CSV file to begin.", icon=":material/upload_file:")
    else:
        data = upload.getvalue()
        try:
            raw = read_csv(data)
        except UnreadableFile as exc:
            st.error(str(exc)[:1].upper() + str(exc)[1:], icon=":material/error:")
            st.stop()
        detected = detect_format(raw.columns)
        fmt = st.selectbox(
            "What kind of file is this?",
            FORMATS,
            index=FORMATS.index(detected),
            format_func=lambda f: FORMAT_LABEL[f] + (" (detected)" if f == detected else ""),
            key="import_format",
        )
        st.caption(f"{plain(upload.name)}: {len(raw.rows):,} rows, {len(raw.columns)} columns.")
        defaults = default_mapping(fmt, raw.columns)
        choices = [NONE, *raw.columns]
        mapping: dict[str, str | None] = {}
        with st.expander("Column mapping", expanded=fmt == "generic"):
            st.caption(
                "Which column of the file holds each field. Fields marked * are required for this kind."
            )
            cols = st.columns(3)
            for i, (field_name, label) in enumerate(FIELDS.items()):
                default = defaults.get(field_name)
                chosen = cols[i % 3].selectbox(
                    label + (" *" if field_name in REQUIRED[fmt] else ""),
                    choices,
                    index=choices.index(default) if default in choices else 0,
                    key=f"import_map_{fmt}_{field_name}",
                )
                mapping[field_name] = None if chosen == NONE else chosen
        campaigns = campaigns_frame(user.identity)
        campaign_names = {int(r["campaign_id"]): str(r["name"]) for r in campaigns.iter_rows(named=True)}
        order_col, comma_col, campaign_col = st.columns(3)
        date_order = order_col.selectbox(
            "Dates", DATE_ORDERS, format_func=lambda o: ORDER_LABEL[o], key="import_date_order"
        )
        decimal_comma = comma_col.toggle(
            "Decimal comma (1.234,50)", key="import_decimal_comma", help="Amounts written the European way."
        )
        campaign_id = campaign_col.selectbox(
            "Campaign for gifts that name none",
            list(campaign_names),
            format_func=lambda i: campaign_names[i],
            index=None,
            placeholder="No campaign",
            key="import_campaign",
        )
        options = ImportOptions(
            format=fmt,
            mapping=mapping,
            date_order=date_order,
            decimal_comma=decimal_comma,
            campaign_id=campaign_id,
        )
        fingerprint = hashlib.sha256(repr((raw.sha256, options)).encode()).hexdigest()
        if st.button("Check the file", type="primary", key="import_check_button"):
            with st.spinner("Checking every row…"):
                st.session_state[CHECK] = (
                    fingerprint,
                    check_import(user.identity, raw, options, upload.name),
                )
        stored = st.session_state.get(CHECK)
        check: ImportCheck | None = stored[1] if stored and stored[0] == fingerprint else None
        if stored and check is None:
            st.info("The file or the mapping changed: check it again.", icon=":material/refresh:")
        if check is not None:
            cur = money.reporting_currency
            problem_rows = len({e.row for e in check.errors})
            row1 = st.columns([1, 1, 1, 2])
            row1[0].metric("Rows in the file", f"{check.parsed.rows_in_file:,}")
            row1[1].metric("New gifts", f"{len(check.new_gifts):,}")
            row1[2].metric("Already recorded", f"{len(check.already_recorded):,}")
            row1[3].metric(
                "New gifts, gross",
                format_minor(check.gross_reporting_minor, cur),
                help="The new gifts before any refund, in the reporting currency.",
            )
            row2 = st.columns([1, 1, 1, 2])
            row2[0].metric("New donors", f"{check.donors_to_create:,}")
            row2[1].metric(
                "Refunds to apply",
                f"{check.refunds_to_apply:,}",
                help="Refunds stated on new gifts, grown refunds of recorded gifts, and refund rows.",
            )
            row2[2].metric("Skipped rows", f"{len(check.parsed.skipped) + len(check.refunds_without_gift):,}")
            row2[3].metric(
                "Refunds",
                format_minor(-check.refunds_reporting_minor, cur) if check.refunds_reporting_minor else "—",
                help="What this file's refunds take off, in the reporting currency.",
            )
            row3 = st.columns([1, 1, 1, 2])
            row3[0].metric("Rows with problems", f"{problem_rows:,}")
            row3[3].metric(
                "Net of refunds",
                format_minor(check.net_reporting_minor, cur),
                help="Gross less refunds: what this import adds to the net income.",
            )
            for warning in check.warnings:
                st.warning(warning[:1].upper() + warning[1:], icon=":material/warning:")
            to_commit: ImportCheck | None = check if check.can_commit else None
            if check.errors:
                st.error(
                    f"{problem_rows:,} row(s) have problems. Correct them in the file (or the mapping) and "
                    "check again"
                    + (
                        ", or leave them out below."
                        if check.can_skip_reported_rows
                        else ": nothing can be imported until then."
                    ),
                    icon=":material/error:",
                )
                report = errors_frame(check)
                money_table(
                    report.with_columns(pl.col("column", "value").fill_null("")),
                    key="import_errors",
                    column_config={
                        "row": st.column_config.NumberColumn("Row", format="%d", width="small"),
                        "problem": st.column_config.TextColumn("Problem", width="large"),
                    },
                )
                csv_button(
                    "Download the error report (CSV)",
                    report,
                    f"{upload.name.rsplit('.', 1)[0]}-problems.csv",
                    key="import_errors_csv",
                )
                if check.can_skip_reported_rows and st.checkbox(
                    f"Skip the {problem_rows:,} row(s) reported above and import the rest",
                    key="import_skip_reported",
                    help="Those rows are left out and counted as skipped; the rest is still saved all or "
                    "nothing.",
                ):
                    rest = check.without_reported_rows()
                    to_commit = rest if rest.can_commit else None
                    if to_commit is None:
                        st.info(
                            "Without those rows everything in this file is already recorded: there is "
                            "nothing to import.",
                            icon=":material/done_all:",
                        )
            preview = preview_frame(check)
            st.markdown("**What happens to each row**")
            outcome = st.pills(
                "Show",
                sorted(set(preview["outcome"].to_list())),
                selection_mode="multi",
                key="import_preview_filter",
            )
            shown = preview.filter(pl.col("outcome").is_in(outcome)) if outcome else preview
            text_columns = ["outcome", "detail", "donor", "amount", "fee", "refunded", "email", "reference"]
            money_table(
                shown.head(2000).select(
                    "row",
                    *[pl.col(c).fill_null("") for c in text_columns[:4]],
                    major_column("reporting_amount_minor", cur, alias="reporting"),
                    *[pl.col(c).fill_null("") for c in text_columns[4:6]],
                    "recurring",
                    "date",
                    *[pl.col(c).fill_null("") for c in text_columns[6:]],
                ),
                key="import_preview",
                column_config={
                    "row": st.column_config.NumberColumn("Row", format="%d", width="small"),
                    "detail": st.column_config.TextColumn("Detail", width="medium"),
                    **{c: c.capitalize() for c in ("outcome", "donor", "amount", "fee", "refunded", "email")},
                    "recurring": st.column_config.CheckboxColumn("Recurring"),
                    "date": st.column_config.DateColumn("Date", format=dates.column()),
                    "reference": "Reference",
                    "reporting": money_column(f"In {cur}", cur),
                },
            )
            if shown.height > 2000:
                st.caption(f"Showing the first 2,000 of {shown.height:,} rows.")
            if to_commit is not None:
                label = f"Import {len(to_commit.new_gifts):,} gift(s)"
                if to_commit.refunds_to_apply:
                    label += f" and {to_commit.refunds_to_apply:,} refund(s)"
                if to_commit.reported_rows_skipped:
                    label += f", skipping {len(to_commit.reported_rows_skipped):,} row(s)"
                if st.button(label, type="primary", key="import_commit"):
                    try:
                        with st.spinner("Importing…"):
                            result = commit_import(user.identity, to_commit)
                    except (InvalidDataError, NotAllowedError) as exc:
                        st.error("Nothing was imported: " + str(exc), icon=":material/error:")
                    else:
                        st.session_state.pop(CHECK, None)
                        st.session_state[FLASH] = (
                            f"Imported {result.gifts_added:,} gift(s), {result.refunds_applied:,} refund(s) "
                            f"and {result.donors_added:,} new donor(s) from {upload.name}; "
                            f"{result.gifts_already_recorded:,} were already recorded"
                            + (
                                f" and {len(to_commit.reported_rows_skipped):,} row(s) with problems "
                                "were left out."
                                if to_commit.reported_rows_skipped
                                else "."
                            )
                        )
                        st.rerun()
            elif not check.errors:
                st.info(
                    "Everything in this file is already recorded: there is nothing to import.",
                    icon=":material/done_all:",
                )

with tab_rates:
    st.caption(
        f"How many {money.reporting_currency} one unit of another currency is worth, from a date until the "
        "next stored rate. Gifts keep the reporting amount they were saved with."
    )
    currencies = [c for c in money_currencies() if c != money.reporting_currency]
    st.session_state.setdefault("rate_currency", "EUR" if "EUR" in currencies else currencies[0])
    st.session_state.setdefault("rate_valid_on", today)
    st.session_state.setdefault("rate_value", "")

    @submit_callback(flash=FLASH, errors=RATE_ERRORS, reset={"rate_value": ""}, explain=error_messages)
    def save_rate() -> str:
        """Store the rate; the rate field is emptied after."""
        state = st.session_state
        text = (state.get("rate_value") or "").strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidDataError(f"'{text}' is not a rate (write it like 1.08)") from None
        save_exchange_rate(
            user.identity,
            ExchangeRateIn.model_validate(
                {
                    "currency": state.get("rate_currency"),
                    "valid_on": state.get("rate_valid_on"),
                    "rate": value,
                }
            ),
        )
        return f"Rate saved: 1 {state.get('rate_currency')} = {value} {money.reporting_currency}."

    with st.form("rate_form"):
        c1, c2, c3 = st.columns(3)
        c1.selectbox("Currency", currencies, key="rate_currency")
        c2.date_input("Valid from", key="rate_valid_on", format=dates.input_format())
        c3.text_input(f"{money.reporting_currency} per unit", key="rate_value", placeholder="e.g. 1.08")
        st.form_submit_button("Save rate", key="rate_save", on_click=save_rate)
    show_problems(RATE_ERRORS)
    rates = exchange_rates_frame(user.identity)
    if rates.is_empty():
        st.info("No exchange rates stored yet.", icon=":material/info:")
    else:
        latest = rates.group_by("currency").agg(pl.all().first()).sort("currency")
        st.markdown("**Latest rate per currency**")
        money_table(latest, key="rates_latest")
        with st.expander("Every stored rate"):
            money_table(rates, key="rates_all")

with tab_history:
    history = import_history(user.identity)
    if history.is_empty():
        st.info("No imports yet.", icon=":material/info:")
    else:
        money_table(history, key="import_history")
