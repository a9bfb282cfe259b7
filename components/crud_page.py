"""The page pattern for records a coordinator keeps (programs, partners):
a form that validates into a model, a "New" tab that records one and an
"Edit" tab that changes one the person may edit, each leaving a message
for the next run. The page keeps its own fields, table and wording."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol, TypeVar

import polars as pl
import streamlit as st
from pydantic import BaseModel, ValidationError
from streamlit.delta_generator import DeltaGenerator

from components import dates
from components.feedback import finish, show_errors
from components.session import on_or_after
from components.text import plain
from db.errors import InvalidDataError, NotAllowedError
from db.identity import Identity


class Named(Protocol):
    @property
    def name(self) -> str: ...


M = TypeVar("M", bound=Named)
V = TypeVar("V", bound=BaseModel)
Row = dict[str, Any]
# Draws a record's fields inside a form (prefix for widget keys, the row
# being edited or None for a new one, the submit label); returns the
# validated record when submitted.
RecordForm = Callable[[str, Row | None, str], M | None]


def owner_choices(
    chapters: pl.DataFrame, *, whole_movement: bool, active_only: bool = False
) -> list[int | None]:
    """The chapters the person may give a record to: those they may edit
    (only active ones when `active_only`), and first the whole movement
    when `whole_movement` (an admin's records need no chapter)."""
    editable = chapters.filter(pl.col("can_edit"))
    if active_only:
        editable = editable.filter(pl.col("status") == "active")
    ids: list[int | None] = editable["id"].to_list()
    return [None, *ids] if whole_movement else ids


def code_select(
    where: DeltaGenerator, label: str, labels: Mapping[str, str], current: str | None, *, key: str
) -> str:
    """A selectbox of codes shown by their labels, on `current` (the first
    code when None)."""
    codes = list(labels)
    return str(
        where.selectbox(
            label,
            codes,
            index=codes.index(current) if current is not None else 0,
            format_func=lambda v: labels[v],
            key=key,
        )
    )


def date_field(
    where: DeltaGenerator,
    label: str,
    row: Row | None,
    column: str,
    *,
    key: str,
    default: date | None = None,
    not_after: date | None = None,
) -> date | None:
    """A date picker, in the viewer's date format, on the record's `column`
    (`default` for a new record). With `not_after` it offers no later day,
    unless the stored one already is later."""
    stored = row[column] if row else None
    return where.date_input(
        label,
        value=stored if row else default,
        max_value=None if not_after is None else on_or_after(not_after, stored),
        key=key,
        format=dates.input_format(),
    )


def owner_label(labels: Mapping[int, str]) -> Callable[[int | None], str]:
    """How a record's chapter reads in a selectbox: no chapter is the
    whole movement; the tree's indent marks are dropped."""

    def label(chapter_id: int | None) -> str:
        return "Whole movement" if chapter_id is None else labels.get(chapter_id, "?").lstrip("· ")

    return label


def owner_options(choices: list[int | None], row: Row | None) -> list[int | None]:
    """The chapters a record may belong to, plus its current one: a record
    of a chapter the person may no longer choose still shows where it is."""
    options = list(choices)
    if row and row["chapter_id"] not in options:
        options.append(row["chapter_id"])
    return options


def submitted(model: type[V], prefix: str, submit: str, values: Mapping[str, Any]) -> V | None:
    """The form's submit button; on a submit, `values` validated into
    `model` (None, with every problem shown, when they do not validate)."""
    if not st.form_submit_button(submit, type="primary", key=f"{prefix}_submit"):
        return None
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        show_errors(exc)
        return None


def new_tab(
    identity: Identity,
    *,
    form_key: str,
    form: RecordForm[M],
    submit: str,
    create: Callable[[Identity, M], object],
    flash: str,
    clear: tuple[str, ...],
) -> None:
    """A form for a new record; saved, it is announced and the form emptied."""
    with st.form(form_key):
        new = form(form_key, None, submit)
        if new is not None:
            try:
                create(identity, new)
            except (InvalidDataError, NotAllowedError) as exc:
                show_errors(exc)
            else:
                finish(flash, f"{plain(new.name)} is recorded.", *clear)


def edit_tab(
    identity: Identity,
    records: pl.DataFrame,
    *,
    label: str,
    key: str,
    none_message: str,
    form: RecordForm[M],
    update: Callable[[Identity, int, M], object],
    flash: str,
) -> None:
    """Pick one of the records the person may edit (``can_edit``) by name,
    then change it in a form."""
    mine = records.filter(pl.col("can_edit"))
    if mine.is_empty():
        st.info(none_message)
        return
    rows = {int(r["id"]): r for r in mine.iter_rows(named=True)}
    chosen = st.selectbox(label, list(rows), format_func=lambda i: str(rows[i]["name"]), key=key)
    if chosen is None:
        return
    with st.form(f"{key}_{chosen}"):
        changed = form(f"{key}_{chosen}", rows[chosen], "Save changes")
        if changed is not None:
            try:
                update(identity, chosen, changed)
            except (InvalidDataError, NotAllowedError) as exc:
                show_errors(exc)
            else:
                finish(flash, f"{plain(changed.name)} is saved.")
