"""Which pages each role sees. st.navigation shows a person only these; each
page checks the role again itself (components.session.require_role).

To add a page, add one PageSpec line to PAGES: its script's name in pages/,
title, icon, section, and the roles that see it (none listed: every
signed-in person)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from components.session import SignedIn


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    section: str
    roles: frozenset[str]  # empty: every signed-in person

    @property
    def url_path(self) -> str:
        return self.path.removeprefix("pages/").removesuffix(".py")


def _spec(script: str, title: str, icon: str, section: str, *roles: str) -> PageSpec:
    return PageSpec(f"pages/{script}.py", title, icon, section, frozenset(roles))


SIGN_IN = _spec("sign_in", "Sign in", ":material/login:", "")
ACCOUNT = _spec("account", "My account", ":material/account_circle:", "Account")

PAGES: tuple[PageSpec, ...] = (
    _spec("overview", "Overview", ":material/monitor_heart:", "Board", "board", "coordinator"),
    _spec("sustainability", "Sustainability", ":material/savings:", "Board", "board"),
    _spec("momentum", "Momentum", ":material/trending_up:", "Board", "board", "coordinator"),
    _spec("impact", "Impact", ":material/psychology:", "Board", "board", "coordinator"),
    _spec("chapters_compare", "Compare chapters", ":material/compare:", "Board", "board", "coordinator"),
    _spec("admin_people", "People and roles", ":material/manage_accounts:", "Admin", "admin"),
    _spec("status", "Database status", ":material/database:", "Admin", "admin", "board"),
    _spec("events", "Events", ":material/event:", "Operations", "coordinator", "admin"),
    _spec("members", "Members", ":material/groups:", "Operations", "coordinator", "admin"),
    _spec("chapters", "Chapters", ":material/account_tree:", "Operations", "coordinator", "admin"),
    _spec("programs", "Programs", ":material/school:", "Operations", "coordinator", "admin"),
    _spec("partners", "Partners", ":material/handshake:", "Operations", "coordinator", "admin"),
    _spec("import_surveys", "Survey answers", ":material/upload:", "Operations", "coordinator", "admin"),
    _spec("goals", "Goals", ":material/flag:", "Operations", "coordinator", "admin", "board"),
    _spec("survey", "Empathy survey", ":material/volunteer_activism:", "Take part"),
    _spec("campaigns", "Campaigns", ":material/flag:", "Fundraising", "fundraiser"),
    _spec("record_gift", "Record a gift", ":material/redeem:", "Fundraising", "fundraiser"),
    _spec("donors", "Donors", ":material/diversity_1:", "Fundraising", "fundraiser"),
    _spec("retention", "Retention", ":material/autorenew:", "Fundraising", "fundraiser"),
    _spec("recurring", "Recurring gifts", ":material/event_repeat:", "Fundraising", "fundraiser"),
    _spec("import_gifts", "Import gifts", ":material/upload_file:", "Fundraising", "fundraiser"),
    _spec("statements", "Statements", ":material/receipt_long:", "Fundraising", "fundraiser"),
    _spec("expenses", "Expenses", ":material/payments:", "Fundraising", "fundraiser"),
    _spec("log_hours", "Log hours", ":material/more_time:", "Volunteer", "volunteer"),
    _spec("my_hours", "My hours", ":material/history:", "Volunteer", "volunteer"),
    _spec("shifts", "Shifts", ":material/calendar_month:", "Volunteer", "volunteer"),
    _spec("approvals", "Approvals", ":material/fact_check:", "Coordinator", "coordinator"),
    _spec("check_in", "Check-in", ":material/how_to_reg:", "Coordinator", "coordinator"),
    _spec("import_hours", "Import hours", ":material/upload_file:", "Coordinator", "coordinator"),
    ACCOUNT,
)

# Sections appear in this order; a section not listed here comes after the
# listed role sections, before Admin and Account.
SECTION_ORDER: tuple[str, ...] = (
    "Board",
    "Impact",
    "Volunteer",
    "Coordinator",
    "Fundraising",
    "Operations",
    "Admin",
    "Account",
)
_LAST_SECTIONS = ("Admin", "Account")


def _section_rank(section: str) -> tuple[int, int]:
    if section in _LAST_SECTIONS:
        return (2, _LAST_SECTIONS.index(section))
    if section in SECTION_ORDER:
        return (0, SECTION_ORDER.index(section))
    return (1, 0)


def specs_for(user: SignedIn) -> list[PageSpec]:
    """The pages `user` may open, in the order the sidebar shows them. A
    person who must replace a temporary password sees only their account."""
    if user.must_change_password:
        return [ACCOUNT]
    allowed = [spec for spec in PAGES if not spec.roles or user.has(*spec.roles)]
    # sorted() is stable: pages keep their PAGES order inside a section.
    return sorted(allowed, key=lambda spec: _section_rank(spec.section))


def pages_for(user: SignedIn) -> dict[str, list[StreamlitPage]]:
    sections: dict[str, list[StreamlitPage]] = {}
    for spec in specs_for(user):
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path)
        )
    return sections


def build_navigation(user: SignedIn | None) -> StreamlitPage:
    """st.navigation for this run: the sign-in page alone for a visitor, the
    pages of their roles for a signed-in person."""
    if user is None:
        page = st.Page(SIGN_IN.path, title=SIGN_IN.title, icon=SIGN_IN.icon, url_path=SIGN_IN.url_path)
        return st.navigation([page], position="hidden")
    return st.navigation(pages_for(user), expanded=True)
