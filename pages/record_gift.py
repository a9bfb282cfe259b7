"""Record a gift by hand: find or create the donor, any currency converted at
the stored rate, campaign, method, recurring flag and a note."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.choices import labelled_select
from components.feedback import show_flash
from components.money_tables import money_column, money_table
from components.page_start import fundraising_page
from components.text import plain
from db.campaigns import campaigns_frame
from db.donations import PossibleDuplicates, amount_text, gifts_frame, possible_duplicates, record_gift
from db.donors import PossibleDuplicateError, donors_frame
from db.errors import InvalidDataError, NotAllowedError
from models.donations import (
    FREQUENCIES,
    METHODS,
    SOURCES,
    GiftIn,
    error_messages,
    format_minor,
)
from models.donors import DONOR_KINDS
from money import currencies as money_currencies
from money import major_column

FLASH = "gift_flash"
ERRORS = "gift_errors"
SIMILAR = "gift_similar_donors"
PENDING = "gift_pending_duplicate"  # (gift, create anyway, warnings)
FORM_KEY = "gift_idempotency_key"

user, money, today = fundraising_page("Record a gift")
st.caption(
    f"Amounts in any currency are converted to {money.reporting_currency} at the exchange rate stored for "
    "the gift's date. A new donor whose email is already on file is matched to that donor."
)

donors = donors_frame(user.identity)
donor_label = {
    int(r["donor_id"]): f"{r['display_name']} ({r['email']})" if r["email"] else str(r["display_name"])
    for r in donors.iter_rows(named=True)
}
campaigns = campaigns_frame(user.identity)
campaign_label = {int(r["campaign_id"]): str(r["name"]) for r in campaigns.iter_rows(named=True)}
current = campaigns.filter((pl.col("starts_on") <= today) & (pl.col("ends_on") >= today))
currencies = list(money_currencies())
# What an empty form holds. The fields live in session state (and the
# widgets take no value of their own), so a saved form can be emptied from
# the save callback, before the widgets are drawn again.
EMPTY: dict[str, object] = {
    "gift_donor_id": None,
    "gift_new_name": "",
    "gift_new_email": "",
    "gift_new_kind": "individual",
    "gift_amount": "",
    "gift_date": today,
    "gift_campaign": int(current["campaign_id"][0]) if current.height else None,
    "gift_recurring": False,
    "gift_note": "",
    "gift_create_anyway": False,
}
KEPT: dict[str, object] = {
    "gift_currency": money.reporting_currency,
    "gift_method": "card",
    "gift_source": "individual",
    "gift_frequency": "monthly",
}
for key, value in {**EMPTY, **KEPT}.items():
    st.session_state.setdefault(key, value)
if st.session_state.get("gift_campaign") not in (None, *campaign_label):
    st.session_state["gift_campaign"] = EMPTY["gift_campaign"]
# One key per filled-in form: saving twice (a double click, a resubmit after
# a lost connection) records the gift once.
st.session_state.setdefault(FORM_KEY, str(uuid4()))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def duplicate_warnings(found: PossibleDuplicates, gift: GiftIn) -> list[str]:
    """What the gift about to be recorded may repeat, asked before saving."""
    name = (
        donor_label.get(found.donor_id, "")
        if found.donor_id is not None
        else (gift.new_donor.display_name if gift.new_donor else "")
    )
    warnings: list[str] = []
    if found.same_day_gifts:
        warnings.append(
            f"Possible duplicate: {plain(name)} already has {found.same_day_gifts} gift(s) of "
            f"{format_minor(gift.amount_minor, gift.currency)} on {dates.day(gift.received_on, today)}."
        )
    if found.similar_donors:
        others = "; ".join(
            f"{plain(d.display_name)} ({plain(d.email or 'no email')})" for d in found.similar_donors
        )
        warnings.append(
            f"Possible duplicate donor: {plain(name)} is much like {others}, already on file. "
            "If they are one person, choose them under **Existing donor** instead."
        )
    return warnings


def form_gift(state: Any) -> GiftIn:
    """The form's values as a gift (raises ValidationError)."""
    new = state.get("gift_donor_mode") == "New donor"
    return GiftIn.model_validate(
        {
            "donor_id": None if new else state.get("gift_donor_id"),
            "new_donor": {
                "display_name": state.get("gift_new_name") or "",
                "email": state.get("gift_new_email") or None,
                "kind": state.get("gift_new_kind") or "individual",
            }
            if new
            else None,
            "amount": state.get("gift_amount") or "",
            "currency": state.get("gift_currency") or "",
            "received_on": state.get("gift_date"),
            "campaign_id": state.get("gift_campaign"),
            "method": state.get("gift_method"),
            "source": state.get("gift_source"),
            "is_recurring": bool(state.get("gift_recurring")),
            "frequency": state.get("gift_frequency"),
            "note": (state.get("gift_note") or "").strip() or None,
            "idempotency_key": UUID(state[FORM_KEY]),
        }
    )


def save() -> None:
    """The form's submit callback: look for possible duplicates first (and
    save nothing while there are any), else save."""
    submit(confirmed=False)


def record_anyway() -> None:
    """The possible-duplicate warning's button: record the gift it was about
    (a form changed since is looked at again first)."""
    submit(confirmed=True)


def submit(*, confirmed: bool) -> None:
    """Either empty the form with a confirmation, or keep it with the
    problems to fix or the possible duplicates to confirm."""
    state = st.session_state
    pending = state.pop(PENDING, None)
    errors: list[str] = []
    try:
        gift, create_anyway = form_gift(state), bool(state.get("gift_create_anyway"))
        if not (confirmed and pending is not None and pending[:2] == (gift, create_anyway)):
            found = possible_duplicates(user.identity, gift, create_despite_similar=create_anyway)
            if found:
                state[PENDING] = (gift, create_anyway, duplicate_warnings(found, gift))
                return
        # The idempotency key, not the look above, keeps a double click to one gift.
        saved = record_gift(user.identity, gift, create_despite_similar=create_anyway)
    except ValidationError as exc:
        errors = error_messages(exc)
    except PossibleDuplicateError as exc:
        state[SIMILAR] = [(c.display_name, c.email or "", c.matched_on) for c in exc.candidates]
    except (InvalidDataError, NotAllowedError) as exc:
        errors = [_sentence(str(exc))]
    else:
        name = donor_label.get(saved.donor_id) or (gift.new_donor.display_name if gift.new_donor else "")
        message = f"Saved {format_minor(gift.amount_minor, gift.currency)} from {name}"
        if gift.currency != saved.reporting_currency:
            message += f" ({format_minor(saved.reporting_amount_minor, saved.reporting_currency)})"
        if saved.matched_by_email:
            message += " — matched to the donor already on file with this email"
        elif saved.donor_created:
            message += " — a new donor"
        message += "."
        if saved.already_saved:
            message = "This gift was already saved; nothing was added twice."
        for key, value in EMPTY.items():
            state[key] = value
        state[FORM_KEY] = str(uuid4())
        state[FLASH] = message
    state[ERRORS] = errors


show_flash(FLASH)
mode = st.segmented_control(
    "Donor",
    ["Existing donor", "New donor"],
    default="Existing donor" if donor_label else "New donor",
    key="gift_donor_mode",
)
with st.form("gift_form"):
    if mode == "New donor":
        left, right, kind_col = st.columns([2, 2, 1])
        left.text_input("Name", key="gift_new_name", max_chars=200)
        right.text_input("Email (optional)", key="gift_new_email", max_chars=320)
        kind_col.selectbox("Kind", DONOR_KINDS, key="gift_new_kind")
    else:
        labelled_select(
            "Donor", donor_label, placeholder="Type a name or email to search", key="gift_donor_id"
        )
    amount_col, currency_col, date_col = st.columns([2, 1, 1])
    amount_col.text_input("Amount", key="gift_amount", placeholder="e.g. 50.00")
    currency_col.selectbox("Currency", currencies, key="gift_currency")
    date_col.date_input("Received on", max_value=today, key="gift_date", format=dates.input_format())
    campaign_col, method_col, source_col = st.columns(3)
    labelled_select(
        "Campaign", campaign_label, placeholder="No campaign", key="gift_campaign", where=campaign_col
    )
    method_col.selectbox("Method", METHODS, format_func=lambda m: m.replace("_", " "), key="gift_method")
    source_col.selectbox("Source", SOURCES, key="gift_source")
    recurring_col, frequency_col = st.columns([1, 2])
    recurring_col.checkbox("Recurring gift", key="gift_recurring")
    frequency_col.selectbox("Frequency (for recurring gifts)", FREQUENCIES, key="gift_frequency")
    st.text_area("Note", key="gift_note", max_chars=2000, height=80)
    if mode == "New donor":
        st.checkbox(
            "This is a different person from any similar donor already on file",
            key="gift_create_anyway",
            help="Tick only after checking the similar donors the app showed you.",
        )
    # The question sits beside the buttons, where the person is looking.
    if pending := st.session_state.get(PENDING):
        for warning in pending[2]:
            st.warning(warning, icon=":material/content_copy:")
        st.warning(
            "**Nothing is saved yet.** If this is a different gift, record it anyway; if not, change the "
            "form.",
            icon=":material/pan_tool:",
        )
    with st.container(horizontal=True):
        st.form_submit_button("Save gift", type="primary", key="gift_save", on_click=save)
        if pending:
            st.form_submit_button("Record it anyway", key="gift_confirm", on_click=record_anyway)

for message in st.session_state.pop(ERRORS, []):
    icon = ":material/currency_exchange:" if "exchange rate" in message else ":material/error:"
    st.error(message, icon=icon)
if similar := st.session_state.pop(SIMILAR, None):
    st.warning(
        "A donor with this name is already on file. Choose them under **Existing donor**, or tick "
        "*This is a different person* and save again.",
        icon=":material/person_search:",
    )
    st.dataframe(
        pl.DataFrame(similar, schema=["Donor", "Email", "Matched on"], orient="row"),
        hide_index=True,
        key="gift_similar",
    )

st.subheader("Recently recorded")
recent = gifts_frame(user.identity, since=date(today.year - 1, 1, 1))
if recent.is_empty():
    st.info("No gifts recorded since last year.", icon=":material/info:")
else:
    names = donors.select(pl.col("donor_id"), pl.col("display_name").alias("Donor"))
    table = (
        recent.sort("donation_id", descending=True)
        .head(15)
        .join(names, on="donor_id", how="left")
        .join(campaigns.select("campaign_id", pl.col("name").alias("Campaign")), on="campaign_id", how="left")
        .select(
            pl.col("received_on").alias("Date"),
            "Donor",
            amount_text().alias("Amount"),
            major_column("net_reporting_minor", money.reporting_currency, alias="net"),
            "Campaign",
            pl.col("method").str.replace("_", " ").alias("Method"),
            pl.col("is_recurring").alias("Recurring"),
        )
    )
    money_table(
        table,
        key="gift_recent",
        column_config={"net": money_column(f"Net ({money.reporting_currency})", money.reporting_currency)},
    )
