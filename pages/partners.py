"""Partners: schools, universities, businesses, healthcare, public bodies,
NGOs and research groups; their status, since when, and the programs that
run with them."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import charts, dates
from components.feedback import finish, show_errors, show_flash
from components.session import local_today, on_or_after, require_role
from db.chapters import chapter_labels, list_chapters
from db.errors import InvalidDataError, NotAllowedError
from db.models.partners import PARTNER_KIND_LABELS, PARTNER_STATUS_LABELS, PartnerIn
from db.partners import create_partner, list_partners, update_partner
from db.programs import list_programs

FLASH = "partners_flash"

user = require_role("coordinator", "admin")
today = local_today()
st.title("Partners")
st.caption("The schools, workplaces, clinics, public bodies, NGOs and researchers the movement works with.")
show_flash(FLASH)


def done(message: str, *clear: str) -> None:
    finish(FLASH, message, *clear)


partners = list_partners(user.identity)
programs = list_programs(user.identity)
chapters = list_chapters(user.identity)
labels = chapter_labels(chapters)
chapter_choices: list[int | None] = chapters.filter(pl.col("can_edit"))["id"].to_list()
if user.has("admin"):
    chapter_choices = [None, *chapter_choices]
program_names = {int(r["id"]): str(r["name"]) for r in programs.iter_rows(named=True)}


def chapter_label(chapter_id: int | None) -> str:
    return "Whole movement" if chapter_id is None else labels.get(chapter_id, "?").lstrip("· ")


def partner_form(prefix: str, row: dict[str, Any] | None, submit: str) -> PartnerIn | None:
    kinds = list(PARTNER_KIND_LABELS)
    statuses = list(PARTNER_STATUS_LABELS)
    name = st.text_input("Name", value=row["name"] if row else "", key=f"{prefix}_name", max_chars=200)
    left, right = st.columns(2)
    kind = left.selectbox(
        "Kind",
        kinds,
        index=kinds.index(row["kind"]) if row else 0,
        format_func=lambda v: PARTNER_KIND_LABELS[v],
        key=f"{prefix}_kind",
    )
    status = right.selectbox(
        "Status",
        statuses,
        index=statuses.index(row["status"]) if row else 1,
        format_func=lambda v: PARTNER_STATUS_LABELS[v],
        key=f"{prefix}_status",
    )
    left, right = st.columns(2)
    since = left.date_input(
        "Partner since",
        value=row["since"] if row else today,
        max_value=on_or_after(today, row["since"] if row else None),
        key=f"{prefix}_since",
    )
    options = list(chapter_choices)
    if row and row["chapter_id"] not in options:
        options.append(row["chapter_id"])
    chapter = right.selectbox(
        "Chapter that holds the relationship",
        options,
        index=options.index(row["chapter_id"]) if row else 0,
        format_func=chapter_label,
        key=f"{prefix}_chapter",
    )
    email = st.text_input(
        "Contact email",
        value=(row["contact_email"] or "") if row else "",
        key=f"{prefix}_email",
        max_chars=320,
    )
    chosen = st.multiselect(
        "Programs that run with this partner",
        list(program_names),
        default=list(row["program_ids"]) if row else [],
        format_func=lambda i: program_names[i],
        key=f"{prefix}_programs",
    )
    if not st.form_submit_button(submit, type="primary", key=f"{prefix}_submit"):
        return None
    try:
        return PartnerIn.model_validate(
            {
                "name": name,
                "kind": kind,
                "status": status,
                "since": since,
                "chapter_id": chapter,
                "contact_email": email,
                "program_ids": tuple(chosen),
            }
        )
    except ValidationError as exc:
        show_errors(exc)
        return None


tab_list, tab_new, tab_edit = st.tabs(["All partners", "New partner", "Edit"])

with tab_list:
    if partners.is_empty():
        st.info("No partners yet.")
    else:
        counts = partners.group_by("kind", "status").len()
        kinds = [k for k in PARTNER_KIND_LABELS if k in set(partners["kind"].to_list())]
        series = [
            charts.Series(
                PARTNER_STATUS_LABELS[status],
                [PARTNER_KIND_LABELS[k] for k in kinds],
                [int(counts.filter(kind=k, status=status)["len"].sum()) for k in kinds],
            )
            for status in ("active", "prospect", "paused", "ended")
            if status in set(partners["status"].to_list())
        ]
        fig = charts.bars(
            series,
            title="Partners by kind and status",
            x_title="Kind",
            y_title="Number of partners",
            unit=charts.count("partners"),
            stacked=True,
            horizontal=True,
        )
        fig.update_layout(height=120 + 38 * len(kinds))
        charts.show(fig, key="partners_chart")
        table = partners.select(
            pl.col("name").alias("Partner"),
            pl.col("kind").replace_strict(PARTNER_KIND_LABELS).alias("Kind"),
            pl.col("status").replace_strict(PARTNER_STATUS_LABELS).alias("Status"),
            dates.day_expr("since", today).fill_null("").alias("Since"),
            pl.col("chapter_name").fill_null("Whole movement").alias("Chapter"),
            pl.col("programs").alias("Programs"),
            pl.col("contact_email").alias("Contact"),
        )
        st.dataframe(table, hide_index=True, width="stretch", key="partners_table")

with tab_new:
    if not chapter_choices:
        st.info("You coordinate no chapter to record partners for.")
    else:
        with st.form("new_partner"):
            new = partner_form("new_partner", None, "Record the partner")
            if new is not None:
                try:
                    create_partner(user.identity, new)
                except (InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"{new.name} is recorded.", "new_partner_name", "new_partner_email")

with tab_edit:
    mine = partners.filter(pl.col("can_edit"))
    if mine.is_empty():
        st.info("There is no partner you can change.")
    else:
        rows = {int(r["id"]): r for r in mine.iter_rows(named=True)}
        picked = st.selectbox(
            "Partner", list(rows), format_func=lambda i: str(rows[i]["name"]), key="edit_partner"
        )
        if picked is not None:
            with st.form(f"edit_partner_{picked}"):
                changed = partner_form(f"edit_partner_{picked}", rows[picked], "Save changes")
                if changed is not None:
                    try:
                        update_partner(user.identity, picked, changed)
                    except (InvalidDataError, NotAllowedError) as exc:
                        show_errors(exc)
                    else:
                        done(f"{changed.name} is saved.")
