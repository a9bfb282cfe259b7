"""What a health report is: its parameters, its headline cards, its alerts,
its sections and series, and the `HealthReport` that holds them.

`metrics.report.health_report` builds one; pages, documents and goals read
it. Types only: no figure is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from metrics import fundraising, health, impact
from metrics.activity import ActiveRatio
from metrics.attendance import EventFigures, SpikeParams
from metrics.chapters import ChapterSpread
from metrics.figure import Figure, jsonable
from metrics.finance import FinanceSummary, TuckmanChangBands
from metrics.fundraising import FundraisingYear, GiftSummary, RepeatDefinition
from metrics.health import Component, HealthScore
from metrics.impact import GoalProgress, PairedChange, PracticeRate
from metrics.membership import MemberCounts
from metrics.periods import Period
from metrics.scope import Scope
from metrics.volunteers import BurnoutParams, BurnoutSignals, VolunteerHours, VolunteerRetention

__all__ = [
    "Alert",
    "FundraisingSection",
    "HealthReport",
    "ImpactSection",
    "Kpi",
    "MomentumSection",
    "ReportParams",
    "ReportSeries",
    "VolunteerSection",
]


class ReportParams(BaseModel):
    """Every choice METRICS.md leaves open, validated.

    ``None`` for fiscal-year start, hourly value or currency means "the
    movement's settings" (`movement_settings`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    fy_start_month: int | None = Field(default=None, ge=1, le=12)
    active_window_days: int = Field(default=90, ge=1, le=3660)
    repeat_definition: RepeatDefinition = "not_new"
    sybunt_excludes_lybunt: bool = True
    hourly_value_minor: int | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    burn_months: int = Field(default=3, ge=1, le=24)
    top_k: int = Field(default=10, ge=1, le=10_000)
    hhi_alert: float = Field(default=fundraising.HHI_HIGHLY_CONCENTRATED, ge=0, le=10_000)
    runway_alert_months: float = Field(default=6.0, ge=0)
    reserve_alert_months: float = Field(default=3.0, ge=0)
    cohort_months: int = Field(default=12, ge=1, le=120)
    practice_waves: tuple[str, ...] = ("post", "follow_up")
    spike: SpikeParams = SpikeParams()
    burnout: BurnoutParams = BurnoutParams()
    tuckman_chang: TuckmanChangBands = TuckmanChangBands()
    health_components: dict[str, Component] = Field(default_factory=lambda: dict(health.DEFAULT_COMPONENTS))


@dataclass(frozen=True)
class Kpi:
    """A headline figure beside the previous period's, for a KPI card.

    ``change`` = value − previous (same unit); ``change_ratio`` =
    change / |previous| (undefined when previous is 0 or undefined)."""

    key: str
    label: str
    value: Figure
    previous: Figure
    change: Figure
    change_ratio: Figure
    note: str | None = None


@dataclass(frozen=True)
class Alert:
    """Something a board member should look at, in words."""

    code: str  # runway, reserves, donor_concentration, burnout_load, burnout_dropouts, attendance_spike
    severity: str  # critical, warning, info
    title: str
    message: str
    value: Figure | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class ReportSeries:
    """The time series and distributions a dashboard draws."""

    members_weekly: pl.DataFrame
    attendance_weekly: pl.DataFrame
    finance_monthly: pl.DataFrame
    revenue_by_source_monthly: pl.DataFrame
    cohort_retention: pl.DataFrame
    engagement_ladder: pl.DataFrame
    breadth_depth_monthly: pl.DataFrame
    chapters_by_level_monthly: pl.DataFrame
    hours_distribution: pl.DataFrame
    hours_lorenz: pl.DataFrame
    volunteers_monthly: pl.DataFrame
    teq_distribution: pl.DataFrame


@dataclass(frozen=True)
class FundraisingSection:
    year: FundraisingYear
    gifts: GiftSummary


@dataclass(frozen=True)
class VolunteerSection:
    retention: VolunteerRetention
    hours: VolunteerHours
    burnout: BurnoutSignals


@dataclass(frozen=True)
class MomentumSection:
    members: MemberCounts
    active: ActiveRatio
    events: EventFigures
    chapters: ChapterSpread
    breadth: int
    depth: int


@dataclass(frozen=True)
class ImpactSection:
    overall: PairedChange
    by_program: list[PairedChange]
    practice: PracticeRate
    goals: list[GoalProgress]
    partners_with_training: dict[str, int]
    program_names: dict[int, str]
    caveat: str = impact.UNCONTROLLED_CAVEAT


@dataclass(frozen=True)
class HealthReport:
    """The whole health report of one period and scope, ready to render.

    ``kpis`` are the headline cards (with the previous period's values);
    ``series`` the frames to chart; the sections hold every figure of their
    family; ``health`` the score with each component's contribution;
    ``alerts`` what needs attention, in words. Undefined figures carry
    their reason. Money is in minor units of ``currency``."""

    as_of: date
    period: Period
    previous_period: Period
    through: date
    partial: bool
    scope: Scope
    scope_label: str
    currency: str
    fy_start_month: int
    params: ReportParams
    kpis: list[Kpi]
    series: ReportSeries
    fundraising: FundraisingSection
    finance: FinanceSummary
    volunteers: VolunteerSection
    momentum: MomentumSection
    impact: ImpactSection
    health: HealthScore
    alerts: list[Alert]
    notes: list[str] = field(default_factory=list)
    unreadable: tuple[str, ...] = ()

    def kpi(self, key: str) -> Kpi:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON types (frames become lists of rows)."""
        out: dict[str, Any] = jsonable(self)
        return out
