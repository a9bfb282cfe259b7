"""Goals: a target for a metric the app computes, with a due date and a
scope (the whole movement or one chapter with the chapters below it)."""

from __future__ import annotations

import math
import re
from datetime import date

from pydantic import Field, field_validator, model_validator

from models.chapters import FormModel, register_titles

_METRIC_KEY = re.compile(r"^[a-z][a-z0-9_.]{1,100}$")


@register_titles
class GoalIn(FormModel):
    """A goal to set. `metric` names an entry of metrics.goal_metrics."""

    name: str = Field(min_length=1, max_length=200, title="Goal")
    metric: str = Field(title="Measured by")
    target_value: float = Field(title="Target")
    baseline_value: float | None = Field(default=None, title="Starting point")
    due_on: date = Field(title="Due")
    chapter_id: int | None = Field(default=None, title="Scope")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        from metrics.goal_metrics import canonical

        key = canonical(v) if _METRIC_KEY.match(v) else None
        if key is None:
            raise ValueError("choose one of the metrics the app computes")
        return key

    @field_validator("target_value", "baseline_value")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("give a number")
        return v

    @model_validator(mode="after")
    def _fits_metric(self) -> GoalIn:
        from metrics.goal_metrics import check_value

        for value in (self.target_value, self.baseline_value):
            problem = None if value is None else check_value(self.metric, value)
            if problem is not None:
                raise ValueError(problem)
        if self.baseline_value is not None and self.baseline_value == self.target_value:
            raise ValueError("the target must differ from the starting point")
        return self

    @field_validator("due_on")
    @classmethod
    def _plausible_due(cls, v: date) -> date:
        if v < date(2000, 1, 1) or v > date(2100, 1, 1):
            raise ValueError("please give a due date this century")
        return v
