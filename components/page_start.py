"""How the pages of a desk begin: who may open them, the title, and what
every page of that desk reads before anything else."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import streamlit as st

from components.feedback import show_flash
from components.session import SignedIn, local_today, require_role
from db.hours import MSG_NO_MEMBER, Member, my_member
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
