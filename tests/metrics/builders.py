"""Small frames for hand-computed metric tests: one short call per row."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from metrics import schemas as S
from metrics.impact import TEQ_REVERSED

D = date


def gift(
    donor: int,
    day: date,
    amount: int,
    *,
    recurring: bool = False,
    source: str = "individual",
    refunded: int = 0,
    chapter: int | None = 1,
    campaign: int | None = None,
) -> dict[str, Any]:
    return {
        "donor_id": donor,
        "received_on": day,
        "reporting_amount_minor": amount,
        "refunded_minor": refunded,
        "is_recurring": recurring,
        "source": source,
        "campaign_id": campaign,
        "chapter_id": chapter,
    }


def donations(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.DONATIONS, list(rows))


def hours_month(
    member: int,
    month: date,
    minutes: int,
    *,
    status: str = "approved",
    chapter: int = 1,
    program: int | None = None,
    days: tuple[int, ...] = (1,),
    entries: int | None = None,
) -> dict[str, Any]:
    mask = 0
    for d in days:
        mask |= 1 << (d - 1)
    return {
        "member_id": member,
        "chapter_id": chapter,
        "program_id": program,
        "status": status,
        "month": month.replace(day=1),
        "minutes": minutes,
        "entries": entries if entries is not None else len(days),
        "day_mask": mask,
    }


def hours(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.VOLUNTEER_HOURS_MONTHLY, list(rows))


def entry(
    member: int,
    day: date,
    minutes: int,
    *,
    status: str = "approved",
    chapter: int = 1,
    program: int | None = None,
    event: int | None = None,
) -> dict[str, Any]:
    return {
        "member_id": member,
        "chapter_id": chapter,
        "worked_on": day,
        "minutes": minutes,
        "status": status,
        "activity": "outreach",
        "program_id": program,
        "event_id": event,
    }


def member(
    id: int,
    joined: date,
    *,
    chapter: int = 1,
    left: date | None = None,
    trained: date | None = None,
    leader: date | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "chapter_id": chapter,
        "joined_on": joined,
        "left_on": left,
        "trained_on": trained,
        "leader_since": leader,
    }


def members(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.MEMBERS, list(rows))


def event(
    id: int,
    day: date,
    *,
    chapter: int = 1,
    program: int | None = None,
    kind: str = "workshop",
    capacity: int | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "chapter_id": chapter,
        "program_id": program,
        "kind": kind,
        "starts_on": day,
        "capacity": capacity,
    }


def events(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.EVENTS, list(rows))


def attend(event_id: int, member_id: int | None, guests: int = 0) -> dict[str, Any]:
    return {"event_id": event_id, "member_id": member_id, "guest_count": guests}


def attendance(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.ATTENDANCE, list(rows))


def chapter(
    id: int,
    level: str = "local",
    parent: int | None = None,
    *,
    founded: date = date(2020, 1, 1),
    dormant: date | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name or f"Chapter {id}",
        "level": level,
        "parent_id": parent,
        "founded_on": founded,
        "status": "dormant" if dormant else "active",
        "dormant_since": dormant,
    }


def chapters(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.CHAPTERS, list(rows))


def expense(day: date, amount: int, category: str = "program", chapter: int | None = None) -> dict[str, Any]:
    return {"spent_on": day, "reporting_amount_minor": amount, "category": category, "chapter_id": chapter}


def expenses(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.EXPENSES, list(rows))


def balance(day: date, cash: int, reserves: int, net_assets: int) -> dict[str, Any]:
    return {
        "as_of": day,
        "cash_minor": cash,
        "unrestricted_reserves_minor": reserves,
        "net_assets_minor": net_assets,
    }


def balances(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.BALANCE_SNAPSHOTS, list(rows))


def teq_items(total: int) -> dict[str, int]:
    """Sixteen answers whose TEQ score is `total` (0–64): items are filled
    in order, each contributing up to 4 (a reversed item contributes 4 − x)."""
    assert 0 <= total <= 64
    out: dict[str, int] = {}
    rest = total
    for i in range(1, 17):
        v = min(4, rest)
        rest -= v
        out[f"q{i:02d}"] = 4 - v if i in TEQ_REVERSED else v
    return out


def response(
    code: str,
    wave: str,
    total: int,
    *,
    program: int | None = 1,
    day: date = date(2024, 3, 1),
    practice: str | None = None,
    chapter: int = 1,
    event: int | None = None,
) -> dict[str, Any]:
    return {
        "respondent_code": code,
        "chapter_id": chapter,
        "program_id": program,
        "event_id": event,
        "wave": wave,
        "answered_on": day,
        **teq_items(total),
        "practice": practice,
    }


def responses(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.SURVEY_RESPONSES, list(rows))


def goal(
    id: int,
    metric: str,
    target: float,
    *,
    baseline: float | None = None,
    due: date = date(2024, 12, 31),
    created: date = date(2024, 1, 1),
    chapter: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name or metric,
        "metric": metric,
        "target_value": target,
        "baseline_value": baseline,
        "due_on": due,
        "chapter_id": chapter,
        "created_on": created,
    }


def goals(*rows: dict[str, Any]) -> pl.DataFrame:
    return S.rows(S.GOALS, list(rows))


def same_frame(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    """The same rows, columns and types; floats equal to 1e-12 relative.

    Two ways to a figure may round its last bit differently: polars divides
    by a column holding one repeated value through the reciprocal
    (pola-rs/polars#23741)."""
    assert_frame_equal(got, expected, rel_tol=1e-12, abs_tol=1e-12)
