"""Draws the whole demo movement: every table as a polars frame, in the
order the foreign keys need, plus the volunteer hours as a stream of
chunks (at national size they are the bulk of the data)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from db.seed.activity import (
    build_attendance,
    build_events,
    build_shifts,
    build_signups,
    hours_chunks,
    plan_hours,
)
from db.seed.impact import build_goals, build_surveys
from db.seed.money import build_campaigns, build_expenses, build_giving, build_rates
from db.seed.world import (
    Context,
    build_chapters,
    build_members,
    build_partners,
    build_programs,
    members_frame,
)


@dataclass
class Movement:
    ctx: Context
    # Table name -> rows, in a safe loading order; volunteer_hours marks
    # where the hours stream goes.
    tables: dict[str, pl.DataFrame]
    hours: Callable[[], Iterator[pl.DataFrame]]
    expected_hours: int
    placements: dict[str, int]  # demo placement -> chapter id
    demo_members: dict[str, int]  # email -> member id


def generate(ctx: Context) -> Movement:
    chapters = build_chapters(ctx)
    members = build_members(ctx, chapters)
    programs = build_programs(ctx, chapters, members)
    partners, program_partners = build_partners(ctx, chapters, programs)
    events = build_events(ctx, chapters, members, programs)
    attendance = build_attendance(ctx, chapters, members, events)
    shifts = build_shifts(ctx, events)
    signups = build_signups(ctx, chapters, members, events, shifts)
    plan = plan_hours(ctx, chapters, members, programs, events, shifts, signups)
    rates = build_rates(ctx, chapters)
    campaigns = build_campaigns(ctx, chapters)
    giving = build_giving(ctx, chapters, members, rates, campaigns)
    expenses, balances = build_expenses(ctx, chapters, members, rates, giving.net_by_month)
    surveys = build_surveys(ctx, chapters, members, programs, events)
    goals = build_goals(
        ctx,
        chapters,
        members,
        partners,
        program_partners,
        programs,
        giving.donations,
        surveys,
        balances,
        expenses,
    )
    tables: dict[str, pl.DataFrame] = {
        "chapters": chapters.frame(ctx),
        "members": members_frame(ctx, members),
        "programs": programs.frame,
        "partners": partners,
        "program_partners": program_partners,
        "events": events.frame,
        "shifts": shifts.frame.with_columns(signed_up=pl.Series(signups.signed_up, dtype=pl.Int32)),
        "attendance": attendance,
        "shift_signups": signups.frame,
        "volunteer_hours": pl.DataFrame(),
        "donors": giving.donors,
        "campaigns": giving.campaigns,
        "exchange_rates": rates.frame(),
        "recurring_plans": giving.plans,
        "donations": giving.donations,
        "donation_refunds": giving.refunds,
        "expenses": expenses,
        "balance_snapshots": balances,
        "survey_responses": surveys,
        "goals": goals,
    }
    return Movement(
        ctx=ctx,
        tables=tables,
        hours=lambda: hours_chunks(ctx, members, programs, events, plan),
        expected_hours=int(plan.total_expected),
        placements={k: v + 1 for k, v in chapters.placements.items()},
        demo_members={email: i + 1 for email, i in members.demo.items()},
    )
