"""Which pages each role sees. st.navigation shows a person only these; each
page checks the role again itself (components.session.require_role).

To add a page, add one PageSpec line to PAGES: its script, title, icon,
section, and the roles that see it (none listed: every signed-in person)."""

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


def _spec(path: str, title: str, icon: str, section: str, *roles: str) -> PageSpec:
    return PageSpec(path, title, icon, section, frozenset(roles))


SIGN_IN = _spec("pages/sign_in.py", "Sign in", ":material/login:", "")
ACCOUNT = _spec("pages/account.py", "My account", ":material/account_circle:", "Account")

PAGES: tuple[PageSpec, ...] = (
    _spec("pages/overview.py", "Overview", ":material/monitor_heart:", "Board", "board", "coordinator"),
    _spec("pages/sustainability.py", "Sustainability", ":material/savings:", "Board", "board"),
    _spec("pages/momentum.py", "Momentum", ":material/trending_up:", "Board", "board", "coordinator"),
    _spec("pages/impact.py", "Impact", ":material/psychology:", "Board", "board", "coordinator"),
    _spec(
        "pages/chapters_compare.py",
        "Compare chapters",
        ":material/compare:",
        "Board",
        "board",
        "coordinator",
    ),
    _spec("pages/admin_people.py", "People and roles", ":material/manage_accounts:", "Admin", "admin"),
    _spec("pages/status.py", "Database status", ":material/database:", "Admin", "admin", "board"),
    _spec("pages/events.py", "Events", ":material/event:", "Operations", "coordinator", "admin"),
    _spec("pages/members.py", "Members", ":material/groups:", "Operations", "coordinator", "admin"),
    _spec("pages/chapters.py", "Chapters", ":material/account_tree:", "Operations", "coordinator", "admin"),
    _spec("pages/programs.py", "Programs", ":material/school:", "Operations", "coordinator", "admin"),
    _spec("pages/partners.py", "Partners", ":material/handshake:", "Operations", "coordinator", "admin"),
    _spec(
        "pages/import_surveys.py",
        "Survey answers",
        ":material/upload:",
        "Operations",
        "coordinator",
        "admin",
    ),
    _spec("pages/goals.py", "Goals", ":material/flag:", "Operations", "coordinator", "admin", "board"),
    _spec("pages/survey.py", "Empathy survey", ":material/volunteer_activism:", "Take part"),
    _spec("pages/campaigns.py", "Campaigns", ":material/flag:", "Fundraising", "fundraiser"),
    _spec("pages/record_gift.py", "Record a gift", ":material/redeem:", "Fundraising", "fundraiser"),
    _spec("pages/donors.py", "Donors", ":material/diversity_1:", "Fundraising", "fundraiser"),
    _spec("pages/retention.py", "Retention", ":material/autorenew:", "Fundraising", "fundraiser"),
    _spec("pages/recurring.py", "Recurring gifts", ":material/event_repeat:", "Fundraising", "fundraiser"),
    _spec("pages/import_gifts.py", "Import gifts", ":material/upload_file:", "Fundraising", "fundraiser"),
    _spec("pages/statements.py", "Statements", ":material/receipt_long:", "Fundraising", "fundraiser"),
    _spec("pages/expenses.py", "Expenses", ":material/payments:", "Fundraising", "fundraiser"),
    _spec("pages/log_hours.py", "Log hours", ":material/more_time:", "Volunteer", "volunteer"),
    _spec("pages/my_hours.py", "My hours", ":material/history:", "Volunteer", "volunteer"),
    _spec("pages/shifts.py", "Shifts", ":material/calendar_month:", "Volunteer", "volunteer"),
    _spec("pages/approvals.py", "Approvals", ":material/fact_check:", "Coordinator", "coordinator"),
    _spec("pages/check_in.py", "Check-in", ":material/how_to_reg:", "Coordinator", "coordinator"),
    _spec("pages/import_hours.py", "Import hours", ":material/upload_file:", "Coordinator", "coordinator"),
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
