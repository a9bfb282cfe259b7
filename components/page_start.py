"""How the pages of a desk begin: who may open them, the title, and what
every page of that desk reads before anything else."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import polars as pl
import streamlit as st

from components.feedback import show_flash
from components.session import SignedIn, local_today, require_role
from db.chapters import chapter_labels, list_chapters
from db.hours import MSG_NO_MEMBER, Member, my_member
from db.identity import Identity
from db.movement_settings import MovementMoney, movement_money


class FundraisingStart(NamedTuple):
    user: SignedIn
    money: MovementMoney
    today: date


class CoordinatorStart(NamedTuple):
    user: SignedIn
    today: date


class VolunteerStart(NamedTuple):
    user: SignedIn
    member: Member


def fundraising_page(title: str, flash: str | None = None) -> FundraisingStart:
    """A fundraising desk page: fundraisers only, its title, the message the
    last save left under `flash` (when given), the movement's money settings
    and the viewer's today."""
    user = require_role("fundraiser")
    st.title(title)
    if flash is not None:
        show_flash(flash)
    return FundraisingStart(user, movement_money(user.identity), local_today())


def coordinator_page(title: str) -> CoordinatorStart:
    """An operations page (chapters, members, programs, partners): coordinators
    and admins only, its title, and the viewer's today."""
    user = require_role("coordinator", "admin")
    st.title(title)
    return CoordinatorStart(user, local_today())


def volunteer_page(title: str) -> VolunteerStart:
    """A volunteer portal page: volunteers only, its title, and their member
    record; without one the page says how to get linked and stops."""
    user = require_role("volunteer")
    member = my_member(user.identity)
    st.title(title)
    if member is None:
        st.info(MSG_NO_MEMBER, icon=":material/info:")
        st.stop()
    return VolunteerStart(user, member)


class CoordinatedChapters(NamedTuple):
    chapters: pl.DataFrame  # every chapter the person can see
    labels: dict[int, str]  # select-box labels (chapter_labels)
    mine: pl.DataFrame  # the ones they coordinate
    names: dict[int, str]  # every chapter's plain name


def coordinated_chapters(identity: Identity) -> CoordinatedChapters:
    """The chapters of a page that works within the ones the person
    coordinates; with none, the page says so and stops."""
    chapters = list_chapters(identity)
    mine = chapters.filter(pl.col("can_edit"))
    if mine.is_empty():
        st.info("You do not coordinate any chapter yet.")
        st.stop()
    names = {int(r["id"]): str(r["name"]) for r in chapters.iter_rows(named=True)}
    return CoordinatedChapters(chapters, chapter_labels(chapters), mine, names)
