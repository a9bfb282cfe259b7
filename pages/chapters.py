"""Chapters: the movement's map at four levels. Coordinators open and edit
chapters below their own; admins shape the whole tree."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st
from pydantic import ValidationError

from components import dates
from components.feedback import finish, saved, show_errors, show_flash
from components.page_start import coordinator_page
from components.session import on_or_after
from components.tables import wide_table
from components.text import plain
from db.chapters import (
    chapter_labels,
    create_chapter,
    list_chapters,
    mark_dormant,
    reactivate,
    update_chapter,
)
from db.errors import InvalidDataError, NotAllowedError
from models.chapters import (
    LEVEL_LABELS,
    LEVEL_RANK,
    LEVELS,
    ChapterIn,
    DormantIn,
    parent_levels,
    time_zones,
)

FLASH = "chapters_flash"
SAME_AS_PARENT = "(same as the parent chapter)"

user, today = coordinator_page("Chapters")
st.caption(
    "Local chapters sit under regional ones, regional under national, national under the international "
    "chapter. "
    + (
        "As an admin you can change every chapter."
        if user.has("admin")
        else "You can open and change chapters within the ones you coordinate."
    )
)
show_flash(FLASH)


def done(message: str, *clear: str) -> None:
    finish(FLASH, message, *clear)


chapters = list_chapters(user.identity)
labels = chapter_labels(chapters)
editable = chapters.filter(pl.col("can_edit"))
by_id = {int(r["id"]): r for r in chapters.iter_rows(named=True)}


def tz_for(choice: str, parent_id: int | None) -> str:
    if choice == SAME_AS_PARENT:
        return str(by_id[parent_id]["time_zone"]) if parent_id in by_id else "UTC"
    return choice


def save_chapter(
    save: Callable[[ChapterIn], object],
    name: str,
    level: str,
    parent: int | None,
    place: str,
    founded: object,
    zone: str,
) -> ChapterIn | None:
    """Validates a chapter's fields and hands them to `save` (create or
    update); the chapter, or None with every problem shown."""
    try:
        chapter = ChapterIn.model_validate(
            {
                "name": name,
                "level": level,
                "parent_id": parent,
                "place": place,
                "founded_on": founded,
                "time_zone": zone,
            }
        )
        save(chapter)
    except (ValidationError, InvalidDataError, NotAllowedError) as exc:
        show_errors(exc)
        return None
    return chapter


tab_map, tab_local, tab_any, tab_edit, tab_dormant = st.tabs(
    ["Map", "New local chapter", "New chapter at any level", "Edit", "Dormant chapters"]
)

with tab_map:
    counts = chapters.group_by("level", "status").len()
    cols = st.columns(len(LEVELS))
    for col, level in zip(cols, reversed(LEVELS), strict=True):
        active = counts.filter(level=level, status="active")["len"].sum()
        dormant = counts.filter(level=level, status="dormant")["len"].sum()
        col.metric(
            f"{LEVEL_LABELS[level]} chapters",
            f"{active}",
            help="Active chapters; dormant ones are counted beside.",
        )
        if dormant:
            col.caption(f"and {dormant} dormant")
    if chapters.is_empty():
        st.info("No chapters yet. An admin opens the first (international or national) chapter.")
    else:
        table = chapters.select(
            pl.concat_str(pl.lit("\u2003").repeat_by("depth").list.join(""), pl.col("name")).alias("Chapter"),
            pl.col("level").replace_strict(LEVEL_LABELS).alias("Level"),
            pl.when(pl.col("status") == "dormant")
            .then(pl.format("Dormant since {}", dates.day_expr("dormant_since", today)))
            .otherwise(pl.lit("Active"))
            .alias("Status"),
            pl.col("place").alias("Place"),
            dates.day_expr("founded_on", today).fill_null("").alias("Founded"),
            pl.col("time_zone").alias("Time zone"),
            pl.col("can_edit").alias("Yours"),
        )
        wide_table(
            table,
            key="chapters_table",
            column_config={
                "Level": st.column_config.TextColumn(width="small"),
                "Yours": st.column_config.CheckboxColumn(width="small", help="You can change this chapter"),
            },
        )

with tab_local:
    regions = editable.filter(level="regional", status="active")
    if regions.is_empty():
        st.info("There is no active regional chapter you coordinate to open a local chapter under.")
    else:
        with st.form("new_local"):
            region = st.selectbox(
                "Region",
                regions["id"].to_list(),
                format_func=lambda i: str(by_id[i]["path"]),
                key="new_local_region",
            )
            name = st.text_input("Name of the new local chapter", key="new_local_name", max_chars=200)
            place = st.text_input(
                "Where it meets (city or neighbourhood)", key="new_local_place", max_chars=200
            )
            founded = st.date_input(
                "Founded", value=today, max_value=today, key="new_local_founded", format=dates.input_format()
            )
            if st.form_submit_button("Open the chapter", type="primary", key="new_local_submit"):
                new = save_chapter(
                    lambda c: create_chapter(user.identity, c),
                    name,
                    "local",
                    region,
                    place,
                    founded,
                    tz_for(SAME_AS_PARENT, region),
                )
                if new is not None:
                    done(
                        f"{plain(new.name)} is open as a local chapter under {plain(by_id[region]['name'])}.",
                        "new_local_name",
                        "new_local_place",
                    )

with tab_any:
    picked = st.segmented_control(
        "Level",
        list(LEVELS),
        default="local",
        format_func=lambda v: LEVEL_LABELS[v],
        key="new_level",
    )
    level = picked or "local"
    higher = parent_levels(level)
    parents = editable.filter(pl.col("level").is_in(higher))
    parent_ids: list[int | None] = parents["id"].to_list()
    if user.has("admin"):
        parent_ids = [None, *parent_ids]
    if level == "international":
        parent_ids = [None] if user.has("admin") else []
    if not parent_ids:
        st.info(f"There is no chapter you coordinate that a {level} chapter could sit under.")
    else:
        with st.form("new_chapter"):
            parent = st.selectbox(
                "Parent chapter",
                parent_ids,
                format_func=lambda i: (
                    "— none (top of the movement) —" if i is None else str(by_id[i]["path"])
                ),
                key="new_parent",
            )
            name = st.text_input("Name", key="new_name", max_chars=200)
            place = st.text_input("Place", key="new_place", max_chars=200)
            founded = st.date_input(
                "Founded", value=today, max_value=today, key="new_founded", format=dates.input_format()
            )
            zone = st.selectbox(
                "Time zone (events are entered and shown in it)",
                [SAME_AS_PARENT, *time_zones()],
                key="new_zone",
            )
            if st.form_submit_button("Create the chapter", type="primary", key="new_submit"):
                new = save_chapter(
                    lambda c: create_chapter(user.identity, c),
                    name,
                    level,
                    parent,
                    place,
                    founded,
                    tz_for(zone, parent),
                )
                if new is not None:
                    done(f"{new.name} is open as a {level} chapter.", "new_name", "new_place")

with tab_edit:
    if editable.is_empty():
        st.info("You do not coordinate any chapter.")
    else:
        chosen = st.selectbox(
            "Chapter to edit", editable["id"].to_list(), format_func=lambda i: labels[i], key="edit_chapter"
        )
        row = by_id[chosen]
        others = [i for i in chapters["id"].to_list() if i != chosen]
        with st.form(f"edit_{chosen}"):
            name = st.text_input("Name", value=row["name"], key=f"edit_name_{chosen}", max_chars=200)
            new_level = st.selectbox(
                "Level",
                list(LEVELS),
                index=LEVELS.index(row["level"]),
                format_func=lambda v: LEVEL_LABELS[v],
                key=f"edit_level_{chosen}",
            )
            parent_options: list[int | None] = [None, *others]
            parent = st.selectbox(
                "Parent chapter",
                parent_options,
                index=parent_options.index(row["parent_id"]),
                format_func=lambda i: "— none —" if i is None else labels[i].lstrip("· "),
                key=f"edit_parent_{chosen}",
                help="The parent must sit at a higher level than the chapter.",
            )
            place = st.text_input(
                "Place", value=row["place"] or "", key=f"edit_place_{chosen}", max_chars=200
            )
            founded = st.date_input(
                "Founded",
                value=row["founded_on"],
                max_value=on_or_after(today, row["founded_on"]),
                key=f"edit_founded_{chosen}",
                format=dates.input_format(),
            )
            zones = time_zones()
            zone = st.selectbox(
                "Time zone",
                zones,
                index=zones.index(row["time_zone"]) if row["time_zone"] in zones else 0,
                key=f"edit_zone_{chosen}",
            )
            if st.form_submit_button("Save changes", type="primary", key=f"edit_submit_{chosen}"):
                changed = save_chapter(
                    lambda c: update_chapter(user.identity, chosen, c),
                    name,
                    new_level,
                    parent,
                    place,
                    founded,
                    zone,
                )
                if changed is not None:
                    done(f"{changed.name} is saved.")
        if LEVEL_RANK[row["level"]] > 1 and row["children"]:
            st.caption(f"{row['children']} chapter(s) sit below {plain(row['name'])}.")

with tab_dormant:
    st.markdown(
        "A chapter that no longer meets is marked **dormant**: its history stays, it no longer counts as "
        "active, and it can be reactivated when it meets again."
    )
    active_rows = editable.filter(status="active")
    dormant_rows = editable.filter(status="dormant")
    if not active_rows.is_empty():
        with st.form("dormant_form"):
            to_rest: int = st.selectbox(
                "Chapter", active_rows["id"].to_list(), format_func=lambda i: labels[i], key="dormant_chapter"
            )
            since = st.date_input(
                "Dormant since",
                value=today,
                max_value=today,
                key="dormant_since",
                format=dates.input_format(),
            )
            if st.form_submit_button("Mark dormant", key="dormant_submit"):
                try:
                    mark_dormant(user.identity, DormantIn(chapter_id=to_rest, since=since))
                except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"{plain(by_id[to_rest]['name'])} is marked dormant since {dates.full(since)}.")
    if not dormant_rows.is_empty():
        st.subheader("Dormant")
        for r in dormant_rows.iter_rows(named=True):
            left, right = st.columns([4, 1], vertical_alignment="center")
            since_text = dates.day(r["dormant_since"], today)
            left.write(f"**{plain(r['name'])}** ({r['level']}) — dormant since {since_text}")
            if right.button("Reactivate", key=f"reactivate_{r['id']}") and saved(
                reactivate, user.identity, int(r["id"])
            ):
                done(f"{plain(r['name'])} is active again.")
    elif active_rows.is_empty():
        st.info("You do not coordinate any chapter.")
