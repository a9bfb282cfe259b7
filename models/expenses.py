"""Expenses as entered by hand or imported from a CSV: what burn and runway
are computed from."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.donations import MAX_MINOR, AmountText, Currency, PastDate, to_minor
from models.spreadsheet import starts_like_formula

Category = Literal["program", "admin", "fundraising"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
# Words people use in their books for the three categories of the Form 990
# functional split; an import maps them onto ours.
CATEGORY_SYNONYMS: dict[str, Category] = {
    "program": "program",
    "programs": "program",
    "program services": "program",
    "programme": "program",
    "programmes": "program",
    "admin": "admin",
    "administration": "admin",
    "management and general": "admin",
    "management & general": "admin",
    "general": "admin",
    "overhead": "admin",
    "fundraising": "fundraising",
    "fund raising": "fundraising",
    "development": "fundraising",
}


class ExpenseIn(BaseModel):
    """One expense in any ISO 4217 currency."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    spent_on: PastDate
    amount: AmountText = Field(gt=0)
    currency: Currency
    category: Category
    description: str = Field(min_length=1, max_length=500)
    chapter_id: int | None = Field(default=None, gt=0)

    @field_validator("category", mode="before")
    @classmethod
    def _category_words(cls, value: object) -> object:
        if isinstance(value, str):
            key = " ".join(value.split()).casefold()
            if key in CATEGORY_SYNONYMS:
                return CATEGORY_SYNONYMS[key]
            raise ValueError(f"'{value.strip()}' is not a category: use program, admin or fundraising")
        return value

    @field_validator("description")
    @classmethod
    def _no_formula(cls, value: str) -> str:
        if starts_like_formula(value):
            raise ValueError(
                f"a description cannot start with '{value[0]}': spreadsheets would run it as a formula"
            )
        return value

    @model_validator(mode="after")
    def _fits(self) -> ExpenseIn:
        if to_minor(self.amount, self.currency) >= MAX_MINOR:
            raise ValueError("the amount is too large")
        return self

    @property
    def amount_minor(self) -> int:
        return to_minor(self.amount, self.currency)
