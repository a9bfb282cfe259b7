"""Which pages each role sees. st.navigation shows a person only these; each
page checks the role again itself."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.session import SignedIn


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    section: str
    roles: frozenset[str]  # empty: every signed-in person


def _spec(path: str, title: str, icon: str, section: str, *roles: str) -> PageSpec:
    return PageSpec(path, title, icon, section, frozenset(roles))


PAGES: tuple[PageSpec, ...] = (
    _spec("pages/status.py", "Database status", ":material/database:", "Account", "admin", "board"),
)


def pages_for(user: SignedIn) -> dict[str, list[st.Page]]:
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if spec.roles and not user.has(*spec.roles):
            continue
        sections.setdefault(spec.section, []).append(
            st.Page(
                spec.path, title=spec.title, icon=spec.icon, url_path=spec.path.removeprefix("pages/")[:-3]
            )
        )
    return sections
