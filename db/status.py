"""Row counts of every table, as the person asking may see them."""

from __future__ import annotations

import polars as pl

from db.arrow import read_frame
from db.identity import Identity

TABLES = (
    "chapters",
    "members",
    "roles",
    "programs",
    "partners",
    "program_partners",
    "events",
    "attendance",
    "shifts",
    "shift_signups",
    "volunteer_hours",
    "donors",
    "campaigns",
    "exchange_rates",
    "donations",
    "expenses",
    "balance_snapshots",
    "survey_responses",
    "goals",
    "audit_log",
)


def table_counts(identity: Identity) -> pl.DataFrame:
    """One row per table: how many rows this person can see (RLS applies)."""
    sql = " union all ".join(
        f"select '{t}'::text as table_name, count(*)::bigint as visible_rows from public.{t}" for t in TABLES
    )
    return read_frame(identity, sql, schema={"table_name": pl.String, "visible_rows": pl.Int64})
