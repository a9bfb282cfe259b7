"""Goals: the movement's measurable targets. Everyone signed in reads
them; admins (and the board) set movement goals, coordinators their
chapters'. Current progress is not stored: metrics.goal_metrics computes it
from the metric each goal names."""

from __future__ import annotations

import polars as pl

from db.arrow import read_frame
from db.connection import transaction
from db.errors import NotAllowedError
from db.identity import Identity
from db.models.goals import GoalIn
from db.rows import fetch_one

GOAL_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Int64,
    "name": pl.String,
    "metric": pl.String,
    "target_value": pl.Float64,
    "baseline_value": pl.Float64,
    "due_on": pl.Date,
    "chapter_id": pl.Int64,
    "chapter_name": pl.String,
    "created_on": pl.Date,
    "can_edit": pl.Boolean,
}


def list_goals(identity: Identity, *, uri: str | None = None) -> pl.DataFrame:
    """Every goal by due date, with whether this person may change it."""
    sql = """
    select g.id, g.name, g.metric, g.target_value, g.baseline_value, g.due_on, g.chapter_id,
           c.name as chapter_name, (g.created_at at time zone 'UTC')::date as created_on,
           (select app.has_role('admin')) or (select app.has_role('board'))
             or coalesce(g.chapter_id in (select app.coordinated_chapters()), false) as can_edit
      from public.goals g left join public.chapters c on c.id = g.chapter_id
     order by g.due_on, g.id
    """
    return read_frame(identity, sql, schema=GOAL_SCHEMA, uri=uri)


def create_goal(identity: Identity, goal: GoalIn, *, uri: str | None = None) -> int:
    """Sets a goal; returns its id."""
    try:
        with transaction(identity, uri) as conn:
            row = fetch_one(
                conn,
                """
                insert into public.goals (name, metric, target_value, baseline_value, due_on, chapter_id)
                values (%s, %s, %s, %s, %s, %s) returning id
                """,
                (
                    goal.name,
                    goal.metric,
                    goal.target_value,
                    goal.baseline_value,
                    goal.due_on,
                    goal.chapter_id,
                ),
            )
    except NotAllowedError as exc:
        raise NotAllowedError(
            "only admins and the board set movement-wide goals"
            if goal.chapter_id is None
            else "you can set goals only for chapters you coordinate"
        ) from exc
    assert row is not None
    return int(row["id"])


def update_goal(identity: Identity, goal_id: int, goal: GoalIn, *, uri: str | None = None) -> None:
    """Changes a goal's name, target, starting point, due date or scope."""
    try:
        with transaction(identity, uri) as conn:
            cur = conn.execute(
                """
                update public.goals
                   set name = %s, metric = %s, target_value = %s, baseline_value = %s, due_on = %s,
                       chapter_id = %s
                 where id = %s
                """,
                (
                    goal.name,
                    goal.metric,
                    goal.target_value,
                    goal.baseline_value,
                    goal.due_on,
                    goal.chapter_id,
                    goal_id,
                ),
            )
            if cur.rowcount != 1:
                raise NotAllowedError("you can change only your chapters' goals")
    except NotAllowedError as exc:
        raise NotAllowedError("you can change only your chapters' goals") from exc


def delete_goal(identity: Identity, goal_id: int, *, uri: str | None = None) -> None:
    """Removes a goal."""
    with transaction(identity, uri) as conn:
        cur = conn.execute("delete from public.goals where id = %s", (goal_id,))
        if cur.rowcount != 1:
            raise NotAllowedError("you can remove only your chapters' goals")
