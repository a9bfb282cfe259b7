"""Donors: find anyone, see their giving history, first and last gift,
lifetime total and segment, correct their details, and merge duplicates
without losing a gift."""

from __future__ import annotations

from uuid import uuid4

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import charts, dates
from components.downloads import csv_button
from components.feedback import show_errors, show_problems, submit_callback
from components.kept_figures import gift_figures
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from components.text import plain
from db.campaigns import campaigns_frame
from db.donations import amount_text, gifts_frame, metric_donations, record_refund
from db.donors import donors_frame, find_similar_donors, merge_donors, update_donor
from db.errors import InvalidDataError, NotAllowedError
from db.recurring_plans import plans_frame
from metrics.donor_profiles import SEGMENT_MEANING, SEGMENTS, donor_profiles, donor_segments, giving_by_year
from metrics.periods import fiscal_year_of
from metrics.query import collect_all
from models.donations import RefundIn, error_messages, format_minor
from models.donors import DONOR_KINDS, DonorIn, MergeRequest
from money import major_column, majors

FLASH = "donors_flash"
LISTED = 5_000
REFUND_ERRORS = "donors_refund_errors"

user, money, today = fundraising_page("Donors", FLASH)
cur = money.reporting_currency
year = fiscal_year_of(today, money.fiscal_year_start_month)
fy = money.fiscal_year_start_month


def giving_summary() -> pl.DataFrame:
    """Each giving donor's profile and segment, from every gift the person
    may see: read and computed once, then kept until the gifts change
    (`components.kept_figures`), so a search or a click never reads them."""
    donations = metric_donations(gifts_frame(user.identity))
    profiles, segments = collect_all(
        [
            donor_profiles(donations, as_of=today),
            donor_segments(donations, year=year, as_of=today, fy_start_month=fy),
        ]
    )
    summary: pl.DataFrame = profiles.join(segments.select("donor_id", "segment"), on="donor_id", how="left")
    return summary


summary = gift_figures(user.identity, "donor_summary", (today.isoformat(), year, fy, cur), giving_summary)
donors = gift_figures(user.identity, "donors", (), lambda: donors_frame(user.identity))
table = donors.join(summary, on="donor_id", how="left").with_columns(
    pl.col("segment").fill_null("no gifts"), pl.col("gifts").fill_null(0)
)

st.caption(
    f"Segments are for fiscal year {year} to date: "
    + "; ".join(f"**{s}** — {SEGMENT_MEANING[s]}" for s in SEGMENTS)
    + ". Totals are net of refunds, in "
    + cur
    + "."
)
search_col, segment_col = st.columns([2, 1])
search = search_col.text_input("Search by name or email", key="donors_search", placeholder="e.g. okafor")
chosen_segments = segment_col.multiselect("Segment", [*SEGMENTS, "no gifts"], key="donors_segments")
shown = table
if search.strip():
    needle = search.strip().lower()
    shown = shown.filter(
        pl.col("display_name").str.to_lowercase().str.contains(needle, literal=True)
        | pl.col("email").fill_null("").str.contains(needle, literal=True)
    )
if chosen_segments:
    shown = shown.filter(pl.col("segment").is_in(chosen_segments))
listing = shown.sort("lifetime_minor", descending=True, nulls_last=True).select(
    "donor_id",
    pl.col("display_name").alias("Donor"),
    pl.col("email").fill_null("").alias("Email"),
    pl.col("segment").alias("Segment"),
    pl.col("first_gift_on").alias("First gift"),
    pl.col("last_gift_on").alias("Last gift"),
    pl.col("gifts").alias("Gifts"),
    major_column("lifetime_minor", cur, alias="lifetime"),
)
# A movement of hundreds of thousands of donors is searched, not scrolled:
# the browser gets the largest few thousand of what the filters keep.
listed = listing.head(LISTED)
more = (
    f" The {LISTED:,} largest by lifetime giving are listed; search by name or email for the others."
    if listing.height > LISTED
    else ""
)
st.caption(
    f"{listing.height:,} of {table.height:,} donors on record, with or without gifts." + more,
    help="Every donor entered or imported, each merged duplicate counted once. Retention and Statements "
    "count "
    "only the donors who gave in their year, net of refunds.",
)
money_table(
    listed.drop("donor_id"),
    height=300,
    key="donors_table",
    column_config={"lifetime": money_column(f"Lifetime ({cur})", cur)},
)
csv_button("Download this list (CSV)", listing, "donors.csv", key="donors_csv", disabled=listing.is_empty())

labels = {
    int(r["donor_id"]): f"{r['Donor']} ({r['Email']})" if r["Email"] else str(r["Donor"])
    for r in listed.iter_rows(named=True)
}
st.divider()
picked = st.selectbox(
    "Open a donor's profile",
    list(labels),
    format_func=lambda i: labels[i],
    index=0 if len(labels) == 1 else None,
    placeholder="Choose a donor from the list above",
    key="donors_pick",
)
if picked is None:
    st.stop()

row = table.filter(pl.col("donor_id") == picked).row(0, named=True)
st.header(plain(row["display_name"]))
st.caption(
    " · ".join(x for x in (row["email"] or "no email", row["kind"], f"segment: {row['segment']}") if x)
)
m = st.columns(3) + st.columns(3)
m[0].metric("Lifetime giving", format_minor(int(row["lifetime_minor"] or 0), cur))
m[1].metric("Gifts", f"{int(row['gifts'] or 0):,}")
m[2].metric("Largest gift", format_minor(int(row["largest_gift_minor"] or 0), cur))
m[3].metric("First gift", str(row["first_gift_on"] or "—"))
m[4].metric("Last gift", str(row["last_gift_on"] or "—"))
m[5].metric(
    f"Segment, FY {year}", str(row["segment"]), help=SEGMENT_MEANING.get(row["segment"], "no gifts yet")
)

# The donor's own gifts, read through their index: a profile never needs
# anyone else's.
mine = gifts_frame(user.identity, donor_id=picked)
(history,) = collect_all([giving_by_year(metric_donations(mine), as_of=today, fy_start_month=fy)])
if not history.is_empty():
    charts.show(
        charts.bars(
            [
                charts.Series(
                    "Net giving",
                    [f"FY {y}" for y in history["fy"].to_list()],
                    majors(history["amount_minor"].to_list(), cur),
                )
            ],
            title="Giving by fiscal year",
            x_title="Fiscal year",
            y_title="Net giving",
            unit=charts.money(cur),
        ),
        key="donors_by_year",
    )

campaigns = campaigns_frame(user.identity).select("campaign_id", pl.col("name").alias("Campaign"))
st.markdown("**Giving history**")
if mine.is_empty():
    st.info("No gifts recorded for this donor.", icon=":material/info:")
else:
    money_table(
        mine.sort("received_on", descending=True)
        .join(campaigns, on="campaign_id", how="left")
        .select(
            pl.col("received_on").alias("Date"),
            amount_text().alias("Amount"),
            amount_text("refunded_minor").alias("Refunded"),
            major_column("net_reporting_minor", cur, alias="net"),
            "Campaign",
            pl.col("method").str.replace("_", " ").alias("Method"),
            pl.col("is_recurring").alias("Recurring"),
            pl.col("processor").alias("Channel"),
            pl.col("processor_ref").alias("Reference"),
        ),
        key="donors_history",
        column_config={"net": money_column(f"Net ({cur})", cur)},
    )
plans = plans_frame(user.identity).filter(pl.col("donor_id") == picked)
if not plans.is_empty():
    st.markdown("**Recurring plans**")
    money_table(
        plans.select(
            pl.col("status").alias("Status"),
            amount_text().alias("Amount"),
            pl.col("frequency").alias("Every"),
            pl.col("started_on").alias("Since"),
            pl.col("last_gift_on").alias("Last gift"),
            pl.col("gifts").alias("Gifts"),
        ),
        key="donors_plans",
    )

refundable = mine.filter(pl.col("refunded_minor") < pl.col("amount_minor")).sort(
    "received_on", descending=True
)
if not refundable.is_empty():
    gift_labels = {
        int(
            r["donation_id"]
        ): f"{r['received_on']} — {format_minor(int(r['amount_minor']), str(r['currency']))}"
        + (
            f" (refunded {format_minor(int(r['refunded_minor']), str(r['currency']))})"
            if r["refunded_minor"]
            else ""
        )
        for r in refundable.iter_rows(named=True)
    }
    st.session_state.setdefault("donor_refund_amount", "")
    st.session_state.setdefault("donor_refund_on", today)
    st.session_state.setdefault("donor_refund_note", "")
    # One key per filled-in form, so a double click refunds once.
    st.session_state.setdefault("donor_refund_key", str(uuid4()))
    if st.session_state.get("donor_refund_gift") not in gift_labels:
        st.session_state["donor_refund_gift"] = next(iter(gift_labels))

    @submit_callback(
        flash=FLASH,
        errors=REFUND_ERRORS,
        reset={"donor_refund_amount": "", "donor_refund_note": ""},
        explain=error_messages,
    )
    def refund() -> str:
        """Record the refund; the form is emptied after, with a new key for
        the next one."""
        state = st.session_state
        record_refund(
            user.identity,
            RefundIn.model_validate(
                {
                    "donation_id": state.get("donor_refund_gift"),
                    "amount": state.get("donor_refund_amount") or "",
                    "refunded_on": state.get("donor_refund_on"),
                    "note": (state.get("donor_refund_note") or "").strip() or None,
                    "idempotency_key": state.get("donor_refund_key"),
                }
            ),
        )
        state["donor_refund_key"] = str(uuid4())
        return "Refund recorded: the gift's net amount and every total are updated."

    with st.expander("Record a refund", expanded=bool(st.session_state.get(REFUND_ERRORS))):
        with st.form("donor_refund"):
            st.selectbox(
                "Gift", list(gift_labels), format_func=lambda i: gift_labels[i], key="donor_refund_gift"
            )
            amount_col, day_col = st.columns(2)
            amount_col.text_input("Amount refunded (in the gift's currency)", key="donor_refund_amount")
            day_col.date_input(
                "Refunded on", max_value=today, key="donor_refund_on", format=dates.input_format()
            )
            st.text_input("Why (optional)", key="donor_refund_note", max_chars=1000)
            st.form_submit_button("Record refund", key="donor_refund_save", on_click=refund)
        show_problems(REFUND_ERRORS)

with st.expander("Edit details"), st.form(f"donor_edit_{picked}"):
    st.text_input("Name", value=str(row["display_name"]), key=f"donor_edit_name_{picked}", max_chars=200)
    st.text_input("Email", value=row["email"] or "", key=f"donor_edit_email_{picked}", max_chars=320)
    st.selectbox("Kind", DONOR_KINDS, index=DONOR_KINDS.index(row["kind"]), key=f"donor_edit_kind_{picked}")
    st.text_area("Note", value=row["note"] or "", key=f"donor_edit_note_{picked}", max_chars=2000)
    if st.form_submit_button("Save details", key="donor_edit_save"):
        try:
            update_donor(
                user.identity,
                picked,
                DonorIn(
                    display_name=st.session_state[f"donor_edit_name_{picked}"],
                    email=st.session_state[f"donor_edit_email_{picked}"] or None,
                    kind=st.session_state[f"donor_edit_kind_{picked}"],
                    chapter_id=row["chapter_id"],
                    note=st.session_state[f"donor_edit_note_{picked}"] or None,
                ),
            )
        except (ValidationError, InvalidDataError, NotAllowedError) as exc:
            show_errors(exc, error_messages)
        else:
            for key in ("donor_edit_name", "donor_edit_email", "donor_edit_kind", "donor_edit_note"):
                st.session_state.pop(f"{key}_{picked}", None)
            st.session_state[FLASH] = "Details saved."
            st.rerun()

with st.expander("Merge a duplicate into this donor", expanded=False):
    similar = [
        d
        for d in find_similar_donors(user.identity, str(row["display_name"]), row["email"])
        if d.id != picked
    ]
    if similar:
        st.caption(
            "Possible duplicates: "
            + "; ".join(f"{plain(d.display_name)} ({plain(d.email or 'no email')})" for d in similar)
        )
    # The similar donors first, then the donors listed above (search there
    # to list a duplicate): never a list of every donor of the movement.
    all_labels = {d.id: f"{d.display_name} ({d.email})" if d.email else d.display_name for d in similar}
    all_labels.update((i, label) for i, label in labels.items() if i not in all_labels)
    order = [i for i in all_labels if i != picked]
    duplicate = st.selectbox(
        "Duplicate to fold into this donor",
        order,
        format_func=lambda i: all_labels.get(i, str(i)),
        index=None,
        placeholder="Choose the duplicate",
        key="donors_merge_duplicate",
    )
    if duplicate is not None:
        dup_gifts = gifts_frame(user.identity, donor_id=duplicate)
        st.info(
            f"{dup_gifts.height} gift(s) and every recurring plan of {all_labels[duplicate]} will move to "
            f"{row['display_name']}; the duplicate's email and note fill in what this donor lacks. "
            "The move is recorded in the audit log.",
            icon=":material/merge:",
        )
        confirm = st.checkbox("I have checked that these are the same donor", key="donors_merge_confirm")
        if st.button("Merge", type="primary", disabled=not confirm, key="donors_merge_button"):
            try:
                result = merge_donors(user.identity, MergeRequest(keep_id=picked, duplicate_id=duplicate))
            except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                show_errors(exc, error_messages)
            else:
                for key in ("donors_merge_duplicate", "donors_merge_confirm"):
                    st.session_state.pop(key, None)
                st.session_state[FLASH] = (
                    f"Merged: {result.gifts_moved} gift(s) and {result.plans_moved} plan(s) moved to "
                    f"{row['display_name']}."
                )
                st.rerun()
