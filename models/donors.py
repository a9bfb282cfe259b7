"""Donors as a fundraiser enters them: names, emails, the duplicate key, and
the guard against spreadsheet formulas hidden in names."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from models.email import looks_like_email
from models.spreadsheet import starts_like_formula

DonorKind = Literal["individual", "organisation", "foundation", "business", "government"]
DONOR_KINDS: tuple[DonorKind, ...] = ("individual", "organisation", "foundation", "business", "government")


def check_name(value: str) -> str:
    """A person's or organisation's name, trimmed; refuses formula starts."""
    name = " ".join(value.split())
    if not name:
        raise ValueError("enter the donor's name")
    if len(name) > 200:
        raise ValueError("a name can be at most 200 characters")
    if starts_like_formula(value.lstrip(" ")) or starts_like_formula(name):
        raise ValueError(
            f"a name cannot start with '{name[0]}': spreadsheets would run it as a formula; "
            "remove that character"
        )
    return name


def check_email(value: str | None) -> str | None:
    """An optional email address, trimmed and lower-cased."""
    if value is None:
        return None
    email = value.strip().lower()
    if not email:
        return None
    if not looks_like_email(email):
        raise ValueError(f"'{value.strip()}' is not an email address (name@example.org)")
    if starts_like_formula(email):
        raise ValueError(f"an email address cannot start with '{email[0]}'")
    return email


def name_key(name: str) -> str:
    """The key two spellings of one donor share: accents, case, punctuation
    and word order removed ("Smith, Jane" and "jane  SMITH" both give
    "jane smith")."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    words = re.findall(r"[^\W_]+", folded)
    return " ".join(sorted(words))


def loose_name_key(name: str) -> str:
    """A looser key for spotting a possible duplicate donor: `name_key`
    without middle initials ("Jane Q. Tester" and "jane tester" both give
    "jane tester"). Single letters stay when dropping them would leave
    fewer than two words ("J. Tester" keeps its "j")."""
    words = name_key(name).split()
    kept = [w for w in words if len(w) > 1]
    return " ".join(kept if len(kept) >= 2 else words)


DonorName = Annotated[str, AfterValidator(check_name)]
OptionalEmail = Annotated[str | None, AfterValidator(check_email)]


class DonorIn(BaseModel):
    """A new donor, or the edits to one."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    display_name: DonorName
    email: OptionalEmail = None
    kind: DonorKind = "individual"
    chapter_id: int | None = Field(default=None, gt=0)
    note: str | None = Field(default=None, max_length=2000)


class MergeRequest(BaseModel):
    """Fold `duplicate_id` into `keep_id`: every gift and plan moves over."""

    model_config = ConfigDict(frozen=True)

    keep_id: int = Field(gt=0)
    duplicate_id: int = Field(gt=0)

    @model_validator(mode="after")
    def _different(self) -> MergeRequest:
        if self.keep_id == self.duplicate_id:
            raise ValueError("choose two different donors to merge")
        return self
