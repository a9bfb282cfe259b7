"""When the gifts last changed (migration 20261207180000), and from when a
figure computed from them is current."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.identity import Identity
from db.rows import read_one

# A transaction that began before a figure's rows were read and committed
# after them stamps a time before that read: a figure counts as current
# only when computed this long after the last change.
SETTLE = timedelta(minutes=5)


def gifts_changed_at(identity: Identity) -> tuple[datetime, datetime]:
    """The last change to gifts, refunds, donors, campaigns or the
    movement's settings (any statement, committed or in flight), and the
    database's time now."""
    row = read_one(identity, "select app.gifts_changed_at() as at, statement_timestamp() as now")
    assert row is not None
    return row["at"], row["now"]


def current_since(changed_at: datetime) -> datetime:
    """The earliest computing time of a figure that includes every gift
    change up to `changed_at`."""
    return changed_at + SETTLE
