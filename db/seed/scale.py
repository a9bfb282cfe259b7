"""How big each demo movement is. The generator aims at these numbers; the
rows it makes land near them (they are drawn, not counted out)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    years: int  # of history before the end date
    nationals: int
    regions_per_national: int
    locals: int
    members: int
    volunteer_share: float
    hours: int  # volunteer_hours rows
    donors: int
    events: int  # past and upcoming
    programs: int
    surveyed: int  # people answering a pre-survey
    attendance_per_event: float  # members checked in at an ordinary event


SIZES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny",
        years=4,
        nationals=1,
        regions_per_national=2,
        locals=3,
        members=60,
        volunteer_share=0.45,
        hours=400,
        donors=40,
        events=30,
        programs=7,
        surveyed=24,
        attendance_per_event=6,
    ),
    "small": Scale(
        name="small",
        years=6,
        nationals=2,
        regions_per_national=2,
        locals=14,
        members=1_500,
        volunteer_share=0.35,
        hours=40_000,
        donors=2_500,
        events=600,
        programs=30,
        surveyed=600,
        attendance_per_event=12,
    ),
    "medium": Scale(
        name="medium",
        years=6,
        nationals=5,
        regions_per_national=4,
        locals=140,
        members=15_000,
        volunteer_share=0.35,
        hours=400_000,
        donors=25_000,
        events=6_000,
        programs=250,
        surveyed=6_000,
        attendance_per_event=12,
    ),
    "national": Scale(
        name="national",
        years=6,
        nationals=12,
        regions_per_national=7,
        locals=2_400,
        members=1_000_000,
        volunteer_share=0.3,
        hours=10_000_000,
        donors=770_000,
        events=200_000,
        programs=3_000,
        surveyed=200_000,
        attendance_per_event=14,
    ),
}


def get_scale(size: str) -> Scale:
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown size {size!r}: choose one of {', '.join(SIZES)}") from None
