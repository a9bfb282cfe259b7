"""Goals: the movement's measurable targets. Everyone signed in reads
them; admins (and the board) set movement goals, coordinators their
chapters'. Current progress is not stored: metrics.goal_metrics computes it
from the metric each goal names."""

from __future__ import annotations

import polars as pl

from db.arrow import read_frame
from db.identity import Identity
from db.writes import delete_by_id, insert_as, update_as
from models.goals import GoalIn

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


# Who may set a goal depends on its scope; a refusal says which.
_MOVEMENT_GOALS = "only admins and the board set movement-wide goals"
_CHAPTER_GOALS = "you can set goals only for chapters you coordinate"


def create_goal(identity: Identity, goal: GoalIn, *, uri: str | None = None) -> int:
    """Sets a goal; returns its id."""
    refusal = _MOVEMENT_GOALS if goal.chapter_id is None else _CHAPTER_GOALS
    return insert_as(identity, "goals", goal.model_dump(), refusal=refusal, uri=uri)


def update_goal(identity: Identity, goal_id: int, goal: GoalIn, *, uri: str | None = None) -> None:
    """Changes a goal's name, target, starting point, due date or scope."""
    refusal = "you can change only your chapters' goals"
    update_as(identity, "goals", goal_id, goal.model_dump(), refusal=refusal, uri=uri)


def delete_goal(identity: Identity, goal_id: int, *, uri: str | None = None) -> None:
    """Removes a goal."""
    delete_by_id(identity, "goals", goal_id, refusal="you can remove only your chapters' goals", uri=uri)
