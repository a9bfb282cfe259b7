"""The Donors page's list in a real browser: its CSV is written only when
the button is clicked (a national list costs nothing on each rerun), and
holds every donor the filters keep, as many as the caption counts."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import follow_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FUNDRAISER = "fundraiser@demo.heartbeat.example"


def test_the_donor_list_downloads_every_donor_it_counts(desk: Any, app_url: str, tmp_path: Path) -> None:
    sign_in(desk, app_url, FUNDRAISER)
    follow_link(desk, "Donors", "Donors")
    caption = desk.get_by_test_id("stCaptionContainer").filter(has_text="donors on record").first.inner_text()
    match = re.search(r"([\d,]+) of ([\d,]+) donors on record", caption)
    assert match, caption
    counted = int(match.group(1).replace(",", ""))
    with desk.expect_download() as download:
        desk.get_by_role("button", name="Download this list (CSV)").click()
    saved = tmp_path / "donors.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "donors.csv"
    with saved.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["donor_id", "Donor", "Email", "Segment"]
    assert len(rows) - 1 == counted
