"""The Impact page's forest of program changes stays readable at national
scale: the movement and the programs with the most paired answers are
drawn, every program stays in the table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from components.dashboard import impact as v
from db.report_frames import load_report_frames
from metrics.periods import Period
from metrics.report import health_report


def test_a_forest_of_many_programs_draws_the_largest_and_tables_them_all(demo_db: str) -> None:
    frames = load_report_frames(None, uri=demo_db)
    report = health_report(frames, as_of=date.today(), period=Period.calendar_year(date.today().year))
    overall = report.impact.overall
    assert overall.n >= 5, "the demo has paired answers"
    many = [replace(overall, program_id=1000 + i, n=overall.n + i) for i in range(v.MAX_DRAWN_PROGRAMS + 10)]
    names = {c.program_id: f"Program {c.program_id}" for c in many}
    wide = replace(report, impact=replace(report.impact, by_program=many, program_names=names))

    view = v.effects_view(wide)
    assert view.fig is not None and view.table is not None
    drawn = list(view.fig.data[0].y)
    assert len(drawn) == v.MAX_DRAWN_PROGRAMS + 1
    assert any(label.startswith("All programs") for label in drawn)
    # The largest by paired answers: the ten smallest are left to the table.
    assert not any(label.startswith(f"Program {1000 + i} ") for i in range(10) for label in drawn)
    assert view.table.height == len(many) + 1
    assert "the other 10 are in the table below" in (view.caption or "")

    few = replace(report, impact=replace(report.impact, by_program=many[:3], program_names=names))
    assert "in the table below" not in (v.effects_view(few).caption or "")
