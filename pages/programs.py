"""Programs: education, trainings, empathy circle series, research, arts and
culture, advocacy; for schools, universities, workplaces, healthcare,
communities and government; and the partners they run with."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.feedback import finish, show_errors, show_flash
from components.session import local_today, require_role
from db.chapters import chapter_labels, list_chapters
from db.errors import InvalidDataError, NotAllowedError
from db.models.programs import AUDIENCE_LABELS, PROGRAM_KIND_LABELS, ProgramIn
from db.partners import list_partners
from db.programs import create_program, list_programs, update_program

FLASH = "programs_flash"

user = require_role("coordinator", "admin")
today = local_today()
st.title("Programs")
st.caption(
    "What the movement runs and for whom. Everyone can see the programs; "
    + (
        "as an admin you can change all of them."
        if user.has("admin")
        else "you change your chapters' programs."
    )
)
show_flash(FLASH)


def done(message: str, *clear: str) -> None:
    finish(FLASH, message, *clear)


programs = list_programs(user.identity)
partners = list_partners(user.identity)
chapters = list_chapters(user.identity)
labels = chapter_labels(chapters)
chapter_choices: list[int | None] = chapters.filter(pl.col("can_edit") & (pl.col("status") == "active"))[
    "id"
].to_list()
if user.has("admin"):
    chapter_choices = [None, *chapter_choices]
partner_names = {int(r["id"]): str(r["name"]) for r in partners.iter_rows(named=True)}


def chapter_label(chapter_id: int | None) -> str:
    return "Whole movement" if chapter_id is None else labels.get(chapter_id, "?").lstrip("· ")


def program_form(prefix: str, row: dict[str, Any] | None, submit: str) -> ProgramIn | None:
    """The fields of a program; returns the validated program on submit."""
    kinds = list(PROGRAM_KIND_LABELS)
    audiences = list(AUDIENCE_LABELS)
    name = st.text_input("Name", value=row["name"] if row else "", key=f"{prefix}_name", max_chars=200)
    left, right = st.columns(2)
    kind = left.selectbox(
        "Kind",
        kinds,
        index=kinds.index(row["kind"]) if row else 0,
        format_func=lambda v: PROGRAM_KIND_LABELS[v],
        key=f"{prefix}_kind",
    )
    audience = right.selectbox(
        "Audience",
        audiences,
        index=audiences.index(row["audience"]) if row else 0,
        format_func=lambda v: AUDIENCE_LABELS[v],
        key=f"{prefix}_audience",
    )
    options = list(chapter_choices)
    if row and row["chapter_id"] not in options:
        options.append(row["chapter_id"])
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
    started = left.date_input("Started", value=row["started_on"] if row else today, key=f"{prefix}_started")
    ended = right.date_input(
        "Ended (leave empty while it runs)", value=row["ended_on"] if row else None, key=f"{prefix}_ended"
    )
    chosen_partners = st.multiselect(
        "Partners it runs with",
        list(partner_names),
        default=list(row["partner_ids"]) if row else [],
        format_func=lambda i: partner_names[i],
        key=f"{prefix}_partners",
    )
    if not st.form_submit_button(submit, type="primary", key=f"{prefix}_submit"):
        return None
    try:
        return ProgramIn.model_validate(
            {
                "name": name,
                "kind": kind,
                "audience": audience,
                "chapter_id": chapter,
                "description": description,
                "started_on": started,
                "ended_on": ended,
                "partner_ids": tuple(chosen_partners),
            }
        )
    except ValidationError as exc:
        show_errors(exc)
        return None


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
        st.dataframe(table, hide_index=True, width="stretch", key="programs_table")

with tab_new:
    if not chapter_choices:
        st.info("You coordinate no active chapter to run a program in.")
    else:
        with st.form("new_program"):
            new = program_form("new_program", None, "Start the program")
            if new is not None:
                try:
                    create_program(user.identity, new)
                except (InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"{new.name} is recorded.", "new_program_name", "new_program_description")

with tab_edit:
    mine = programs.filter(pl.col("can_edit"))
    if mine.is_empty():
        st.info("There is no program you can change.")
    else:
        rows = {int(r["id"]): r for r in mine.iter_rows(named=True)}
        chosen = st.selectbox(
            "Program", list(rows), format_func=lambda i: str(rows[i]["name"]), key="edit_program"
        )
        if chosen is not None:
            with st.form(f"edit_program_{chosen}"):
                changed = program_form(f"edit_program_{chosen}", rows[chosen], "Save changes")
                if changed is not None:
                    try:
                        update_program(user.identity, chosen, changed)
                    except (InvalidDataError, NotAllowedError) as exc:
                        show_errors(exc)
                    else:
                        done(f"{changed.name} is saved.")
