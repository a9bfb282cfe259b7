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


# One size a row, in the order of Scale's fields: name, years, nationals,
# regions per national, locals, members, volunteer share, hours, donors,
# events, programs, surveyed, attendance per event.
_SIZES = (
    ("tiny",     4, 1,  2, 3,     60,        0.45, 400,        40,      30,      7,     24,      6),
    ("small",    6, 2,  2, 14,    1_500,     0.35, 40_000,     2_500,   600,     30,    600,     12),
    ("medium",   6, 5,  4, 140,   15_000,    0.35, 400_000,    25_000,  6_000,   250,   6_000,   12),
    ("national", 6, 12, 7, 2_400, 1_000_000, 0.3,  10_000_000, 770_000, 200_000, 3_000, 200_000, 14),
)  # fmt: skip

SIZES: dict[str, Scale] = {row[0]: Scale(*row) for row in _SIZES}


def get_scale(size: str) -> Scale:
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown size {size!r}: choose one of {', '.join(SIZES)}") from None
