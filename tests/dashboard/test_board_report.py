"""The board pack as HTML and PDF: self-contained, with the figures, alerts
and charts of the period."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime

import polars as pl
import pytest
from pypdf import PdfReader

from components import charts
from components.documents.board_report import BoardPack, Kpi, Section, Table, to_html, to_pdf
from components.documents.chart_images import browser_path

needs_chromium = pytest.mark.skipif(
    browser_path() is None and os.environ.get("CI") != "true",
    reason="Chromium is not installed (apt-get install -y chromium) to draw static charts",
)


def _pack(alerts: list[str]) -> BoardPack:
    fig = charts.contributions(
        ["Runway", "Donor retention"], [20.0, -4.0], total=16.0, title="Health score 16"
    )
    return BoardPack(
        movement="Empathy Movement",
        scope="FY 2026 · Berlin (local) · All programs",
        as_of="25 Nov 2026",
        generated_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        alerts=alerts,
        sections=[
            Section(
                "Overview",
                kpis=[Kpi("Funds raised", "€12,500", "+8.0% vs FY 2025"), Kpi("Runway", "∞", note="no burn")],
                figures=[fig],
                tables=[Table("Chapters", pl.DataFrame({"chapter": ["Zürich"], "members": [12]}))],
                notes=["An uncontrolled pre/post change is not a controlled trial's effect."],
            )
        ],
    )


@needs_chromium
def test_html_is_self_contained_with_static_charts():
    data = to_html(_pack(["Runway is 4.0 months, under 6 months."])).decode()
    assert data.startswith("<!doctype html>")
    assert "<svg" in data and "<script" not in data
    assert "http://" not in data.replace("http://www.w3.org", "") and "https://" not in data
    for text in (
        "Empathy Movement: board report",
        "Runway is 4.0 months",
        "€12,500",
        "Zürich",
        "Health score 16",
    ):
        assert text in data


def test_html_escapes_what_came_from_the_database():
    pack = _pack(["<script>alert(1)</script>"])
    pack.sections[0].tables = [Table("Chapters", pl.DataFrame({"chapter": ["<img src=x onerror=alert(1)>"]}))]
    pack.sections[0].figures = []
    data = to_html(pack).decode()
    assert "<script>alert" not in data and "<img src=x" not in data
    assert "&lt;script&gt;" in data


@needs_chromium
def test_pdf_has_the_figures_and_the_chart():
    data = to_pdf(_pack([]))
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "board report",
        "No alerts for this period",
        "Funds raised",
        "Zürich",
        "controlled trial",
    ):
        assert expected in text
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1


def test_pdf_without_charts_still_carries_the_figures():
    pack = _pack(["Reserves cover 2.0 months, under 3 months."])
    pack.sections[0].figures = []
    reader = PdfReader(io.BytesIO(to_pdf(pack)))
    text = reader.pages[0].extract_text()
    assert "Reserves cover 2.0 months" in text and "€12,500" in text


@needs_chromium
@pytest.mark.slow
def test_the_pack_of_the_demo_report_carries_every_page(demo_db: str) -> None:
    from datetime import date

    from components.documents.board_pack import board_pack
    from db.report_frames import load_report_frames
    from metrics.periods import Period
    from metrics.report import health_report

    frames = load_report_frames(None, uri=demo_db)
    report = health_report(frames, as_of=date.today(), period=Period.calendar_year(date.today().year))
    pack = board_pack(report, scope="2026 · Whole movement · All programs", movement="Demo", against="2025")
    assert [s.title for s in pack.sections] == ["Overview", "Sustainability", "Momentum", "Impact"]
    assert len(pack.alerts) == len(report.alerts)
    figures = pack.figures()
    assert len(figures) >= 12
    page = to_html(pack).decode()
    assert page.count("<svg") >= len(figures)
    assert "uncontrolled pre/post change" in page
    reader = PdfReader(io.BytesIO(to_pdf(pack)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    for heading in ("Overview", "Sustainability", "Momentum", "Impact", "Funds raised", "Donor retention"):
        assert heading in text
    assert sum(len(p.images) for p in reader.pages) == len(figures)
