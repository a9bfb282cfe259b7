"""The filters: what a URL may say, what it may not, and how it resolves."""

from __future__ import annotations

from datetime import date

import pytest

from components.chapter_tree import ChapterOption, chapter_depths, chapter_tree_order, subtree
from components.filters import (
    FilterOptions,
    FilterParams,
    current_quarter,
    parse_params,
    resolve,
)
from metrics.periods import Period

CHAPTERS = (
    ChapterOption(1, "Global", "international", None),
    ChapterOption(2, "Germany", "national", 1),
    ChapterOption(3, "Berlin", "local", 2),
    ChapterOption(4, "Hamburg", "local", 2),
    ChapterOption(5, "France", "national", 1),
)
PROGRAMS = ((10, "School circles"), (11, "Workplace training"))


def options(**kw) -> FilterOptions:
    base = {
        "chapters": CHAPTERS,
        "programs": PROGRAMS,
        "fy_start_month": 1,
        "first_year": 2021,
        "today": date(2026, 11, 25),
    }
    base.update(kw)
    return FilterOptions(**base)


def test_defaults_are_the_current_calendar_year_to_date_for_the_whole_movement():
    filters, notes = resolve(FilterParams(), options())
    assert notes == []
    assert filters.period == Period.calendar_year(2026)
    assert filters.as_of == date(2026, 11, 25)
    assert filters.partial
    assert filters.chapter_id is None and filters.program_id is None
    assert filters.describe() == "2026, to date (Nov 25) · Whole movement · All programs"
    assert filters.previous_period() == Period.calendar_year(2025)


def test_a_valid_link_round_trips():
    raw = {"period": "q", "year": "2025", "q": "3", "chapter": "2", "program": "11"}
    params, problems = parse_params(raw)
    assert problems == []
    filters, notes = resolve(params, options())
    assert notes == []
    assert filters.period == Period.quarter(2025, 3)
    assert not filters.partial and filters.as_of == date(2025, 9, 30)
    assert filters.chapter_label == "Germany (national) and its sub-chapters"
    assert filters.program_label == "Workplace training"
    assert filters.params.to_query() == raw


@pytest.mark.parametrize(
    ("raw", "dropped"),
    [
        ({"year": "__import__('os').system('id')"}, "year"),
        ({"year": "1_999"}, "year"),
        ({"year": " 2025 "}, "year"),
        ({"year": "20250"}, "year"),
        ({"q": "5"}, "quarter"),
        ({"period": "decade"}, "period"),
        ({"chapter": "-3"}, "chapter"),
        ({"chapter": "1 or 1=1"}, "chapter"),
        ({"program": "gASVAAAAAAAAAACMCGJ1aWx0aW5zlIwEZXZhbJSTlC4="}, "program"),
        ({"from": "2025-13"}, "first month"),
        ({"year": ["2024", "2025"]}, "year"),
    ],
)
def test_a_value_that_does_not_parse_is_dropped_with_a_message(raw, dropped):
    params, problems = parse_params(raw)
    assert len(problems) == 1
    assert f"The link's {dropped}" in problems[0]
    assert params == FilterParams()


def test_one_bad_field_keeps_the_good_ones():
    params, problems = parse_params({"period": "fy", "year": "2024", "chapter": "abc"})
    assert params.period == "fy" and params.year == 2024 and params.chapter is None
    assert len(problems) == 1


def test_custom_months_out_of_order_are_dropped_together():
    params, problems = parse_params({"period": "custom", "from": "2026-05", "to": "2026-02"})
    assert params.from_ is None and params.to is None and params.period == "custom"
    assert "last month comes before the first" in problems[0]


def test_custom_months_resolve_to_whole_months():
    params, _ = parse_params({"period": "custom", "from": "2025-11", "to": "2026-02"})
    filters, _ = resolve(params, options())
    assert filters.period == Period(date(2025, 11, 1), date(2026, 2, 28))
    assert filters.previous_period() == Period(date(2025, 7, 1), date(2025, 10, 31))
    assert filters.period_label == "Nov 2025 – Feb 2026"


def test_custom_without_months_is_the_last_twelve():
    filters, _ = resolve(FilterParams(period="custom"), options())
    assert filters.period == Period(date(2025, 12, 1), date(2026, 11, 30))


def test_fiscal_year_named_by_the_year_it_ends():
    opts = options(fy_start_month=7)
    filters, _ = resolve(FilterParams(period="fy"), opts)
    assert filters.period == Period(date(2026, 7, 1), date(2027, 6, 30))
    assert filters.period_label == "FY 2027 (Jul 2026 – Jun 2027)"
    filters, _ = resolve(FilterParams(period="fy", year=2026), opts)
    assert filters.period == Period(date(2025, 7, 1), date(2026, 6, 30))
    assert not filters.partial


def test_quarters_follow_the_fiscal_year():
    opts = options(fy_start_month=7)
    assert current_quarter(date(2026, 11, 25), 7) == (2027, 2)
    filters, _ = resolve(FilterParams(period="q", year=2026, q=1), opts)
    assert filters.period == Period(date(2025, 7, 1), date(2025, 9, 30))
    assert filters.previous_period() == Period(date(2025, 4, 1), date(2025, 6, 30))


def test_a_period_that_has_not_started_falls_back_to_the_current_one():
    params, _ = parse_params({"period": "q", "year": "2026", "q": "4"})
    filters, notes = resolve(params, options(today=date(2026, 8, 1)))
    assert filters.period == Period.quarter(2026, 3)
    assert notes == ["That period has not started yet; showing the current one instead."]


def test_a_year_outside_the_data_falls_back_to_this_year():
    filters, _ = resolve(FilterParams(period="cy", year=1995), options())
    assert filters.period == Period.calendar_year(2026)


def test_a_coordinator_cannot_widen_the_chapter_through_the_link():
    allowed = subtree(CHAPTERS, [2])
    assert allowed == {2, 3, 4}
    opts = options(allowed_chapters=allowed, default_chapter=2)
    assert opts.chapter_choices() == [2, 3, 4]
    for link in ({}, {"chapter": "5"}, {"chapter": "1"}):
        params, _ = parse_params(link)
        filters, notes = resolve(params, opts)
        assert filters.chapter_id == 2
        assert bool(notes) == bool(link)
    filters, notes = resolve(FilterParams(chapter=3), opts)
    assert filters.chapter_id == 3 and notes == []


def test_an_unknown_program_is_dropped():
    filters, notes = resolve(FilterParams(program=999), options())
    assert filters.program_id is None
    assert notes == ["The program in the link does not exist; showing all programs instead."]


def test_chapter_tree_order_and_labels():
    assert [c.id for c in chapter_tree_order(CHAPTERS)] == [1, 5, 2, 3, 4]
    opts = options()
    assert opts.chapter_choices() == [None, 1, 5, 2, 3, 4]
    assert opts.indented_chapter_label(3) == "\u2003\u2003Berlin (local)"
    assert opts.indented_chapter_label(None) == "Whole movement"


def test_chapter_depths_from_a_generator_and_with_an_unseen_parent():
    assert chapter_depths(c for c in CHAPTERS) == {1: 0, 5: 1, 2: 1, 3: 2, 4: 2}
    # A coordinator sees Germany without Global: Germany is then a top.
    assert chapter_depths(CHAPTERS[1:4]) == {2: 0, 3: 1, 4: 1}


def test_years_and_months_offered():
    opts = options(first_year=2024, today=date(2026, 2, 10))
    assert opts.years() == [2026, 2025, 2024]
    assert opts.months()[0] == "2024-01" and opts.months()[-1] == "2026-02"
    assert options(fy_start_month=7, first_year=2025).years() == [2027, 2026, 2025]


def test_cache_key_changes_with_every_filter():
    a, _ = resolve(FilterParams(), options())
    b, _ = resolve(FilterParams(chapter=3), options())
    c, _ = resolve(FilterParams(program=10), options())
    d, _ = resolve(FilterParams(period="q"), options())
    assert len({a.cache_key(), b.cache_key(), c.cache_key(), d.cache_key()}) == 4


def test_previous_period_labels():
    assert resolve(FilterParams(period="cy", year=2025), options())[0].previous_label == "2024"
    assert (
        resolve(FilterParams(period="fy", year=2026), options(fy_start_month=7))[0].previous_label
        == "FY 2025"
    )
    assert resolve(FilterParams(period="q", year=2026, q=1), options())[0].previous_label == "Q4 2025"
    assert resolve(FilterParams(period="q", year=2026, q=3), options())[0].previous_label == "Q2 2026"
    q1 = resolve(FilterParams(period="q", year=2026, q=1), options(fy_start_month=7))[0]
    assert q1.previous_label == "Q4 FY 2025"
    q3 = resolve(FilterParams(period="q", year=2026, q=3), options(fy_start_month=4))[0]
    assert q3.period_label.startswith("Q3 FY 2026") and q3.previous_label == "Q2 FY 2026"
    custom = resolve(
        FilterParams.model_validate({"period": "custom", "from": "2026-01", "to": "2026-03"}), options()
    )[0]
    assert custom.previous_label == "Oct 2025 – Dec 2025"


def test_a_chapter_offers_only_its_programs_and_the_movements():
    opts = options(
        programs=((10, "School circles"), (11, "Workplace training"), (12, "Paris talks")),
        program_chapters={10: None, 11: 3, 12: 5},
    )
    assert opts.programs_for(None) == [12, 10, 11]
    assert opts.programs_for(2) == [10, 11]
    assert opts.programs_for(5) == [12, 10]
    filters, notes = resolve(FilterParams(chapter=2, program=12), opts)
    assert filters.program_id is None
    assert notes == ["Paris talks does not run in Germany (national); showing all its programs instead."]
    filters, notes = resolve(FilterParams(chapter=2, program=11), opts)
    assert filters.program_id == 11 and notes == []


def test_the_views_made_ready_ahead_start_with_this_chapters_other_periods():
    from components.dashboard_page import nearby_views

    opts = options(fy_start_month=7)
    filters, _ = resolve(FilterParams(), opts)
    views = nearby_views(opts, filters)
    year, fiscal, quarter = "2026-01-01", "2026-07-01", "2026-10-01"
    assert [(v[0], v[2]) for v in views[:3]] == [(year, None), (fiscal, None), (quarter, None)]
    # Below a single international chapter, the national ones are compared
    # first (in tree order, by name): this period, then the others.
    assert [(v[0], v[2]) for v in views[3:5]] == [(year, 5), (year, 2)]
    assert len(views) == len(set(views)) == 9
    assert {v[3] for v in views} == {None}


def _national_tree() -> tuple[tuple[ChapterOption, ...], dict[int, int | None]]:
    """One international chapter, 3 national, 6 regional and 300 local
    chapters (50 per region); a program per local chapter, one per region,
    and 2 movement-wide ones."""
    chapters = [ChapterOption(1, "World", "international", None)]
    owners: dict[int, int | None] = {9000: None, 9001: None}
    for n in range(3):
        nid = 10 + n
        chapters.append(ChapterOption(nid, f"Nation {n}", "national", 1))
        for r in range(2):
            rid = 100 + n * 10 + r
            chapters.append(ChapterOption(rid, f"Region {n}.{r}", "regional", nid))
            owners[rid * 10] = rid
            for loc in range(50):
                lid = 1000 + (n * 2 + r) * 100 + loc
                chapters.append(ChapterOption(lid, f"Town {n}.{r}.{loc:02d}", "local", rid))
                owners[lid * 10] = lid
    return tuple(chapters), owners


def test_a_long_chapter_list_opens_along_the_way_to_the_chosen_chapter():
    import components.filters as f

    chapters, owners = _national_tree()
    programs = tuple((p, f"Program {p}") for p in owners)
    opts = options(chapters=chapters, programs=programs, program_chapters=owners)
    assert len(opts.chapter_choices()) == 311 > f.MAX_LISTED
    # The whole movement: the international chapter and the national ones.
    assert opts.chapter_menu(None) == [None, 1, 10, 11, 12]
    # A region: the way down to it, the regions beside it, and its towns.
    region = opts.chapter_menu(100)
    assert region[:4] == [None, 1, 10, 100] and len(region) == 5 + 2 + 50
    assert {opts._by_id[c].parent_id for c in region[4:54]} == {100}
    # A town from a link: still listed, with its 49 neighbours.
    town = opts.chapter_menu(1042)
    assert 1042 in town and len(town) == len(region)
    filters, notes = resolve(FilterParams(chapter=1042), opts)
    assert filters.chapter_id == 1042 and notes == []
    # Programs: movement-wide ones, then those of the chapter and just below.
    assert opts.program_menu(None, None) == [9000, 9001]
    assert sorted(opts.program_menu(100, None)) == sorted([9000, 9001, 1000, *range(10000, 10500, 10)])
    assert opts.program_menu(None, 10420) == [10420, 9000, 9001]
    # A coordinator of one region is offered its 51 chapters, every one.
    region_only = options(chapters=chapters, allowed_chapters=subtree(chapters, [100]), default_chapter=100)
    assert len(region_only.chapter_menu(100)) == 51 == len(region_only.chapter_choices())


def test_a_short_chapter_list_is_listed_whole():
    opts = options(program_chapters={10: None, 11: 3})
    assert opts.chapter_menu(3) == opts.chapter_choices() == [None, 1, 5, 2, 3, 4]
    assert opts.program_menu(None, None) == opts.programs_for(None)
