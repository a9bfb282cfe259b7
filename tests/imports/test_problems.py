"""Gift and hours imports report their problems as one table, so a person
reads the same columns whatever was imported."""

from __future__ import annotations

import polars as pl

from imports.gift_file import read_csv
from imports.gift_mapping import default_options
from imports.gift_parse import parse_file
from imports.hours_csv import parse_hours_csv
from imports.problems import problems_frame

SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "problem": pl.String}


def test_gift_and_hours_problems_are_one_table() -> None:
    raw = read_csv(b"reference,date,amount,currency,name\nG-1,2025-02-01,ten,USD,Ada Lovelace\n")
    gifts = problems_frame(parse_file(raw, default_options(raw)).errors)
    _, errors, _ = parse_hours_csv(b"member_email,worked_on,minutes,shoe_size\n")
    hours = problems_frame(errors)
    assert dict(gifts.schema) == dict(hours.schema) == SCHEMA
    assert gifts.row(0) == (2, "amount", "ten", gifts["problem"][0])
    assert gifts["problem"][0].startswith("Amount (gross): ")
    assert hours["row"].to_list() == [1] * hours.height and "shoe_size" in hours["column"].to_list()


def test_no_problems_is_an_empty_table_of_the_same_shape() -> None:
    frame = problems_frame([])
    assert frame.is_empty() and dict(frame.schema) == SCHEMA
