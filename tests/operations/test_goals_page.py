"""Goals through db.goals and the page: who may set them, the form's
errors, and progress read from the metric."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

import dates
from components.report_cache import refresh
from db.config import PROJECT_ROOT
from db.errors import NotAllowedError
from db.goals import create_goal, list_goals
from models.goals import GoalIn
from tests.operations.conftest import Movement

PAGE = str(PROJECT_ROOT / "pages" / "goals.py")
DUE = date(date.today().year + 1, 6, 30)


def _page(movement: Movement, who: str = "coordinator") -> AppTest:
    refresh()  # the frames cache is per process: start from this test's database
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["signed_in"] = getattr(movement, who)
    return at.run()


def test_who_may_set_goals(movement: Movement) -> None:
    movement_goal = GoalIn(name="Ten chapters", metric="momentum.chapters", target_value=10, due_on=DUE)
    with pytest.raises(NotAllowedError, match="movement-wide"):
        create_goal(movement.coordinator.identity, movement_goal)
    with pytest.raises(NotAllowedError, match="chapters you coordinate"):
        create_goal(
            movement.coordinator.identity, movement_goal.model_copy(update={"chapter_id": movement.quebec})
        )
    create_goal(
        movement.coordinator.identity, movement_goal.model_copy(update={"chapter_id": movement.ontario})
    )
    create_goal(movement.admin.identity, movement_goal)
    assert list_goals(movement.volunteer.identity).height == 2
    assert list_goals(movement.coordinator.identity)["can_edit"].to_list() == [True, False]


def test_goal_model_checks_the_metrics_unit() -> None:
    with pytest.raises(ValueError, match="choose one of the metrics"):
        GoalIn(name="x", metric="happiness", target_value=1, due_on=DUE)
    # Short names are stored under the family-prefixed key.
    assert GoalIn(name="x", metric="active_chapters", target_value=3, due_on=DUE).metric == (
        "momentum.active_chapters"
    )
    with pytest.raises(ValueError, match="between 0% and 100%"):
        GoalIn(name="x", metric="impact.practice_rate", target_value=50, due_on=DUE)
    with pytest.raises(ValueError, match="whole number"):
        GoalIn(name="x", metric="momentum.members", target_value=10.5, due_on=DUE)


def test_coordinator_sets_a_goal_and_sees_its_progress(movement: Movement) -> None:
    at = _page(movement)
    assert not at.exception
    assert at.info[0].value.startswith("No goals yet.")
    # A coordinator may not choose the whole movement.
    assert at.selectbox(key="goal_scope").options == [
        "Ontario — regional",
        "Ottawa — local",
        "Toronto — local",
    ]
    at.selectbox(key="goal_metric").set_value("momentum.members").run()
    at.text_input(key="goal_name").set_value("Grow Ontario")
    at.button(key="goal_submit").click().run()
    assert [e.value for e in at.error] == ["Give the target"]
    at.number_input(key="goal_target").set_value(4.5)
    at.button(key="goal_submit").click().run()
    assert [e.value for e in at.error] == ["This is a whole number, 0 or more."]
    at.number_input(key="goal_target").set_value(4)
    at.selectbox(key="goal_scope").set_value(movement.ontario)
    at.button(key="goal_submit").click().run()
    assert [s.value for s in at.success] == ["The goal “Grow Ontario” is set."]
    # Ontario has two members (the coordinator and the volunteer, in Toronto): 2 of 4.
    texts = [m.value for m in at.markdown]
    assert "Members: **2** of **4**" in texts
    assert at.get("progress")[0].proto.text.startswith("50% of the way")


def test_share_goals_are_entered_in_percent(movement: Movement) -> None:
    at = _page(movement, "admin")
    at.selectbox(key="goal_metric").set_value("impact.practice_rate").run()
    at.text_input(key="goal_name").set_value("Half practise weekly")
    at.number_input(key="goal_target").set_value(50)
    at.number_input(key="goal_baseline").set_value(20)
    at.button(key="goal_submit").click().run()
    assert not at.error
    row = list_goals(movement.admin.identity).row(0, named=True)
    assert (row["metric"], row["target_value"], row["baseline_value"], row["chapter_id"]) == (
        "impact.practice_rate",
        0.5,
        0.2,
        None,
    )
    # Nobody has answered the practice question: no figure, with the reason.
    assert any("nobody answered the practice question" in c.value for c in at.caption)


def test_board_reads_goals_without_the_forms(movement: Movement) -> None:
    create_goal(
        movement.admin.identity,
        GoalIn(name="Ten chapters", metric="momentum.chapters", target_value=10, due_on=DUE),
    )
    at = _page(movement, "board")
    assert not at.exception
    assert "Open chapters: **7** of **10**" in [m.value for m in at.markdown]
    assert all(b.key != "goal_submit" for b in at.button)


def test_coordinator_does_not_get_partial_movement_figures(movement: Movement) -> None:
    create_goal(
        movement.admin.identity,
        GoalIn(name="Ten chapters", metric="momentum.chapters", target_value=10, due_on=DUE),
    )
    at = _page(movement)
    assert any("the board and admins follow their progress" in c.value for c in at.caption)
    assert at.dataframe[0].value.to_dict("records") == [
        {
            "Goal": "Ten chapters",
            "Scope": "The whole movement",
            "Measured by": "Open chapters",
            "Target": "10",
            "Due": dates.day(DUE, date.today()),
        }
    ]


def test_remove_a_goal(movement: Movement) -> None:
    mine = GoalIn(name="Grow Ontario", metric="momentum.members", target_value=4, due_on=DUE)
    create_goal(movement.coordinator.identity, mine.model_copy(update={"chapter_id": movement.ontario}))
    create_goal(
        movement.admin.identity,
        GoalIn(name="Ten chapters", metric="momentum.chapters", target_value=10, due_on=DUE),
    )
    at = _page(movement)
    # Only the coordinator's own goal can be removed by them.
    assert at.selectbox(key="goal_remove").options == ["Grow Ontario — Ontario and below"]
    assert at.button(key="goal_remove_submit").disabled
    at.checkbox(key="goal_remove_sure").check().run()
    at.button(key="goal_remove_submit").click().run()
    assert [s.value for s in at.success] == ["The goal “Grow Ontario” is removed."]
    assert list_goals(movement.admin.identity)["name"].to_list() == ["Ten chapters"]
