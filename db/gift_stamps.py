"""When the gifts last changed (migration 20261207180000), and from when a
figure computed from them is current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from db.identity import Identity
from db.rows import read_one

# A transaction that began before a figure's rows were read and committed
# after them stamps a time before that read: a figure counts as current
# only when computed this long after the last change.
SETTLE = timedelta(minutes=5)


@dataclass(frozen=True)
class GiftState:
    """The last change to gifts, refunds, donors, campaigns or the
    movement's settings (any statement, committed or in flight), the
    database's time now, and the scope the database gives the person
    (`app.report_scope`): what a page needs to find kept gift figures, in
    one round trip."""

    changed_at: datetime
    now: datetime
    scope: str


def gift_state(identity: Identity) -> GiftState:
    row = read_one(
        identity,
        "select app.gifts_changed_at() as at, statement_timestamp() as now, app.report_scope() as scope",
    )
    assert row is not None
    return GiftState(row["at"], row["now"], str(row["scope"]))


def gifts_changed_at(identity: Identity) -> tuple[datetime, datetime]:
    """The last change to the gifts and the database's time now."""
    state = gift_state(identity)
    return state.changed_at, state.now


def current_since(changed_at: datetime) -> datetime:
    """The earliest computing time of a figure that includes every gift
    change up to `changed_at`."""
    return changed_at + SETTLE
