"""Shift sign-ups as a volunteer asks for them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class SignUpRequest(BaseModel):
    """Take one slot on a shift for the signed-in volunteer."""

    model_config = ConfigDict(frozen=True)

    shift_id: Annotated[int, Field(gt=0)]


class CancelRequest(BaseModel):
    """Give back a slot the volunteer took."""

    model_config = ConfigDict(frozen=True)

    signup_id: Annotated[int, Field(gt=0)]


class WaitListRequest(BaseModel):
    """Join or leave the wait-list of a full shift, for the signed-in volunteer."""

    model_config = ConfigDict(frozen=True)

    shift_id: Annotated[int, Field(gt=0)]
