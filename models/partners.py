"""Partners: schools, businesses, public bodies, NGOs and research groups."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from models.chapters import FormModel, register_titles
from models.email import OptionalEmail
from models.fields import not_after_today

PartnerKind = Literal["school", "university", "business", "healthcare", "public_body", "ngo", "research"]
PartnerStatus = Literal["prospect", "active", "paused", "ended"]

PARTNER_KIND_LABELS: dict[str, str] = {
    "school": "School",
    "university": "University",
    "business": "Business / workplace",
    "healthcare": "Healthcare",
    "public_body": "Public body",
    "ngo": "NGO",
    "research": "Research group",
}
PARTNER_STATUS_LABELS: dict[str, str] = {
    "prospect": "Prospect",
    "active": "Active",
    "paused": "Paused",
    "ended": "Ended",
}


@register_titles
class PartnerIn(FormModel):
    """A partner to create, or the new values of one to edit."""

    name: str = Field(min_length=1, max_length=200, title="Name")
    kind: PartnerKind = Field(title="Kind")
    status: PartnerStatus = Field(default="active", title="Status")
    since: Annotated[date, not_after_today("please give today or an earlier day")] = Field(
        title="Partner since"
    )
    chapter_id: int | None = Field(default=None, title="Chapter")
    contact_email: OptionalEmail = Field(default=None, max_length=320, title="Contact email")
    program_ids: tuple[int, ...] = Field(default=(), title="Programs")
