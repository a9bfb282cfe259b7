"""The board pack of a health report: every dashboard page's figures, charts
and notes for the period, and the two buttons that download it."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import polars as pl

import dates as date_rules
from components.documents.board_report import BoardPack, Kpi, Section, Table, to_html, to_pdf
from db import clock

if TYPE_CHECKING:
    from metrics.impact import GoalProgress
    from metrics.report_types import HealthReport

log = logging.getLogger(__name__)


def _section(
    title: str, cards: Sequence[object], views: Sequence[object], tables: Sequence[Table] = ()
) -> Section:
    from components.dashboard.shared import Card, View

    section = Section(title)
    for card in cards:
        assert isinstance(card, Card)
        section.kpis.append(
            Kpi(card.label, card.value, card.delta or "", card.help.split("\n\n")[0] if card.help else "")
        )
    for view in views:
        assert isinstance(view, View)
        if view.fig is not None:
            section.figures.append(view.fig)
            if view.caption:
                section.notes.append(f"{view.title}: {view.caption}")
        else:
            section.notes.append(f"{view.title}: {view.empty}")
    section.tables.extend(tables)
    return section


def _table_of(view: object) -> pl.DataFrame:
    table = getattr(view, "table", None)
    return table if isinstance(table, pl.DataFrame) else pl.DataFrame()


def _columns(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """The columns a printed page has room for (the dashboard downloads all)."""
    return frame.select([n for n in names if n in frame.columns]) if frame.width else frame


def _failure_html(exc: Exception) -> bytes:
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Board report</title>'
        "<body><h1>The board report could not be built</h1>"
        f"<p>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>"
        "<p>The dashboard itself is unaffected; the problem has been logged.</p></body></html>"
    ).encode()


def _failure_pdf(exc: Exception) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, "The board report could not be built", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    message = f"{type(exc).__name__}: {exc}".encode("latin-1", "replace").decode("latin-1")
    pdf.multi_cell(0, 6, message, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def board_pack(
    report: HealthReport,
    *,
    scope: str,
    movement: str,
    against: str,
    goals: list[GoalProgress] | None = None,
    goal_scopes: dict[int, str] | None = None,
) -> BoardPack:
    """Every page's figures, charts and notes for the period, in one pack."""
    from components.dashboard import impact, momentum, overview, sustainability

    overview_section = _section(
        "Overview",
        overview.kpi_cards(report, against),
        [overview.health_view(report)],
        [
            Table(
                "Health score components",
                _columns(
                    _table_of(overview.health_view(report)),
                    "component",
                    "value",
                    "weight",
                    "contribution (points)",
                    "not scored because",
                ),
            )
        ],
    )
    overview_section.notes.extend(report.notes)
    sustainability_section = _section(
        "Sustainability",
        sustainability.finance_cards(report),
        [
            sustainability.runway_view(report),
            sustainability.burn_view(report),
            sustainability.revenue_view(report),
            sustainability.retention_view(report),
            sustainability.gains_losses_view(report),
            sustainability.volunteers_view(report),
            sustainability.hours_spread_view(report),
        ],
        [Table("Tuckman–Chang vulnerability ratios", sustainability.tuckman_chang_table(report))],
    )
    momentum_section = _section(
        "Momentum",
        momentum.momentum_cards(report),
        [
            momentum.members_view(report),
            momentum.growth_view(report),
            momentum.cohort_view(report),
            momentum.ladder_view(report),
            momentum.breadth_depth_view(report),
            momentum.events_kind_view(report),
            momentum.attendance_view(report),
            momentum.chapters_level_view(report),
        ],
    )
    effects = impact.effects_view(report)
    goals_view = impact.goals_view(
        report.impact.goals if goals is None else goals,
        scopes=goal_scopes or {},
        currency=report.currency,
        today=report.as_of,
    )
    impact_section = _section(
        "Impact",
        impact.impact_cards(report, goals),
        [impact.teq_view(report), effects, goals_view],
        [
            Table(
                "Change in empathy per program",
                _columns(
                    _table_of(effects),
                    "program",
                    "pairs",
                    "mean before",
                    "mean after",
                    "mean change",
                    "d_z",
                    "95% CI of d_z",
                ),
            )
        ]
        + (
            [
                Table(
                    "Goals",
                    _columns(
                        goals_view.table, "goal", "scope", "now", "target", "progress (%)", "due", "status"
                    ),
                )
            ]
            if goals_view.table is not None and goals_view.table.height
            else []
        ),
    )
    impact_section.notes.insert(0, impact.IMPACT_NOTE)
    return BoardPack(
        movement=movement,
        scope=scope,
        as_of=date_rules.with_year(report.through),
        generated_at=clock.utc_now(),
        alerts=[f"{title}. {message}" for _, title, message in overview.alerts(report)],
        sections=[overview_section, sustainability_section, momentum_section, impact_section],
    )


def download_buttons(
    report: HealthReport,
    *,
    scope: str,
    movement: str,
    against: str,
    key: str,
    goals: Callable[[], list[GoalProgress]] | None = None,
    goal_scopes: dict[int, str] | None = None,
) -> None:
    """The two board-report buttons: each builds its file when clicked."""
    import streamlit as st

    from components.downloads import file_button
    from components.downloads import file_stem as stem

    name = stem(f"board-report {scope}")
    cache: dict[str, BoardPack] = {}

    def pack() -> BoardPack:
        if "pack" not in cache:
            cache["pack"] = board_pack(
                report,
                scope=scope,
                movement=movement,
                against=against,
                goals=goals() if goals is not None else None,
                goal_scopes=goal_scopes,
            )
        return cache["pack"]

    def build(render: Callable[[BoardPack], bytes], failed: Callable[[Exception], bytes]) -> bytes:
        # Runs outside the page script when the button is clicked: a failure
        # would otherwise leave the browser waiting for a file that never
        # comes, so it becomes a file that says what went wrong.
        try:
            return render(pack())
        except Exception as exc:
            log.exception("board report failed for %s", scope)
            return failed(exc)

    with st.container(horizontal=True, gap="small"):
        file_button(
            "Board report (HTML)",
            lambda: build(to_html, _failure_html),
            f"{name}.html",
            key=f"{key}_html",
            primary=True,
        )
        file_button(
            "Board report (PDF)", lambda: build(to_pdf, _failure_pdf), f"{name}.pdf", key=f"{key}_pdf"
        )
