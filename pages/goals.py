"""Goals: the movement's measurable targets, each naming a metric the app
computes, with a target, a due date and a scope (the movement or a chapter).
Current progress comes from the metric itself, through the health report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError

import money
from components import dates
from components.feedback import finish, show_errors, show_flash
from components.report_cache import load_frames, refresh
from components.session import local_today, require_role
from components.text import plain
from db.chapters import chapter_labels, list_chapters
from db.errors import InvalidDataError, NotAllowedError
from db.goals import create_goal, delete_goal, list_goals
from metrics.goal_metrics import GOAL_METRICS, canonical, format_value, goal_period
from metrics.goal_progress import goals_progress
from metrics.impact import GoalProgress
from metrics.schemas import ReportFrames
from models.goals import GoalIn

FLASH = "goals_flash"
STATUS = {
    "achieved": ("Achieved", ":material/emoji_events:", "green"),
    "on track": ("On track", ":material/trending_up:", "blue"),
    "behind": ("Behind", ":material/trending_down:", "orange"),
    "overdue": ("Overdue", ":material/schedule:", "red"),
    "unknown": ("No figure", ":material/help:", "gray"),
}

user = require_role("coordinator", "admin", "board")
manage = user.has("coordinator", "admin")
st.title("Goals")
show_flash(FLASH)


def done(message: str, *clear: str) -> None:
    # Every scope's frames hold the goals (everyone reads them): all again.
    refresh()
    finish(FLASH, message, *clear)


@st.cache_data(ttl=600, max_entries=64, show_spinner="Computing progress…")
def progress_of(
    scope: str, loaded_at: float, as_of: date, scopes: frozenset[int | None] | None, _frames: ReportFrames
) -> dict[int, GoalProgress]:
    return goals_progress(_frames, as_of=as_of, complete_scopes=scopes)


today = local_today()
chapters = list_chapters(user.identity)
labels = chapter_labels(chapters)
names = {int(r["id"]): str(r["name"]) for r in chapters.iter_rows(named=True)}
mine = chapters.filter(pl.col("can_edit"))["id"].to_list()
goals = list_goals(user.identity)
loaded = load_frames(user.identity)
settings = loaded.frames.settings
fy_start = int(settings["fiscal_year_start_month"][0]) if settings.height else 1
currency = str(settings["reporting_currency"][0]) if settings.height else "USD"
# The board and admins read the whole movement; a coordinator's figures are
# complete only for their own chapters.
scopes: frozenset[int | None] | None = None if user.has("board", "admin") else frozenset(mine)
progress = progress_of(loaded.scope, loaded.loaded_at, today, scopes, loaded.frames)
period = goal_period(today, fy_start)

st.caption(
    f"Counts over time (events, hours, funds) run over the fiscal year to date ({period.label()}); "
    "everything else is taken today. Progress = (now − starting point) / (target − starting point)."
)
if st.button("Refresh figures", key="goals_refresh", icon=":material/refresh:", type="tertiary"):
    refresh(loaded.scope, identity=user.identity)
    st.rerun()


def scope_label(chapter_id: int | None) -> str:
    return "The whole movement" if chapter_id is None else f"{names.get(chapter_id, '?')} and below"


def show_goal(g: dict[str, Any]) -> None:
    metric = str(g["metric"])
    spec = GOAL_METRICS.get(canonical(metric) or "")
    p = progress.get(int(g["id"]))
    with st.container(border=True):
        top, badge = st.columns([5, 2], vertical_alignment="center")
        top.markdown(
            f"**{plain(g['name'])}**  \n{plain(scope_label(g['chapter_id']))} · "
            f"due {dates.day(g['due_on'], today)}"
        )
        if p is None:
            badge.badge("Refresh to compute", icon=":material/refresh:", color="gray")
            return
        label, icon, colour = STATUS[p.status]
        badge.badge(label, icon=icon, color=colour)  # type: ignore[arg-type]

        def shown(value: float | None) -> str:
            return format_value(metric, value, currency)

        now, target = shown(p.current.value), shown(p.target)
        start = f" (from {shown(p.baseline)})" if g["baseline_value"] is not None else ""
        st.markdown(f"{spec.label if spec else metric}: **{now}** of **{target}**{start}")
        if p.progress.value is not None:
            st.progress(
                min(1.0, max(0.0, p.progress.value)),
                text=f"{p.progress.value:.0%} of the way"
                + (
                    f" · {p.time_elapsed.value:.0%} of the time gone"
                    if p.time_elapsed.value is not None
                    else ""
                ),
            )
        else:
            st.caption(f"No current figure: {p.current.reason or p.progress.reason}.")


if goals.is_empty():
    st.info("No goals yet." + (" Set the first one below." if manage else ""))
else:
    # A coordinator's figures are complete only for their own chapters; the
    # other goals are listed for reference, without a misleading number.
    in_view = goals if scopes is None else goals.filter(pl.col("chapter_id").is_in(list(mine)))
    beyond = goals.filter(~pl.col("id").is_in(in_view["id"].to_list()))
    counts = pl.Series(
        [progress[g].status if g in progress else "unknown" for g in in_view["id"].to_list()], dtype=pl.String
    )
    cols = st.columns(4)
    for col, status in zip(cols, ("achieved", "on track", "behind", "overdue"), strict=True):
        col.metric(STATUS[status][0], int((counts == status).sum()))
    if in_view.is_empty():
        st.info("No goals are set for your chapters yet.")
    upcoming = in_view.filter(pl.col("due_on") >= today - timedelta(days=90))
    past = in_view.filter(pl.col("due_on") < today - timedelta(days=90))
    for g in upcoming.iter_rows(named=True):
        show_goal(g)
    if past.height:
        with st.expander(f"Goals due more than three months ago ({past.height})"):
            for g in past.iter_rows(named=True):
                show_goal(g)
    if beyond.height:
        st.subheader("The movement's other goals")
        st.caption(
            "Their figures cover chapters beyond yours, which you cannot see in full: the board and "
            "admins follow their progress."
        )
        st.dataframe(
            beyond.select(
                pl.col("name").alias("Goal"),
                pl.col("chapter_name").fill_null("The whole movement").alias("Scope"),
                pl.col("metric")
                .map_elements(
                    lambda m: GOAL_METRICS[canonical(m) or ""].label if canonical(m) else m, pl.String
                )
                .alias("Measured by"),
                pl.struct("metric", "target_value")
                .map_elements(lambda r: format_value(r["metric"], r["target_value"], currency), pl.String)
                .alias("Target"),
                dates.day_expr("due_on", today).alias("Due"),
            ),
            hide_index=True,
            width="stretch",
            key="goals_beyond",
        )

if manage:
    st.divider()
    tab_new, tab_remove = st.tabs(["Set a goal", "Remove a goal"])
    with tab_new:
        keys = list(GOAL_METRICS)
        metric = st.selectbox(
            "Measured by",
            keys,
            format_func=lambda k: f"{GOAL_METRICS[k].family}: {GOAL_METRICS[k].label}",
            key="goal_metric",
        )
        spec = GOAL_METRICS[metric]
        st.caption(
            f"{spec.description[0].upper()}{spec.description[1:]}; "
            + ("taken on the day." if spec.measured == "at" else "counted over the fiscal year to date.")
        )
        scope_options: list[int | None] = ([None] if user.has("admin") else []) + mine
        unit_hint = {
            "share": " (%)",
            "money": f" ({currency})",
            "points": " (TEQ points)",
            "months": " (months)",
            "score": " (−100 … 100)",
            "effect": " (d_z)",
        }.get(spec.unit, "")
        with st.form("new_goal"):
            name = st.text_input(
                "Goal",
                key="goal_name",
                max_chars=200,
                placeholder="e.g. Half of participants practise weekly",
            )
            c1, c2, c3 = st.columns(3)
            target = c1.number_input(f"Target{unit_hint}", value=None, step=1.0, key="goal_target")
            baseline = c2.number_input(
                f"Starting point{unit_hint} (optional)", value=None, step=1.0, key="goal_baseline"
            )
            due = c3.date_input(
                "Due",
                value=date(today.year, 12, 31),
                min_value=today,
                key="goal_due",
                format=dates.input_format(),
            )
            scope = st.selectbox(
                "Scope",
                scope_options,
                format_func=lambda c: "The whole movement" if c is None else labels[c].lstrip("· "),
                key="goal_scope",
            )
            if st.form_submit_button("Set the goal", type="primary", key="goal_submit"):

                def stored(value: float | None) -> float | None:
                    if value is None:
                        return None
                    if spec.unit == "share":
                        return value / 100.0
                    if spec.unit == "money":
                        return float(money.rounded_minor(value, currency))
                    return float(value)

                try:
                    if target is None:
                        raise InvalidDataError("give the target")
                    goal = GoalIn(
                        name=name,
                        metric=metric,
                        target_value=float(stored(target) or 0.0),
                        baseline_value=stored(baseline),
                        due_on=due,
                        chapter_id=scope,
                    )
                    create_goal(user.identity, goal)
                except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"The goal “{goal.name}” is set.", "goal_name", "goal_target", "goal_baseline")
    with tab_remove:
        removable = goals.filter(pl.col("can_edit"))
        if removable.is_empty():
            st.info("There is no goal you can remove.")
        else:
            rows = {int(r["id"]): r for r in removable.iter_rows(named=True)}
            gone = st.selectbox(
                "Goal",
                list(rows),
                format_func=lambda i: f"{rows[i]['name']} — {scope_label(rows[i]['chapter_id'])}",
                key="goal_remove",
            )
            sure = st.checkbox("Yes, remove this goal", key="goal_remove_sure")
            if st.button("Remove", disabled=not sure, key="goal_remove_submit") and gone is not None:
                try:
                    delete_goal(user.identity, gone)
                except (InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"The goal “{rows[gone]['name']}” is removed.", "goal_remove_sure")
