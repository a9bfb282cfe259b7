"""Words the demo movement is made of: countries with their regions and
towns and people's names (the long lists, read from names.toml), venues,
event topics."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Region:
    name: str
    time_zone: str
    towns: tuple[str, ...]


@dataclass(frozen=True)
class Country:
    name: str
    currency: str
    capital: str
    regions: tuple[Region, ...]


def _countries(data: dict[str, Any]) -> tuple[Country, ...]:
    return tuple(
        Country(
            c["name"],
            c["currency"],
            c["capital"],
            tuple(Region(r["name"], r["time_zone"], tuple(r["towns"])) for r in c["regions"]),
        )
        for c in data["country"]
    )


with Path(__file__).with_name("names.toml").open("rb") as _fh:
    _LISTS = tomllib.load(_fh)

# In the order nationals are founded: a small movement has the first two.
COUNTRIES = _countries(_LISTS)
FIRST_NAMES: tuple[str, ...] = tuple(_LISTS["first_names"])
LAST_NAMES: tuple[str, ...] = tuple(_LISTS["last_names"])

INTERNATIONAL_NAME = "Empathy Movement International"
INTERNATIONAL_PLACE = "Geneva, Switzerland"
INTERNATIONAL_TIME_ZONE = "Europe/Zurich"
INTERNATIONAL_CURRENCY = "EUR"

# Where a big town holds several local chapters, each takes a district name.
DISTRICTS = (
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Riverside",
    "Old Town",
    "Harbour",
    "University",
    "Hillside",
    "Market",
    "Park",
)

# Units of USD for one unit of the currency, around which the demo rates wander.
BASE_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "CAD": 0.74,
    "AUD": 0.66,
    "INR": 0.012,
    "KES": 0.0077,
    "BRL": 0.19,
    "MXN": 0.055,
    "SEK": 0.095,
    "ZAR": 0.054,
}

ORGANISATION_WORDS = (
    "Northwind", "Harbor", "Evergreen", "Cedar", "Lighthouse", "Bridgeway", "Riverbend", "Summit",
    "Meadow", "Keystone", "Sunrise", "Oakridge", "Bluebell", "Granite", "Willow", "Horizon",
)  # fmt: skip

FOUNDATION_SUFFIXES = ("Foundation", "Trust", "Family Foundation", "Community Fund", "Charitable Trust")
BUSINESS_SUFFIXES = ("Ltd", "Cooperative", "Partners", "& Co", "Group", "Bakery", "Architects", "Studio")
GOVERNMENT_NAMES = ("City Council", "Department of Education", "Health Authority", "Arts Council")

VENUES = (
    "Community Library",
    "Friends Meeting House",
    "Town Hall",
    "Neighbourhood Centre",
    "Public School Gym",
    "Arts Centre",
    "Co-working Loft",
    "Online",
    "City Park Pavilion",
    "University Campus",
)

# What each kind of event is usually called.
EVENT_TOPICS: dict[str, tuple[str, ...]] = {
    "empathy_circle": (
        "Empathy circle",
        "Listening circle",
        "Empathy circle: across difference",
        "Empathy circle for parents",
        "Empathy circle for young people",
        "Open empathy circle",
    ),
    "workshop": (
        "Workshop: the basics of empathic listening",
        "Workshop: empathy in conflict",
        "Workshop: empathy at work",
        "Workshop: empathy for teachers",
        "Workshop: self-empathy and burnout",
    ),
    "training": (
        "Facilitator training",
        "Circle host training",
        "Train the trainer",
        "Empathy training for care staff",
        "Empathy training for schools",
    ),
    "community_event": (
        "Neighbourhood potluck",
        "Community listening day",
        "Street conversations",
        "Volunteer open evening",
        "Family day in the park",
    ),
    "cultural_event": (
        "Film night: stories of empathy",
        "Storytelling evening",
        "Theatre of the oppressed",
        "Empathy exhibition opening",
        "Music for empathy",
    ),
    "talk": (
        "Talk: the science of empathy",
        "Panel: empathy in public life",
        "Talk: empathy and polarisation",
        "Author talk",
        "Research briefing",
    ),
}

SHIFT_TITLES = ("Set-up", "Welcome desk", "Facilitation support", "Refreshments", "Clean-up", "Registration")

PROGRAM_NAMES: dict[str, tuple[str, ...]] = {
    "education": ("Empathy in Schools", "Empathy Curriculum", "Listening Classrooms", "Empathy Lessons"),
    "training": ("Facilitator Academy", "Empathy at Work", "Compassionate Care", "Train the Trainer"),
    "empathy_circles": ("Weekly Circles", "Neighbourhood Circles", "Circles for Parents", "Youth Circles"),
    "research": ("Empathy Impact Study", "Measuring Empathy", "Circles Evaluation", "Empathy Survey"),
    "arts_culture": ("Stories of Us", "Empathy Theatre", "Film and Empathy", "Murals of Listening"),
    "advocacy": ("Empathy in Policy", "Empathy Charter", "Empathic Cities", "Listening Councils"),
}

PROGRAM_KINDS = tuple(PROGRAM_NAMES)
AUDIENCES = ("school", "university", "workplace", "healthcare", "community", "government")

# The partner kind a program for an audience works with.
PARTNER_KIND_FOR_AUDIENCE = {
    "school": "school",
    "university": "university",
    "workplace": "business",
    "healthcare": "healthcare",
    "community": "ngo",
    "government": "public_body",
}

PARTNER_NAME_PATTERNS = {
    "school": ("{town} Primary School", "{town} High School", "{town} Community School", "St Mary's, {town}"),
    "university": ("University of {town}", "{town} College", "{town} Institute of Technology"),
    "business": ("{word} Bank, {town}", "{word} Logistics", "{word} Software", "{word} Cooperative"),
    "healthcare": ("{town} General Hospital", "{town} Hospice", "{town} Community Clinic"),
    "public_body": ("{town} City Council", "{town} Police Service", "{town} Libraries"),
    "ngo": ("{town} Food Bank", "{word} Youth Trust", "{town} Refugee Welcome", "{word} Elders Network"),
    "research": ("{town} Social Research Centre", "{word} Lab for Human Connection"),
}

REJECTION_REASONS = (
    "Duplicate of another entry for the same day",
    "Hours look too high for this activity; please split and resubmit",
    "Not a movement activity",
    "Date is outside the event this refers to",
    "Logged under the wrong chapter; please log it again there",
)

EXPENSE_LINES: dict[str, tuple[str, ...]] = {
    "program": (
        "Trainer fees",
        "Venue hire",
        "Workshop materials",
        "Travel for facilitators",
        "Circle host stipends",
        "Printing of curriculum",
        "Research assistant",
    ),
    "admin": (
        "Accounting and audit",
        "Insurance",
        "Software subscriptions",
        "Office rent",
        "Payroll services",
    ),
    "fundraising": (
        "Donor mailing",
        "Payment processing",
        "Giving day ads",
        "Grant writer",
        "Donor database",
    ),
}
