"""Partners: schools, universities, businesses, healthcare, public bodies,
NGOs and research groups; their status, since when, and the programs that
run with them."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from components import charts, crud_page, dates
from components.feedback import show_flash
from components.page_start import coordinator_page
from components.tables import wide_table
from db.chapters import chapter_labels, list_chapters
from db.partners import create_partner, list_partners, update_partner
from db.programs import list_programs
from models.partners import PARTNER_KIND_LABELS, PARTNER_STATUS_LABELS, PartnerIn

FLASH = "partners_flash"

user, today = coordinator_page("Partners")
st.caption("The schools, workplaces, clinics, public bodies, NGOs and researchers the movement works with.")
show_flash(FLASH)


partners = list_partners(user.identity)
programs = list_programs(user.identity)
chapters = list_chapters(user.identity)
labels = chapter_labels(chapters)
chapter_choices = crud_page.owner_choices(chapters, whole_movement=user.has("admin"))
program_names = {int(r["id"]): str(r["name"]) for r in programs.iter_rows(named=True)}
chapter_label = crud_page.owner_label(labels)


def partner_form(prefix: str, row: dict[str, Any] | None, submit: str) -> PartnerIn | None:
    name = st.text_input("Name", value=row["name"] if row else "", key=f"{prefix}_name", max_chars=200)
    left, right = st.columns(2)
    kind = crud_page.code_select(
        left, "Kind", PARTNER_KIND_LABELS, row["kind"] if row else None, key=f"{prefix}_kind"
    )
    status = crud_page.code_select(
        right, "Status", PARTNER_STATUS_LABELS, row["status"] if row else "active", key=f"{prefix}_status"
    )
    left, right = st.columns(2)
    since = crud_page.date_field(
        left, "Partner since", row, "since", key=f"{prefix}_since", default=today, not_after=today
    )
    options = crud_page.owner_options(chapter_choices, row)
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
    return crud_page.submitted(
        PartnerIn,
        prefix,
        submit,
        {
            "name": name,
            "kind": kind,
            "status": status,
            "since": since,
            "chapter_id": chapter,
            "contact_email": email,
            "program_ids": tuple(chosen),
        },
    )


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
        wide_table(table, key="partners_table")

with tab_new:
    if not chapter_choices:
        st.info("You coordinate no chapter to record partners for.")
    else:
        crud_page.new_tab(
            user.identity,
            form_key="new_partner",
            form=partner_form,
            submit="Record the partner",
            create=create_partner,
            flash=FLASH,
            clear=("new_partner_name", "new_partner_email"),
        )

with tab_edit:
    crud_page.edit_tab(
        user.identity,
        partners,
        label="Partner",
        key="edit_partner",
        none_message="There is no partner you can change.",
        form=partner_form,
        update=update_partner,
        flash=FLASH,
    )
