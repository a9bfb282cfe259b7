"""Programs: education, trainings, empathy circle series, research, arts and
culture, advocacy; for schools, universities, workplaces, healthcare,
communities and government; and the partners they run with."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from components import crud_page, dates
from components.feedback import show_flash
from components.page_start import coordinator_page
from components.tables import wide_table
from db.chapters import chapter_labels, list_chapters
from db.partners import list_partners
from db.programs import create_program, list_programs, update_program
from models.programs import AUDIENCE_LABELS, PROGRAM_KIND_LABELS, ProgramIn

FLASH = "programs_flash"

user, today = coordinator_page("Programs")
st.caption(
    "What the movement runs and for whom. Everyone can see the programs; "
    + (
        "as an admin you can change all of them."
        if user.has("admin")
        else "you change your chapters' programs."
    )
)
show_flash(FLASH)


programs = list_programs(user.identity)
partners = list_partners(user.identity)
chapters = list_chapters(user.identity)
labels = chapter_labels(chapters)
chapter_choices = crud_page.owner_choices(chapters, whole_movement=user.has("admin"), active_only=True)
partner_names = {int(r["id"]): str(r["name"]) for r in partners.iter_rows(named=True)}
chapter_label = crud_page.owner_label(labels)


def program_form(prefix: str, row: dict[str, Any] | None, submit: str) -> ProgramIn | None:
    """The fields of a program; returns the validated program on submit."""
    name = st.text_input("Name", value=row["name"] if row else "", key=f"{prefix}_name", max_chars=200)
    left, right = st.columns(2)
    kind = crud_page.code_select(
        left, "Kind", PROGRAM_KIND_LABELS, row["kind"] if row else None, key=f"{prefix}_kind"
    )
    audience = crud_page.code_select(
        right, "Audience", AUDIENCE_LABELS, row["audience"] if row else None, key=f"{prefix}_audience"
    )
    options = crud_page.owner_options(chapter_choices, row)
    chapter = st.selectbox(
        "Run by",
        options,
        index=options.index(row["chapter_id"]) if row else 0,
        format_func=chapter_label,
        key=f"{prefix}_chapter",
    )
    description = st.text_area(
        "Description",
        value=(row["description"] or "") if row else "",
        key=f"{prefix}_description",
        max_chars=4000,
    )
    left, right = st.columns(2)
    started = crud_page.date_field(left, "Started", row, "started_on", key=f"{prefix}_started", default=today)
    ended = crud_page.date_field(
        right, "Ended (leave empty while it runs)", row, "ended_on", key=f"{prefix}_ended"
    )
    chosen_partners = st.multiselect(
        "Partners it runs with",
        list(partner_names),
        default=list(row["partner_ids"]) if row else [],
        format_func=lambda i: partner_names[i],
        key=f"{prefix}_partners",
    )
    return crud_page.submitted(
        ProgramIn,
        prefix,
        submit,
        {
            "name": name,
            "kind": kind,
            "audience": audience,
            "chapter_id": chapter,
            "description": description,
            "started_on": started,
            "ended_on": ended,
            "partner_ids": tuple(chosen_partners),
        },
    )


tab_list, tab_new, tab_edit = st.tabs(["All programs", "New program", "Edit"])

with tab_list:
    if programs.is_empty():
        st.info("No programs yet.")
    else:
        running = programs.filter(pl.col("ended_on").is_null() | (pl.col("ended_on") >= today))
        cols = st.columns(3)
        cols[0].metric("Programs running", running.height)
        cols[1].metric("Programs in all", programs.height)
        cols[2].metric(
            "Partners involved", len({p for ids in programs["partner_ids"].to_list() for p in ids})
        )
        mix = (
            programs.group_by("kind", "audience")
            .len()
            .pivot(on="audience", index="kind", values="len")
            .fill_null(0)
        )
        kind_order = list(PROGRAM_KIND_LABELS)
        mix = (
            mix.sort(pl.col("kind").replace_strict(kind_order, list(range(len(kind_order)))))
            .with_columns(pl.col("kind").replace_strict(PROGRAM_KIND_LABELS).alias("Kind"))
            .select(
                "Kind",
                *[pl.col(a).alias(label) for a, label in AUDIENCE_LABELS.items() if a in mix.columns],
            )
        )
        st.markdown("**Programs by kind and audience**")
        st.dataframe(mix, hide_index=True, key="programs_mix")
        table = programs.select(
            pl.col("name").alias("Program"),
            pl.col("kind").replace_strict(PROGRAM_KIND_LABELS).alias("Kind"),
            pl.col("audience").replace_strict(AUDIENCE_LABELS).alias("Audience"),
            pl.col("chapter_name").fill_null("Whole movement").alias("Run by"),
            dates.day_expr("started_on", today).fill_null("").alias("Started"),
            dates.day_expr("ended_on", today).fill_null("").alias("Ended"),
            pl.col("partners").alias("Partners"),
            pl.col("events").alias("Events"),
            pl.col("can_edit").alias("You can edit"),
        )
        wide_table(table, key="programs_table")

with tab_new:
    if not chapter_choices:
        st.info("You coordinate no active chapter to run a program in.")
    else:
        crud_page.new_tab(
            user.identity,
            form_key="new_program",
            form=program_form,
            submit="Start the program",
            create=create_program,
            flash=FLASH,
            clear=("new_program_name", "new_program_description"),
        )

with tab_edit:
    crud_page.edit_tab(
        user.identity,
        programs,
        label="Program",
        key="edit_program",
        none_message="There is no program you can change.",
        form=program_form,
        update=update_program,
        flash=FLASH,
    )
