"""The frames the metrics read: column names and types, matching the tables
in ``supabase/migrations`` (after the casts `db.report_frames` makes), and
the bundle `ReportFrames` that carries them.

Money is integer minor units of the movement's reporting currency; hours
are integer minutes. Volunteer hours arrive aggregated per member, month,
chapter, program and status (see `VOLUNTEER_HOURS_MONTHLY`): every hours
metric is defined on calendar months or fiscal years, so the aggregate
loses nothing and is what keeps a national movement fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import polars as pl

Schema = Mapping[str, pl.DataType]

# The closed vocabularies of the tables' check constraints, as enums: a
# filter or group on them compares small integers, not strings, and a value
# the schema does not know fails loudly when the frame is built.
HOURS_STATUS = pl.Enum(["pending", "approved", "rejected"])
GIFT_SOURCE = pl.Enum(["individual", "foundation", "business", "government", "event", "other"])
EXPENSE_CATEGORY = pl.Enum(["program", "admin", "fundraising"])
SURVEY_WAVE = pl.Enum(["pre", "post", "follow_up"])

MOVEMENT_SETTINGS: Schema = {
    "movement_name": pl.String(),
    "reporting_currency": pl.String(),
    "fiscal_year_start_month": pl.Int32(),
    "volunteer_hour_value_minor": pl.Int64(),
}

CHAPTERS: Schema = {
    "id": pl.Int64(),
    "name": pl.String(),
    "level": pl.String(),  # local, regional, national, international
    "parent_id": pl.Int64(),
    "founded_on": pl.Date(),
    "status": pl.String(),  # active, dormant
    "dormant_since": pl.Date(),
}

PROGRAMS: Schema = {
    "id": pl.Int64(),
    "name": pl.String(),
    "kind": pl.String(),
    "audience": pl.String(),
    "chapter_id": pl.Int64(),
    "started_on": pl.Date(),
    "ended_on": pl.Date(),
}

PARTNERS: Schema = {
    "id": pl.Int64(),
    "kind": pl.String(),  # school, university, business, healthcare, public_body, ngo, research
    "status": pl.String(),  # prospect, active, paused, ended
    "since": pl.Date(),
    "chapter_id": pl.Int64(),
}

PROGRAM_PARTNERS: Schema = {"program_id": pl.Int64(), "partner_id": pl.Int64()}

MEMBERS: Schema = {
    "id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "joined_on": pl.Date(),
    "left_on": pl.Date(),
    "trained_on": pl.Date(),
    "leader_since": pl.Date(),
}

EVENTS: Schema = {
    "id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "program_id": pl.Int64(),
    "kind": pl.String(),
    "starts_on": pl.Date(),  # the UTC date of starts_at
    "capacity": pl.Int32(),
}

ATTENDANCE: Schema = {
    "event_id": pl.Int64(),
    "member_id": pl.Int64(),  # null for a row of guests only
    "guest_count": pl.Int32(),
}

VOLUNTEER_HOURS: Schema = {
    "member_id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "worked_on": pl.Date(),
    "minutes": pl.Int64(),
    "status": HOURS_STATUS,
    "activity": pl.String(),
    "program_id": pl.Int64(),
    "event_id": pl.Int64(),
}
"""One row per logged entry, as in the table (used by tests and benchmarks;
the loader aggregates in SQL instead)."""

VOLUNTEER_HOURS_MONTHLY: Schema = {
    "member_id": pl.Int64(),
    "chapter_id": pl.Int64(),
    "program_id": pl.Int64(),  # the entry's program, else its event's program
    "status": HOURS_STATUS,
    "month": pl.Date(),  # first day of the month worked
    "minutes": pl.Int64(),
    "entries": pl.Int64(),
    "day_mask": pl.Int32(),  # bit d-1 set when an entry falls on day d
}
"""Volunteer hours summed per member, chapter, program, status and month."""

DONATIONS: Schema = {
    "donor_id": pl.Int64(),  # the surviving donor after merges
    "received_on": pl.Date(),
    "reporting_amount_minor": pl.Int64(),
    "refunded_minor": pl.Int64(),  # refunds, in the reporting currency
    "is_recurring": pl.Boolean(),
    "source": GIFT_SOURCE,
    "campaign_id": pl.Int64(),
    "chapter_id": pl.Int64(),
}

DONOR_MEMBERS: Schema = {"donor_id": pl.Int64(), "member_id": pl.Int64()}
"""Donors who are also members (same e-mail), so a gift counts as activity."""

EXPENSES: Schema = {
    "spent_on": pl.Date(),
    "reporting_amount_minor": pl.Int64(),
    "category": EXPENSE_CATEGORY,
    "chapter_id": pl.Int64(),
}

BALANCE_SNAPSHOTS: Schema = {
    "as_of": pl.Date(),
    "cash_minor": pl.Int64(),
    "unrestricted_reserves_minor": pl.Int64(),
    "net_assets_minor": pl.Int64(),
}

TEQ_ITEMS = tuple(f"q{i:02d}" for i in range(1, 17))

SURVEY_RESPONSES: Schema = {
    "respondent_code": pl.String(),
    "chapter_id": pl.Int64(),
    "program_id": pl.Int64(),
    "event_id": pl.Int64(),
    "wave": SURVEY_WAVE,
    "answered_on": pl.Date(),
    **{item: pl.Int16() for item in TEQ_ITEMS},
    "practice": pl.String(),  # never … daily, or null
}

GOALS: Schema = {
    "id": pl.Int64(),
    "name": pl.String(),
    "metric": pl.String(),
    "target_value": pl.Float64(),
    "baseline_value": pl.Float64(),
    "due_on": pl.Date(),
    "chapter_id": pl.Int64(),
    "created_on": pl.Date(),  # when the goal was set: the start of its clock
}

SCHEMAS: dict[str, Schema] = {
    "settings": MOVEMENT_SETTINGS,
    "chapters": CHAPTERS,
    "programs": PROGRAMS,
    "partners": PARTNERS,
    "program_partners": PROGRAM_PARTNERS,
    "members": MEMBERS,
    "events": EVENTS,
    "attendance": ATTENDANCE,
    "volunteer_hours": VOLUNTEER_HOURS_MONTHLY,
    "donations": DONATIONS,
    "donor_members": DONOR_MEMBERS,
    "expenses": EXPENSES,
    "balance_snapshots": BALANCE_SNAPSHOTS,
    "survey_responses": SURVEY_RESPONSES,
    "goals": GOALS,
}


def empty(schema: Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


def conform(frame: pl.DataFrame | None, schema: Schema, *, name: str = "frame") -> pl.DataFrame:
    """`frame` with exactly `schema`'s columns, in order, cast to its types.

    A missing frame is an empty one; a missing column is an error (a wrong
    frame must fail loudly, not turn into zeros)."""
    if frame is None:
        return empty(schema)
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")
    return frame.select([pl.col(c).cast(dtype, strict=True) for c, dtype in schema.items()])


def rows(schema: Schema, data: list[dict[str, Any]] | list[tuple[Any, ...]]) -> pl.DataFrame:
    """A frame of `schema` from row dicts or tuples (for tests and examples)."""
    if data and isinstance(data[0], dict):
        full = [{c: row.get(c) for c in schema} for row in data]
        return pl.DataFrame(full, schema=dict(schema), orient="row")
    return pl.DataFrame(data, schema=dict(schema), orient="row")


def aggregate_volunteer_hours(
    entries: pl.DataFrame | pl.LazyFrame, events: pl.DataFrame | pl.LazyFrame | None = None
) -> pl.LazyFrame:
    """Raw hour entries (`VOLUNTEER_HOURS`) → `VOLUNTEER_HOURS_MONTHLY`.

    The same aggregation `db.report_frames` runs in SQL. An entry without a
    program takes its event's program when `events` is given.

    Example: two approved entries by member 1 on 3 and 5 March (60 and 30
    minutes) become one row with minutes 90, entries 2 and
    day_mask 0b10100 (= 20)."""
    lf = entries.lazy()
    if events is not None:
        ev = events.lazy().select(
            pl.col("id").alias("event_id"), pl.col("program_id").alias("_event_program")
        )
        lf = lf.join(ev, on="event_id", how="left").with_columns(
            pl.coalesce("program_id", "_event_program").alias("program_id")
        )
    return (
        lf.group_by(
            "member_id",
            "chapter_id",
            "program_id",
            "status",
            pl.col("worked_on").dt.month_start().alias("month"),
        )
        .agg(
            pl.col("minutes").sum().cast(pl.Int64),
            pl.len().cast(pl.Int64).alias("entries"),
            day_bit(pl.col("worked_on")).bitwise_or().alias("day_mask"),
        )
        .select([pl.col(c).cast(t) for c, t in VOLUNTEER_HOURS_MONTHLY.items()])
    )


@dataclass(frozen=True, eq=False)
class ReportFrames:
    """Every frame the health report reads, each of its schema above.

    Build one with `ReportFrames.of(...)` (missing frames are empty, columns
    are checked and cast) or from the database with
    `db.report_frames.load_report_frames`. A frame a person may not read
    arrives empty, and the figures built on it are undefined with a reason.

    Compared and hashed by identity: the report keeps the aggregates it
    prepares from one `ReportFrames` for as long as that object lives."""

    settings: pl.DataFrame
    chapters: pl.DataFrame
    programs: pl.DataFrame
    partners: pl.DataFrame
    program_partners: pl.DataFrame
    members: pl.DataFrame
    events: pl.DataFrame
    attendance: pl.DataFrame
    volunteer_hours: pl.DataFrame
    donations: pl.DataFrame
    donor_members: pl.DataFrame
    expenses: pl.DataFrame
    balance_snapshots: pl.DataFrame
    survey_responses: pl.DataFrame
    goals: pl.DataFrame
    unreadable: tuple[str, ...] = ()
    """Frames the reader was not allowed to read (empty here, not absent)."""

    @classmethod
    def of(cls, unreadable: tuple[str, ...] = (), **frames: pl.DataFrame | None) -> ReportFrames:
        unknown = set(frames) - set(SCHEMAS)
        if unknown:
            raise TypeError(f"unknown frames {sorted(unknown)}")
        conformed: dict[str, Any] = {
            name: conform(frames.get(name), schema, name=name) for name, schema in SCHEMAS.items()
        }
        return cls(**conformed, unreadable=unreadable)

    def with_frames(self, **frames: pl.DataFrame) -> ReportFrames:
        conformed: dict[str, Any] = {k: conform(v, SCHEMAS[k], name=k) for k, v in frames.items()}
        return replace(self, **conformed)

    def frame_names(self) -> list[str]:
        return [f.name for f in fields(self) if f.name != "unreadable"]


def day_bit(day: pl.Expr) -> pl.Expr:
    """The bit of a date's day of month in a month's `day_mask` (day 1 → 1,
    day 2 → 2, day 3 → 4 …); 31 days fit in a signed 32-bit integer."""
    return pl.lit(2, pl.Int32).pow(day.dt.day().cast(pl.Int32) - 1).cast(pl.Int32)
