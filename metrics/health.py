"""The health score: one explainable composite of sustainability, momentum
and impact, always shown with each component's contribution.

Formula (METRICS.md; the form of the OpenSSF criticality score, Rob Pike's
algorithm):

    S = Σᵢ αᵢ · log(1 + xᵢ) / log(1 + max(xᵢ, Tᵢ)) / Σᵢ |αᵢ|

over the components whose value is defined; xᵢ ≥ 0 is the component's
value on its own scale (negative values count as 0), αᵢ its weight
(negative for a bad signal such as churn) and Tᵢ its cap: at or above the
cap a component gives its full weight. S lies in [−1, 1]; the report shows
it × 100 with every component's contribution αᵢ·fᵢ / Σ|αᵢ| × 100, so the
points add up to the score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from metrics.figure import Figure


@dataclass(frozen=True)
class Component:
    """One component's configuration: weight α, cap T, and the factor that
    puts its figure on its scale (e.g. 100 to read a ratio as percent)."""

    label: str
    weight: float
    cap: float
    scale: float = 1.0
    description: str = ""

    def __post_init__(self) -> None:
        if self.cap <= 0:
            raise ValueError(f"{self.label}: the cap must be positive")


DEFAULT_COMPONENTS: dict[str, Component] = {
    "active_ratio": Component(
        "Active members", 1.0, 50.0, 100.0, "% of members active in the window; cap 50 %"
    ),
    "member_growth": Component("Member growth", 1.0, 20.0, 100.0, "annualised % growth; cap 20 %"),
    "member_churn": Component("Member churn", -1.0, 20.0, 100.0, "annualised % of members leaving; cap 20 %"),
    "donor_retention": Component(
        "Donor retention", 1.0, 60.0, 100.0, "% of last year's donors giving again; cap 60 %"
    ),
    "recurring_share": Component(
        "Recurring gifts", 0.5, 40.0, 100.0, "% of funds from recurring gifts; cap 40 %"
    ),
    "donor_concentration": Component(
        "Donor concentration",
        -1.0,
        18.0,
        0.01,
        "HHI over donors in hundreds; cap 18 (= 1,800, highly concentrated)",
    ),
    "runway_months": Component(
        "Runway", 1.0, 12.0, 1.0, "months of runway; cap 12; unlimited counts as the cap"
    ),
    "reserve_months": Component("Operating reserve", 1.0, 6.0, 1.0, "months of reserve; cap 6"),
    "volunteer_retention": Component(
        "Volunteer retention", 1.0, 65.0, 100.0, "% of last year's volunteers active again; cap 65 %"
    ),
    "volunteer_dropouts": Component(
        "Sustained volunteers lost",
        -1.0,
        10.0,
        100.0,
        "% of volunteers who were sustained and stopped; cap 10 %",
    ),
    "practice_rate": Component(
        "Practising empathy", 1.0, 50.0, 100.0, "% practising weekly or more; cap 50 %"
    ),
    "empathy_change": Component("Empathy change", 1.0, 63.0, 100.0, "paired d_z × 100; cap 63 (g = 0.63)"),
}


@dataclass(frozen=True)
class ScoreComponent:
    """One component in the score: its figure, the normalised value fᵢ and
    its contribution in points (or the reason it is not scored)."""

    key: str
    label: str
    figure: Figure
    x: float | None
    weight: float
    cap: float
    normalised: float | None
    contribution: float | None
    description: str


@dataclass(frozen=True)
class HealthScore:
    """The score (−100 … 100, undefined when no component is defined) and
    its components, contributions summing to the score."""

    score: Figure
    components: list[ScoreComponent]
    not_scored: list[str] = field(default_factory=list)


def normalised(x: float, cap: float) -> float:
    """log(1 + x) / log(1 + max(x, cap)), x clamped at 0; in [0, 1].

    Example: x = 25, cap = 50 → log 26 / log 51 ≈ 0.829."""
    x = max(0.0, x)
    return math.log1p(x) / math.log1p(max(x, cap))


def health_score(
    figures: Mapping[str, Figure], components: Mapping[str, Component] | None = None
) -> HealthScore:
    """Combine `figures` (by component key) into the health score.

    An undefined figure is left out of both sums and listed with its reason;
    an *unbounded* one (runway with no burn) counts as at its cap.

    Example with two components, active ratio 0.25 (α = 1, cap 50 %) and
    churn 0.10 (α = −1, cap 20 %): f₁ = log 26 / log 51 = 0.8287,
    f₂ = log 11 / log 21 = 0.7876 → S = (0.8287 − 0.7876) / 2 = 0.0205,
    shown as 2.1 points: +41.4 and −39.4.
    """
    comps = components or DEFAULT_COMPONENTS
    missing = Figure.undefined("not computed for this scope")
    values: dict[str, tuple[float, float]] = {}  # key -> (x, f)
    for key, comp in comps.items():
        fig = figures.get(key, missing)
        if fig.value is not None or fig.unbounded:
            x = comp.cap if fig.value is None else fig.value * comp.scale
            values[key] = (x, normalised(x, comp.cap))
    total_weight = sum(abs(comps[k].weight) for k in values)
    parts: list[ScoreComponent] = []
    not_scored: list[str] = []
    for key, comp in comps.items():
        fig = figures.get(key, missing)
        if key in values and total_weight > 0:
            x, f = values[key]
            contribution = 100.0 * comp.weight * f / total_weight
            parts.append(
                ScoreComponent(
                    key, comp.label, fig, x, comp.weight, comp.cap, f, contribution, comp.description
                )
            )
        else:
            not_scored.append(f"{comp.label}: {fig.reason}")
            parts.append(
                ScoreComponent(
                    key, comp.label, fig, None, comp.weight, comp.cap, None, None, comp.description
                )
            )
    if total_weight == 0:
        score = Figure.undefined("no component of the score could be computed", "points")
    else:
        score = Figure.of(sum(p.contribution or 0.0 for p in parts), "points")
    return HealthScore(score=score, components=parts, not_scored=not_scored)
