"""The one shape check of an email address, used by every form and import.

Deliberately loose (something@something.tld, no spaces, at most 320
characters): the address is proven by mail reaching it, not by a pattern."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LENGTH = 320
SHAPE_HINT = "an email address looks like name@example.org"


def looks_like_email(value: str) -> bool:
    """>>> looks_like_email("ana@example.org"), looks_like_email("ana@example"), looks_like_email("a b@x.org")
    (True, False, False)
    """
    return len(value) <= MAX_LENGTH and _SHAPE.match(value) is not None


def email_shape(value: str) -> str:
    """`value` when it looks like an email address; ValueError(SHAPE_HINT)
    when it does not."""
    if not looks_like_email(value):
        raise ValueError(SHAPE_HINT)
    return value


def _blank_or_email(value: str | None) -> str | None:
    return email_shape(value) if value else None


Email = Annotated[str, AfterValidator(email_shape)]
# An address that may be left out: a blank one is none.
OptionalEmail = Annotated[str | None, AfterValidator(_blank_or_email)]
