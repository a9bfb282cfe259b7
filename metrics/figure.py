"""The result of one number: a value, or the reason there is none.

A figure whose definition does not apply (retention with no donors last
year, runway with no burn) is *undefined*, with a sentence a board member
understands. It is never 0, which would read as "we lost everyone", and
never an exception, which would blank a whole dashboard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """A number with its unit, or ``None`` with the reason it is undefined.

    ``unbounded`` marks an undefined figure whose true value is infinite
    (runway when cash in covers cash out): the health score treats it as
    at its cap, the dashboard shows "∞" beside the reason.

    Examples
    --------
    >>> Figure.of(0.5, "ratio").value
    0.5
    >>> Figure.ratio(1, 0, "ratio", "no donors gave last year").reason
    'no donors gave last year'
    """

    value: float | None
    unit: str = ""
    reason: str | None = None
    unbounded: bool = False

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a figure has either a value or a reason, not both or neither")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError("a figure's value must be finite; use an undefined figure with a reason")

    @classmethod
    def of(cls, value: float, unit: str = "") -> Figure:
        if not math.isfinite(value):
            raise ValueError("a figure's value must be finite")
        return cls(value=float(value), unit=unit)

    @classmethod
    def undefined(cls, reason: str, unit: str = "", *, unbounded: bool = False) -> Figure:
        return cls(value=None, unit=unit, reason=reason, unbounded=unbounded)

    @classmethod
    def ratio(cls, numerator: float, denominator: float, unit: str, reason_if_zero: str) -> Figure:
        """``numerator / denominator``, undefined with `reason_if_zero` when
        the denominator is 0."""
        if denominator == 0:
            return cls.undefined(reason_if_zero, unit)
        return cls.of(numerator / denominator, unit)

    @property
    def defined(self) -> bool:
        return self.value is not None

    def map(self, fn: Any, unit: str | None = None) -> Figure:
        """Apply `fn` to a defined value; an undefined figure passes through."""
        if self.value is None:
            return Figure(None, unit if unit is not None else self.unit, self.reason, self.unbounded)
        return Figure.of(float(fn(self.value)), unit if unit is not None else self.unit)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "unit": self.unit}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.unbounded:
            out["unbounded"] = True
        return out


def jsonable(obj: Any) -> Any:
    """`obj` as plain JSON types: figures, dataclasses, dates, frames (as
    lists of row objects) and non-finite floats (as null) included."""
    import dataclasses
    from datetime import date, datetime

    import polars as pl

    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Figure):
        return obj.to_dict()
    form = getattr(obj, "json_form", None)
    if callable(form):
        return jsonable(form())
    if callable(getattr(obj, "model_dump", None)):
        return jsonable(obj.model_dump())
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, pl.DataFrame):
        return [jsonable(row) for row in obj.iter_rows(named=True)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    raise TypeError(f"cannot express {type(obj).__name__} as JSON")
