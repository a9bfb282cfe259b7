"""Year-end statements: for each donor, every gift of the year by every
channel, as PDF or CSV, for their tax receipts; and all of them at once."""

from __future__ import annotations

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.documents.giving_statement import Statement, channel_column, statement_pdf, statements_zip
from components.downloads import csv_button, file_button, file_stem
from components.feedback import show_errors, show_flash
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from components.text import plain
from db.campaigns import campaigns_frame
from db.donations import amount_text, gifts_frame
from db.donors import donors_frame
from db.errors import InvalidDataError, NotAllowedError
from db.movement_settings import save_statement_issuer, statement_issuer
from metrics.statements import (
    donors_refunded_in_full,
    statement_donors,
    statement_period,
    statement_totals,
)
from models.donations import StatementIssuerIn, format_minor
from money import major_column

FLASH = "statements_flash"

user, money, today = fundraising_page("Year-end statements")
cur = money.reporting_currency
st.caption(
    "One statement per donor for a tax year, listing every gift whatever the channel, less refunds. "
    "Tax years here are calendar years."
)
issuer = statement_issuer(user.identity)
year = st.selectbox("Tax year", list(range(today.year, today.year - 8, -1)), index=1, key="statements_year")
st.caption(
    "Issued by "
    + plain(", ".join([issuer.name, *(issuer.address or "").splitlines()]))
    + (f" · tax number {plain(issuer.tax_number)}" if issuer.tax_number else "")
)
if issuer.missing:
    st.warning(
        f"The statements print no {' and no '.join(issuer.missing)} of the organisation: an admin sets them "
        "under *Organisation details on the statements*.",
        icon=":material/badge:",
    )
show_flash(FLASH)
is_admin = user.has("admin")
# The fields live in session state (no value= of their own), so a saved
# change does not turn them into new widgets on the next run.
for key, stored in (
    ("statements_issuer_name", issuer.legal_name),
    ("statements_issuer_address", issuer.address),
    ("statements_issuer_tax", issuer.tax_number),
):
    st.session_state.setdefault(key, stored or "")
with st.expander("Organisation details on the statements", expanded=is_admin and bool(issuer.missing)):
    if not is_admin:
        st.caption("Only an admin may change these.")
    with st.form("statements_issuer_form"):
        st.text_input(
            "Legal name",
            placeholder=money.movement_name,
            max_chars=200,
            key="statements_issuer_name",
            disabled=not is_admin,
        )
        st.text_area(
            "Postal address (one line per line)",
            max_chars=500,
            height=100,
            key="statements_issuer_address",
            disabled=not is_admin,
        )
        st.text_input(
            "Tax or charity number",
            placeholder="e.g. EIN 12-3456789",
            max_chars=100,
            key="statements_issuer_tax",
            disabled=not is_admin,
        )
        saved = st.form_submit_button("Save", key="statements_issuer_save", disabled=not is_admin)
    if saved:
        try:
            save_statement_issuer(
                user.identity,
                StatementIssuerIn.model_validate(
                    {
                        "legal_name": st.session_state.get("statements_issuer_name"),
                        "postal_address": st.session_state.get("statements_issuer_address"),
                        "tax_number": st.session_state.get("statements_issuer_tax"),
                    }
                ),
            )
        except (ValidationError, InvalidDataError, NotAllowedError) as exc:
            show_errors(exc)
        else:
            st.session_state[FLASH] = "The organisation's details on the statements are saved."
            st.rerun()
start, end = statement_period(year)
gifts = gifts_frame(user.identity, since=start, until=end)
donors = donors_frame(user.identity)
campaigns = campaigns_frame(user.identity).select("campaign_id", pl.col("name").alias("campaign"))
givers = (
    statement_donors(gifts, start=start, end=end)
    .collect()
    .join(donors.select("donor_id", "display_name", "email"), on="donor_id", how="left")
)
refunded = donors_refunded_in_full(gifts, start=start, end=end).collect()
lines_all = (
    gifts.filter(pl.col("donor_id").is_in(givers["donor_id"].implode()))
    .join(campaigns, on="campaign_id", how="left")
    .with_columns(channel_column().alias("channel"))
)
st.caption(
    f"Counts donors with a gift received in {year} "
    f"({dates.day(start, today)} to {dates.day(end, today)}, any channel) that "
    f"was not refunded in full: {givers.height:,} statement(s). Retention counts a fiscal year to date; "
    "Donors lists every donor on record."
    + (
        f" Skipped: {refunded.height:,} donor(s) whose every gift of {year} was refunded in full "
        "(their statement would say 0)."
        if refunded.height
        else ""
    )
)
if givers.is_empty():
    st.info(f"No gifts were received in {year} that call for a statement.", icon=":material/info:")
    st.stop()


def statement_for(donor_id: int) -> Statement:
    who = givers.filter(pl.col("donor_id") == donor_id).row(0, named=True)
    lines = lines_all.filter(pl.col("donor_id") == donor_id)
    return Statement(
        movement_name=issuer.name,
        donor_name=str(who["display_name"]),
        donor_email=who["email"],
        start=start,
        end=end,
        lines=lines,
        totals=statement_totals(lines, start=start, end=end).collect(),
        reporting_currency=cur,
        issued_on=today,
        issuer_address=issuer.address,
        issuer_tax_number=issuer.tax_number,
    )


labels = {
    int(r["donor_id"]): f"{r['display_name']} — {format_minor(int(r['net_reporting_minor']), cur)}"
    for r in givers.iter_rows(named=True)
}
tab_one, tab_all = st.tabs(["One donor", f"All {len(labels):,} donors"])
with tab_one:
    donor_id = st.selectbox("Donor", list(labels), format_func=lambda i: labels[i], key="statements_donor")
    statement = statement_for(donor_id)
    st.markdown(f"**{plain(statement.donor_name)}** · {plain(statement.donor_email or 'no email')}")
    table = statement.lines.sort("received_on").select(
        pl.col("received_on").alias("Date"),
        pl.col("channel").alias("Channel"),
        pl.col("campaign").alias("Campaign"),
        amount_text().alias("Amount"),
        amount_text("refunded_minor").alias("Refunded"),
        major_column("net_reporting_minor", cur, alias="net"),
        pl.col("processor_ref").alias("Reference"),
    )
    money_table(
        table,
        key="statements_lines",
        column_config={"net": money_column(f"Net ({cur})", cur)},
    )
    for t in statement.totals.iter_rows(named=True):
        st.markdown(
            f"Total {t['currency']}: **{format_minor(int(t['net_minor']), str(t['currency']))}** "
            f"in {t['gifts']} gift(s)"
            + (
                f" (refunded {format_minor(int(t['refunded_minor']), str(t['currency']))})"
                if t["refunded_minor"]
                else ""
            )
        )
    stem = f"statement-{year}-{file_stem(statement.donor_name)}"
    pdf_col, csv_col = st.columns(2)
    file_button(
        "Download PDF",
        lambda: statement_pdf(statement),
        f"{stem}.pdf",
        key="statements_pdf",
        where=pdf_col,
        primary=True,
    )
    csv_button("Download CSV", table, f"{stem}.csv", key="statements_csv", where=csv_col)

with tab_all:
    st.caption(
        "Every donor's statement at once: a ZIP of PDFs to send, or one CSV with a line per gift for a mail "
        "merge."
    )
    everyone = (
        lines_all.join(donors.select("donor_id", "display_name", "email"), on="donor_id", how="left")
        .sort("display_name", "received_on")
        .select(
            pl.col("display_name").alias("Donor"),
            pl.col("email").alias("Email"),
            pl.col("received_on").alias("Date"),
            pl.col("channel").alias("Channel"),
            pl.col("campaign").alias("Campaign"),
            pl.col("currency").alias("Currency"),
            amount_text().alias("Amount"),
            amount_text("refunded_minor").alias("Refunded"),
            major_column("net_reporting_minor", cur, alias=f"Net ({cur})"),
        )
    )
    money_table(
        givers.select(
            pl.col("display_name").alias("Donor"),
            pl.col("email").alias("Email"),
            pl.col("gifts").alias("Gifts"),
            major_column("net_reporting_minor", cur, alias="net"),
        ),
        key="statements_givers",
        column_config={"net": money_column(f"Net ({cur})", cur)},
    )
    zip_col, all_csv_col = st.columns(2)
    file_button(
        f"Download {len(labels):,} PDFs (ZIP)",
        lambda: statements_zip(
            (f"{file_stem(str(labels[i]).split(' — ')[0])}-{i}", statement_for(i)) for i in labels
        ),
        f"statements-{year}.zip",
        key="statements_zip",
        where=zip_col,
    )
    csv_button(
        "Download every gift (CSV)",
        everyone,
        f"statements-{year}.csv",
        key="statements_all_csv",
        where=all_csv_col,
    )
