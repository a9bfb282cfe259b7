"""What members do: events (past and upcoming) with attendance and a few
spikes, volunteer shifts and sign-ups, and volunteer hours.

The invariants the database's triggers enforce are guaranteed here, since
the loader copies these tables with their user triggers disabled: hours
never before joining, never in the future, at most 24 hours per member and
day, always in the member's own chapter; shifts never overbooked, and
`signed_up` equal to the live sign-ups."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from db.seed import names
from db.seed._util import (
    DAY,
    IntArray,
    draw_in_ranges,
    end_instant,
    instant_series,
    labels,
    month_index,
    month_start,
    optional_ids,
    rank_within,
    repeat_index,
    seasonal_days,
    uuids,
    weekday,
)
from db.seed.accounts import DEMO_ACCOUNTS
from db.seed.world import Chapters, Context, Members, Programs

EVENT_KINDS = ("workshop", "empathy_circle", "training", "community_event", "cultural_event", "talk")
_EK = {k: i for i, k in enumerate(EVENT_KINDS)}

# Fewer events in August and late December, more in spring and autumn.
ACTIVITY_SEASON = np.array([0.9, 1.0, 1.1, 1.1, 1.0, 0.9, 0.75, 0.6, 1.05, 1.15, 1.1, 0.7])

# Event kinds a program of each kind runs (probabilities over EVENT_KINDS).
_KINDS_FOR_PROGRAM = {
    "education": (0.6, 0.0, 0.2, 0.0, 0.0, 0.2),
    "training": (0.3, 0.0, 0.7, 0.0, 0.0, 0.0),
    "empathy_circles": (0.0, 1.0, 0.0, 0.0, 0.0, 0.0),
    "research": (0.5, 0.0, 0.0, 0.0, 0.0, 0.5),
    "arts_culture": (0.0, 0.0, 0.0, 0.2, 0.8, 0.0),
    "advocacy": (0.0, 0.0, 0.0, 0.4, 0.0, 0.6),
}
_KINDS_WITHOUT_PROGRAM = np.array([0.08, 0.35, 0.0, 0.3, 0.12, 0.15])
_KINDS_HIGHER_LEVEL = np.array([0.15, 0.05, 0.35, 0.1, 0.15, 0.2])
_CAPACITY = np.array([25, 12, 20, 80, 150, 60], dtype=np.float64)
# Minutes an event of each kind usually lasts.
_DURATIONS = (
    (150, 180),
    (90, 120),
    (360, 420),
    (180, 240),
    (150, 180, 240),
    (90, 120),
)


@dataclass
class Events:
    frame: pl.DataFrame  # the events table
    chapter: IntArray
    program: IntArray  # index, -1 none
    kind: IntArray
    day: IntArray  # local day of the start
    starts: IntArray  # seconds UTC
    ends: IntArray
    capacity: IntArray  # 0: none
    spike: np.ndarray

    @property
    def n(self) -> int:
        return len(self.chapter)


def _program_candidates(chapters: Chapters, programs: Programs) -> tuple[IntArray, IntArray]:
    """CSR lists: the programs a chapter runs events for (its own, its
    ancestors' and the movement-wide ones)."""
    own: list[list[int]] = [[] for _ in range(chapters.n)]
    wide: list[int] = []
    for i, c in enumerate(programs.chapter):
        if c >= 0:
            own[int(c)].append(i)
        else:
            wide.append(i)
    offsets = [0]
    flat: list[int] = []
    for c in range(chapters.n):
        lst = list(own[c])
        p = int(chapters.parent[c])
        while p >= 0:
            lst.extend(own[p])
            p = int(chapters.parent[p])
        lst.extend(wide)
        flat.extend(lst)
        offsets.append(len(flat))
    return np.array(offsets, dtype=np.int64), np.array(flat, dtype=np.int64)


def pick_program(
    rng: np.random.Generator,
    chapter: IntArray,
    day: IntArray,
    offsets: IntArray,
    flat: IntArray,
    programs: Programs,
) -> IntArray:
    """A program the chapter runs that is running on that day, or -1."""
    count = offsets[chapter + 1] - offsets[chapter]
    pos = offsets[chapter] + (rng.random(len(chapter)) * count).astype(np.int64)
    has = count > 0
    prog = np.where(has, flat[np.minimum(pos, max(len(flat) - 1, 0))] if len(flat) else -1, -1)
    safe = np.maximum(prog, 0)
    running = (programs.started[safe] <= day) & ((programs.ended[safe] < 0) | (programs.ended[safe] >= day))
    return np.where(has & running, prog, -1).astype(np.int64)


def active_members_by_month(ctx: Context, chapters: Chapters, members: Members, months: int) -> np.ndarray:
    first_month = int(month_index(np.array([ctx.start]))[0])
    jm = month_index(members.joined) - first_month
    still = members.last_active >= ctx.end - 1
    lm = month_index(members.last_active) - first_month + 1
    grid = np.zeros((chapters.n, months + 1), dtype=np.int64)
    np.add.at(grid, (members.chapter, np.clip(jm, 0, months)), 1)
    stop = ~still & (lm < months)
    np.add.at(grid, (members.chapter[stop], lm[stop]), -1)
    return np.asarray(np.cumsum(grid, axis=1)[:, :months])


def _to_utc(local_seconds: IntArray, zones: list[str], zone_of_row: IntArray) -> IntArray:
    """Wall-clock seconds in each row's time zone to UTC seconds."""
    out = np.empty(len(local_seconds), dtype=np.int64)
    for z, zone in enumerate(zones):
        rows = np.flatnonzero(zone_of_row == z)
        if len(rows) == 0:
            continue
        s = pl.Series(local_seconds[rows] * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us"))
        utc = (
            s.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
            .dt.replace_time_zone(None)
        )
        # A wall-clock time skipped by a daylight-saving change is an hour later.
        fallback = (local_seconds[rows] - 3600) * 1_000_000
        arr = utc.cast(pl.Int64).fill_null(pl.Series(fallback)).to_numpy()
        out[rows] = arr // 1_000_000
    return out


def build_events(ctx: Context, chapters: Chapters, members: Members, programs: Programs) -> Events:
    rng = ctx.rng("events")
    start, end = ctx.start, ctx.end
    horizon = end + 60  # upcoming events are scheduled two months ahead
    first_month = int(month_index(np.array([start]))[0])
    months = int(month_index(np.array([horizon]))[0]) - first_month + 1
    active = active_members_by_month(ctx, chapters, members, months).astype(np.float64)
    m_start = month_start(np.arange(months) + first_month)
    m_end = np.append(m_start[1:], month_start(np.array([first_month + months]))) - 1
    season = ACTIVITY_SEASON[(np.arange(months) + first_month) % 12]

    founded = chapters.founded[:, None]
    until = np.where(chapters.dormant_since >= 0, chapters.dormant_since, horizon)[:, None]
    open_ = (founded <= m_end[None, :]) & (until >= m_start[None, :])
    level = chapters.level[:, None]
    local_weight = np.where(open_ & (level == 1), np.power(np.maximum(active, 0), 0.75), 0.0) * season
    higher_rate = np.where(open_ & (level > 1), np.array([0, 0, 0.25, 0.3, 0.25])[chapters.level][:, None], 0)
    higher_rate = higher_rate * season
    k = max(ctx.scale.events - higher_rate.sum(), ctx.scale.events * 0.3) / max(local_weight.sum(), 1e-9)
    counts = rng.poisson(local_weight * k + higher_rate)

    cell = np.flatnonzero(counts.ravel())
    per_cell = counts.ravel()[cell]
    rows = np.repeat(cell, per_cell)
    chapter = (rows // months).astype(np.int64)
    month = rows % months
    lo = np.maximum(m_start[month], chapters.founded[chapter])
    hi = np.minimum(
        m_end[month], np.where(chapters.dormant_since[chapter] >= 0, chapters.dormant_since[chapter], horizon)
    )
    day = lo + (rng.random(len(rows)) * np.maximum(hi - lo + 1, 1)).astype(np.int64)
    # Nothing happens on the end date itself: it is "today", not yet over.
    day = np.where(day == end, end + 1, day)

    offsets, flat = _program_candidates(chapters, programs)
    with_program = rng.random(len(day)) < np.where(chapters.level[chapter] == 1, 0.6, 0.75)
    program = np.where(with_program, pick_program(rng, chapter, day, offsets, flat, programs), -1)
    kind = np.empty(len(day), dtype=np.int64)
    u = rng.random(len(day))
    for pk, probs in _KINDS_FOR_PROGRAM.items():
        sel = (program >= 0) & (programs.kind[np.maximum(program, 0)] == names.PROGRAM_KINDS.index(pk))
        kind[sel] = np.searchsorted(np.cumsum(probs), u[sel], side="right")
    for sel, weights in (
        ((program < 0) & (chapters.level[chapter] == 1), _KINDS_WITHOUT_PROGRAM),
        ((program < 0) & (chapters.level[chapter] > 1), _KINDS_HIGHER_LEVEL),
    ):
        kind[sel] = np.searchsorted(np.cumsum(weights / weights.sum()), u[sel], side="right")
    kind = np.minimum(kind, len(EVENT_KINDS) - 1)
    spike = np.zeros(len(day), dtype=bool)

    # Festivals: once a year per national chapter (and the international
    # one), the few real spikes in attendance.
    fest_chapter: list[int] = []
    fest_day: list[int] = []
    for c in np.flatnonzero(chapters.level >= 3):
        year0 = int(np.datetime64(int(chapters.founded[c]), "D").astype("datetime64[Y]").astype(int)) + 1970
        year1 = int(np.datetime64(horizon, "D").astype("datetime64[Y]").astype(int)) + 1970
        for year in range(year0, year1 + 1):
            d = int((np.datetime64(f"{year}-09-20") - np.datetime64("1970-01-01")).astype(int))
            d += int(rng.integers(0, 28))
            if chapters.founded[c] + 60 <= d <= horizon and d != end:
                fest_chapter.append(int(c))
                fest_day.append(d)
    if fest_chapter:
        chapter = np.concatenate([chapter, np.array(fest_chapter, dtype=np.int64)])
        day = np.concatenate([day, np.array(fest_day, dtype=np.int64)])
        program = np.concatenate([program, np.full(len(fest_day), -1, dtype=np.int64)])
        kind = np.concatenate([kind, np.full(len(fest_day), _EK["cultural_event"], dtype=np.int64)])
        spike = np.concatenate([spike, np.ones(len(fest_day), dtype=bool)])

    n = len(day)
    wd = weekday(day)
    weekend = wd >= 5
    evening = np.array([18 * 60, 18 * 60 + 30, 19 * 60])
    daytime = np.array([10 * 60, 11 * 60, 14 * 60, 15 * 60])
    start_min = np.where(weekend, daytime[rng.integers(0, 4, n)], evening[rng.integers(0, 3, n)])
    training = kind == _EK["training"]
    start_min = np.where(training & weekend, 9 * 60 + 30, start_min)
    start_min = np.where(spike, 10 * 60, start_min)
    duration = np.empty(n, dtype=np.int64)
    for ki, choices in enumerate(_DURATIONS):
        sel = kind == ki
        duration[sel] = np.array(choices)[rng.integers(0, len(choices), int(sel.sum()))]
    two_day = training & weekend & (rng.random(n) < 0.3)
    duration = np.where(two_day, 24 * 60 + 450, duration)
    duration = np.where(spike, 12 * 60, duration)
    evening_cap = (~weekend) & (start_min + duration > 22 * 60 + 30)
    duration = np.where(evening_cap & ~two_day & ~spike, 22 * 60 + 30 - start_min, duration)

    zones = sorted(set(chapters.time_zone))
    zone_idx = np.array([zones.index(z) for z in chapters.time_zone], dtype=np.int64)
    local_start = day * DAY + start_min * 60
    starts = _to_utc(local_start, zones, zone_idx[chapter])
    ends = starts + duration * 60

    cap_base = _CAPACITY[kind] * rng.lognormal(0, 0.3, n)
    cap_base = np.where(chapters.level[chapter] > 1, cap_base * 2.5, cap_base)
    capacity = np.maximum(np.round(cap_base / 5) * 5, 6).astype(np.int64)
    capacity = np.where(kind == _EK["empathy_circle"], np.clip(np.round(cap_base), 6, 16), capacity)
    capacity = np.where(spike, rng.integers(20, 61, n) * 100, capacity)
    no_cap = (kind == _EK["community_event"]) & (rng.random(n) < 0.1) & ~spike
    capacity = np.where(no_cap, 0, capacity).astype(np.int64)

    order = np.lexsort((chapter, starts))
    chapter, day, program, kind, spike = chapter[order], day[order], program[order], kind[order], spike[order]
    starts, ends, capacity, two_day = starts[order], ends[order], capacity[order], two_day[order]
    n = len(order)

    topics = [names.EVENT_TOPICS[EVENT_KINDS[k]] for k in kind]
    pick = rng.integers(0, 1000, n)
    titles = []
    years = day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    for i in range(n):
        if spike[i]:
            where = chapters.name[chapter[i]] if chapters.level[chapter[i]] == 3 else "World"
            titles.append(f"{where} Empathy Festival {years[i]}")
        else:
            titles.append(topics[i][pick[i] % len(topics[i])])
    venue = np.array(names.VENUES)[rng.integers(0, len(names.VENUES), n)]
    town = np.array([p.split(",")[0] for p in chapters.place])[chapter]
    place = np.where(venue == "Online", "Online", np.char.add(np.char.add(venue.astype(str), ", "), town))

    end_ts = end_instant(end)
    created = starts - rng.integers(7, 60, n) * DAY
    created = np.minimum(created, end_ts - rng.integers(1, 10, n) * DAY)
    frame = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            pl.Series("chapter_id", chapter + 1, dtype=pl.Int64),
            optional_ids("program_id", program + 1),
            pl.Series("kind", np.array(EVENT_KINDS)[kind], dtype=pl.String),
            pl.Series("title", titles, dtype=pl.String),
            instant_series("starts_at", starts),
            instant_series("ends_at", ends),
            pl.Series("place", place, dtype=pl.String),
            optional_ids("capacity", capacity).cast(pl.Int32),
            instant_series("created_at", created),
        ]
    )
    return Events(
        frame=frame,
        chapter=chapter,
        program=program,
        kind=kind,
        day=day,
        starts=starts,
        ends=ends,
        capacity=capacity,
        spike=spike,
    )


def build_attendance(ctx: Context, chapters: Chapters, members: Members, events: Events) -> pl.DataFrame:
    """Who came to each past event: members (weighted towards the keen
    ones) and a count of guests."""
    rng = ctx.rng("attendance")
    end_ts = end_instant(ctx.end)
    past = np.flatnonzero(events.starts < end_ts)
    cap = np.where(events.capacity[past] > 0, events.capacity[past], rng.integers(30, 90, len(past)))
    fill = np.where(events.spike[past], rng.uniform(0.55, 1.0, len(past)), rng.beta(4, 2.5, len(past)))
    # An event that went viral locally: a spike that is not a festival.
    viral = (rng.random(len(past)) < 0.01) & ~events.spike[past]
    fill = np.where(viral, np.minimum(fill * 3, 1.0), fill)
    cap = np.where(viral, cap * 3, cap)
    attendees = np.maximum(np.round(cap * fill), 1).astype(np.int64)
    ch = events.chapter[past]
    share = np.where(chapters.level[ch] == 1, 0.75, 0.45)
    typical = ctx.scale.attendance_per_event / 12.0
    want = np.round(attendees * share * typical).astype(np.int64)
    want = np.where(events.spike[past], np.minimum(want, 400), np.minimum(want, attendees))

    lo, hi = members.subtree_range(chapters, ch)
    draws = np.round(want * 2.5).astype(np.int64) + 4
    draws = np.where(hi > lo, draws, 0)
    row_event = repeat_index(draws)
    cum = np.cumsum(members.propensity)
    mem = draw_in_ranges(rng, cum, lo[row_event], hi[row_event])
    d = events.day[past][row_event]
    ok = (
        (mem >= 0)
        & (members.joined[np.maximum(mem, 0)] <= d)
        & (members.last_active[np.maximum(mem, 0)] >= d)
    )
    row_event, mem = row_event[ok], mem[ok]
    key = pl.DataFrame({"e": row_event, "m": mem}).unique(maintain_order=True)
    row_event = key["e"].to_numpy()
    mem = key["m"].to_numpy()
    r = rank_within(row_event)
    keep = r < want[row_event]
    row_event, mem = row_event[keep], mem[keep]
    got = np.bincount(row_event, minlength=len(past))
    guests = np.maximum(attendees - got, 0)
    guest_rows = np.flatnonzero(guests > 0)

    ev = np.concatenate([past[row_event], past[guest_rows]])
    member_id = np.concatenate([mem + 1, np.zeros(len(guest_rows), dtype=np.int64)])
    guest_count = np.concatenate([np.zeros(len(row_event), dtype=np.int64), guests[guest_rows]])
    order = np.lexsort((member_id == 0, ev))
    ev, member_id, guest_count = ev[order], member_id[order], guest_count[order]
    checked_in = events.starts[ev] + rng.integers(-15 * 60, 25 * 60, len(ev))
    checked_in = np.minimum(checked_in, end_ts - 60)
    return pl.DataFrame(
        [
            pl.Series("id", np.arange(1, len(ev) + 1), dtype=pl.Int64),
            pl.Series("event_id", ev + 1, dtype=pl.Int64),
            optional_ids("member_id", member_id),
            pl.Series("guest_count", guest_count, dtype=pl.Int32),
            instant_series("checked_in_at", checked_in),
        ]
    )


@dataclass
class Shifts:
    frame: pl.DataFrame
    event: IntArray
    starts: IntArray
    ends: IntArray
    capacity: IntArray
    title: np.ndarray


_SHIFT_OFFSETS = {
    # (start relative to the event's start, end relative to its start or end)
    "Set-up": ("start", -60, "start", 0),
    "Welcome desk": ("start", -30, "start", 60),
    "Registration": ("start", -45, "start", 45),
    "Facilitation support": ("start", 0, "end", 0),
    "Refreshments": ("start", 0, "end", 0),
    "Clean-up": ("end", 0, "end", 60),
}


def build_shifts(ctx: Context, events: Events) -> Shifts:
    rng = ctx.rng("shifts")
    n = events.n
    p = np.where(np.isin(events.kind, [_EK["empathy_circle"]]), 0.2, 0.65)
    has = rng.random(n) < p
    how_many = np.where(events.spike, rng.integers(4, 7, n), rng.integers(1, 4, n))
    how_many = np.where(has | events.spike, how_many, 0)
    ev = repeat_index(how_many)
    r = rank_within(ev)
    first_title = rng.integers(0, len(names.SHIFT_TITLES), n)
    title_idx = (first_title[ev] + r) % len(names.SHIFT_TITLES)
    titles = np.array(names.SHIFT_TITLES)[title_idx]
    starts = np.empty(len(ev), dtype=np.int64)
    ends = np.empty(len(ev), dtype=np.int64)
    # A shift inside a two-day training covers its first day only.
    ev_end = np.minimum(events.ends[ev], events.starts[ev] + 10 * 3600)
    for title, (a_ref, a_off, b_ref, b_off) in _SHIFT_OFFSETS.items():
        sel = titles == title
        a = events.starts[ev[sel]] if a_ref == "start" else ev_end[sel]
        b = events.starts[ev[sel]] if b_ref == "start" else ev_end[sel]
        starts[sel] = a + a_off * 60
        ends[sel] = b + b_off * 60
    ends = np.maximum(ends, starts + 30 * 60)
    capacity = np.where(events.spike[ev], rng.integers(10, 31, len(ev)), rng.integers(1, 7, len(ev)))
    frame = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, len(ev) + 1), dtype=pl.Int64),
            pl.Series("event_id", ev + 1, dtype=pl.Int64),
            pl.Series("title", titles, dtype=pl.String),
            instant_series("starts_at", starts),
            instant_series("ends_at", ends),
            pl.Series("capacity", capacity, dtype=pl.Int32),
        ]
    )
    return Shifts(
        frame=frame, event=ev, starts=starts, ends=ends, capacity=capacity.astype(np.int64), title=titles
    )


@dataclass
class Signups:
    frame: pl.DataFrame
    signed_up: IntArray  # live sign-ups per shift
    attended_shift: IntArray  # shift index of each attended sign-up
    attended_member: IntArray


def build_signups(
    ctx: Context, chapters: Chapters, members: Members, events: Events, shifts: Shifts
) -> Signups:
    rng = ctx.rng("signups")
    end, end_ts = ctx.end, end_instant(ctx.end)
    n = len(shifts.event)
    past = shifts.starts < end_ts
    ahead_days = np.maximum((shifts.starts - end_ts) // DAY, 0)
    fill = np.where(past, rng.beta(5, 2, n), rng.beta(3, 3, n) * np.clip(1 - ahead_days / 75, 0.1, 1))
    live_want = np.minimum(np.round(shifts.capacity * fill).astype(np.int64), shifts.capacity)
    cancel_want = rng.binomial(np.maximum(live_want, 1), 0.1)

    vol = np.flatnonzero(members.volunteer)
    vol_chapter_first = np.searchsorted(members.chapter[vol], np.arange(chapters.n + 1), side="left")
    ch = events.chapter[shifts.event]
    lo = vol_chapter_first[ch]
    hi = vol_chapter_first[chapters.subtree_end[ch]]
    draws = np.where(hi > lo, (live_want + cancel_want) * 3 + 2, 0)
    row = repeat_index(draws)
    cum = np.cumsum(members.v_rate[vol])
    pick = draw_in_ranges(rng, cum, lo[row], hi[row])
    m = vol[np.maximum(pick, 0)]
    d = events.day[shifts.event[row]]
    ok = (pick >= 0) & np.where(
        past[row],
        (members.v_start[m] <= d) & (members.v_end[m] >= d),
        (members.v_start[m] <= end - 1) & (members.v_end[m] >= end - 1),
    )
    row, m = row[ok], m[ok]
    priority = np.ones(len(row), dtype=np.int64)

    # The demo volunteers have a few past shifts and a couple coming up.
    forced_rows: list[int] = []
    forced_members: list[int] = []
    for account in DEMO_ACCOUNTS:
        if "volunteer" not in account.roles or account.email not in members.demo:
            continue
        mi = members.demo[account.email]
        c = members.chapter[mi]
        mine = np.flatnonzero((ch == c) & (events.day[shifts.event] >= members.v_start[mi]))
        before = mine[past[mine]][-4:]
        # Two shifts coming up, not already another demo account's; a quiet
        # chapter may have none: then shifts nearby (its region's chapters,
        # and so on up), so the portal always has one to show.
        after = np.empty(0, dtype=np.int64)
        area = c
        while len(after) == 0 and area >= 0:
            nearby = (ch >= area) & (ch < chapters.subtree_end[area]) & ~past
            nearby[forced_rows] = False
            after = np.flatnonzero(nearby)[:2]
            area = int(chapters.parent[area])
        for s in np.concatenate([before, after]):
            forced_rows.append(int(s))
            forced_members.append(int(mi))
    if forced_rows:
        fr = np.array(forced_rows, dtype=np.int64)
        row = np.concatenate([fr, row])
        m = np.concatenate([np.array(forced_members, dtype=np.int64), m])
        priority = np.concatenate([np.zeros(len(fr), dtype=np.int64), priority])
        live_want[fr] = np.maximum(live_want[fr], 1)

    order = np.lexsort((priority, row))
    row, m = row[order], m[order]
    key = pl.DataFrame({"s": row, "m": m}).unique(maintain_order=True)
    row, m = key["s"].to_numpy(), key["m"].to_numpy()
    r = rank_within(row)
    live = r < live_want[row]
    cancelled = ~live & (r < live_want[row] + cancel_want[row])
    keep = live | cancelled
    row, m, live = row[keep], m[keep], live[keep]
    k = len(row)

    starts = shifts.starts[row]
    is_past = past[row]
    lead = rng.integers(1, 30, k) * DAY + rng.integers(0, DAY, k)
    created = np.where(is_past, starts - lead, end_ts - rng.integers(3600, 30 * DAY, k))
    created = np.maximum(created, members.joined[m] * DAY + 3600)
    created = np.minimum(created, np.minimum(starts, end_ts) - 60)
    u = rng.random(k)
    status = np.where(
        ~live, "cancelled", np.where(is_past, np.where(u < 0.9, "attended", "no_show"), "signed_up")
    )
    is_cancelled = status == "cancelled"
    cancelled_at = created + (
        rng.random(k) * np.maximum(np.minimum(starts, end_ts) - 60 - created, 0)
    ).astype(np.int64)
    signed_up = np.bincount(row[live], minlength=n).astype(np.int64)
    assert (signed_up <= shifts.capacity).all()
    frame = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, k + 1), dtype=pl.Int64),
            pl.Series("shift_id", row + 1, dtype=pl.Int64),
            pl.Series("member_id", m + 1, dtype=pl.Int64),
            pl.Series("status", status, dtype=pl.String),
            instant_series("created_at", created),
            instant_series("cancelled_at", cancelled_at, is_cancelled),
        ]
    )
    attended = status == "attended"
    return Signups(
        frame=frame, signed_up=signed_up, attended_shift=row[attended], attended_member=m[attended]
    )


ACTIVITIES = (
    "event_support",
    "facilitation",
    "training",
    "outreach",
    "administration",
    "fundraising",
    "mentoring",
    "research",
    "other",
)
_ACTIVITY_P = np.array([0.22, 0.14, 0.08, 0.14, 0.14, 0.07, 0.09, 0.04, 0.08])
_ACTIVITY_MINUTES = np.array([150, 120, 180, 120, 90, 120, 60, 150, 90], dtype=np.float64)
_PROGRAM_ACTIVITIES = np.array([False, True, True, False, False, False, True, True, False])
_NOTES = {
    "event_support": "Helped at the event",
    "facilitation": "Hosted a circle",
    "training": "Attended facilitator training",
    "outreach": "Flyers and conversations at the market",
    "administration": "Updated the member list",
    "fundraising": "Giving day phone calls",
    "mentoring": "Check-in with a new host",
    "research": "Entered survey answers",
    "other": "Helped where needed",
}


@dataclass
class HoursPlan:
    """Everything the hours generator needs, fixed before the chunks are
    drawn so that each chunk is independent of the others."""

    volunteers: IntArray  # member indices
    scale: float
    event_chapter: IntArray  # past events sorted by (chapter, day)
    event_day: IntArray
    event_id: IntArray
    event_program: IntArray
    offsets: IntArray
    flat: IntArray
    shift_member: IntArray  # attended sign-ups, sorted by member
    shift_id: IntArray
    shift_event: IntArray
    shift_day: IntArray
    shift_minutes: IntArray
    shift_title: np.ndarray
    reviewer: dict[int, str]  # chapter index -> reviewing coordinator's user id
    user_of_member: dict[int, str]
    total_expected: float


def plan_hours(
    ctx: Context,
    chapters: Chapters,
    members: Members,
    programs: Programs,
    events: Events,
    shifts: Shifts,
    signups: Signups,
) -> HoursPlan:
    end_ts = end_instant(ctx.end)
    vol = np.flatnonzero(members.volunteer & (members.v_end >= members.v_start))
    weeks = (members.v_end[vol] - members.v_start[vol] + 1) / 7.0
    ramp = np.where(members.burnout[vol], members.v_rate[vol] * 26 * 1.2, 0.0)
    expected = float((members.v_rate[vol] * weeks + ramp).sum())
    from_shifts = len(signups.attended_shift)
    free_target = max(ctx.scale.hours - from_shifts, ctx.scale.hours * 0.5)
    scale = free_target / max(expected, 1e-9)

    past = np.flatnonzero(events.starts < end_ts)
    order = np.lexsort((events.day[past], events.chapter[past]))
    pe = past[order]
    offsets, flat = _program_candidates(chapters, programs)

    s_order = np.argsort(signups.attended_member, kind="stable")
    sm = signups.attended_member[s_order]
    ss = signups.attended_shift[s_order]
    s_event = shifts.event[ss]
    minutes = np.clip((shifts.ends[ss] - shifts.starts[ss]) // 60, 30, 600)

    reviewer: dict[int, str] = {}
    users: dict[int, str] = {}
    if ctx.with_accounts:
        for account in DEMO_ACCOUNTS:
            if account.email in members.demo:
                users[members.demo[account.email]] = str(account.user_id)
            if account.is_coordinator:
                top = chapters.placements[account.placement]
                for c in range(top, int(chapters.subtree_end[top])):
                    reviewer[c] = str(account.user_id)
    return HoursPlan(
        volunteers=vol,
        scale=scale,
        event_chapter=events.chapter[pe],
        event_day=events.day[pe],
        event_id=pe + 1,
        event_program=events.program[pe],
        offsets=offsets,
        flat=flat,
        shift_member=sm,
        shift_id=ss + 1,
        shift_event=s_event,
        shift_day=events.day[s_event],
        shift_minutes=minutes,
        shift_title=shifts.title[ss],
        reviewer=reviewer,
        user_of_member=users,
        total_expected=expected * scale + from_shifts,
    )


def hours_chunks(
    ctx: Context,
    members: Members,
    programs: Programs,
    events: Events,
    plan: HoursPlan,
    *,
    chunk_rows: int = 1_500_000,
) -> Iterator[pl.DataFrame]:
    """The volunteer_hours rows, in chunks of whole volunteers (the 24-hour
    rule is per member and day, so a member never spans two chunks)."""
    vol = plan.volunteers
    per_volunteer = (members.v_end[vol] - members.v_start[vol] + 1) / 7.0 * members.v_rate[vol] * plan.scale
    bounds = [0]
    acc = 0.0
    for i, e in enumerate(per_volunteer):
        acc += e
        if acc >= chunk_rows:
            bounds.append(i + 1)
            acc = 0.0
    if bounds[-1] != len(vol):
        bounds.append(len(vol))
    next_id = 1
    for part, (a, b) in enumerate(itertools.pairwise(bounds)):
        frame = _hours_for(ctx, members, programs, events, plan, vol[a:b], part)
        frame = frame.with_columns(id=pl.int_range(next_id, next_id + frame.height, dtype=pl.Int64))
        next_id += frame.height
        yield frame


def _hours_for(
    ctx: Context,
    members: Members,
    programs: Programs,
    events: Events,
    plan: HoursPlan,
    vol: IntArray,
    part: int,
) -> pl.DataFrame:
    rng = ctx.rng(f"hours.{part}")
    end, end_ts = ctx.end, end_instant(ctx.end)
    v_start, v_end, rate = members.v_start[vol], members.v_end[vol], members.v_rate[vol]
    weeks = (v_end - v_start + 1) / 7.0
    n_base = rng.poisson(rate * weeks * plan.scale)
    burn = members.burnout[vol]
    n_ramp = np.where(burn, rng.poisson(rate * 26 * 1.2 * plan.scale), 0)
    idx_base = repeat_index(n_base)
    idx_ramp = repeat_index(n_ramp)
    day_base = seasonal_days(rng, v_start[idx_base], v_end[idx_base], ACTIVITY_SEASON)
    # Burnout: entries thicken towards the last day, then stop.
    ramp_lo = np.maximum(v_end[idx_ramp] - 182, v_start[idx_ramp])
    day_ramp = ramp_lo + ((v_end[idx_ramp] - ramp_lo) * np.sqrt(rng.random(len(idx_ramp)))).astype(np.int64)
    who = vol[np.concatenate([idx_base, idx_ramp])]
    day = np.concatenate([day_base, day_ramp])
    long_factor = np.concatenate([np.ones(len(idx_base)), np.full(len(idx_ramp), 1.4)])

    # Demo volunteers always have a couple of entries waiting for approval.
    forced_pending = np.zeros(0, dtype=np.int64)
    demo_members = [
        members.demo[a.email] for a in DEMO_ACCOUNTS if "volunteer" in a.roles and a.email in members.demo
    ]
    extra = [mi for mi in demo_members if np.isin(mi, vol)]
    if extra:
        fm = np.repeat(np.array(extra, dtype=np.int64), 2)
        fd = np.tile(np.array([end - 2, end - 6], dtype=np.int64), len(extra))
        forced_pending = np.arange(len(who), len(who) + len(fm))
        who = np.concatenate([who, fm])
        day = np.concatenate([day, fd])
        long_factor = np.concatenate([long_factor, np.ones(len(fm))])
    n_free = len(who)

    activity = rng.choice(len(ACTIVITIES), size=n_free, p=_ACTIVITY_P)
    core = members.v_rate[who] > 1.5
    minutes = (
        _ACTIVITY_MINUTES[activity] * rng.lognormal(0, 0.45, n_free) * long_factor * np.where(core, 1.2, 1)
    )
    minutes = np.clip(np.round(minutes / 15) * 15, 15, 600).astype(np.int64)
    chapter = members.chapter[who]

    # An event-support or facilitation entry near one of the chapter's
    # events refers to it.
    event_id = np.zeros(n_free, dtype=np.int64)
    program = np.full(n_free, -1, dtype=np.int64)
    key = chapter * 1_000_000 + day
    ekey = plan.event_chapter * 1_000_000 + plan.event_day
    pos = np.searchsorted(ekey, key, side="right") - 1
    has = pos >= 0
    near = has & (ekey[np.maximum(pos, 0)] // 1_000_000 == chapter) & (key - ekey[np.maximum(pos, 0)] <= 3)
    linkable = near & (activity <= 1)
    day = np.where(linkable, plan.event_day[np.maximum(pos, 0)], day)
    event_id = np.where(linkable, plan.event_id[np.maximum(pos, 0)], 0)
    program = np.where(linkable, plan.event_program[np.maximum(pos, 0)], program)
    wants_program = _PROGRAM_ACTIVITIES[activity] & ~linkable & (rng.random(n_free) < 0.6)
    if wants_program.any():
        program[wants_program] = pick_program(
            rng, chapter[wants_program], day[wants_program], plan.offsets, plan.flat, programs
        )
    shift_id = np.zeros(n_free, dtype=np.int64)
    priority = np.ones(n_free, dtype=np.int64)

    # Attended shifts become event-support hours on the day of the event.
    lo = np.searchsorted(plan.shift_member, vol.min() if len(vol) else 0, side="left")
    hi = np.searchsorted(plan.shift_member, vol.max() if len(vol) else -1, side="right")
    sel = np.arange(lo, hi)
    sel = sel[np.isin(plan.shift_member[sel], vol)]
    sel = sel[plan.shift_day[sel] < end]
    s_who = plan.shift_member[sel]
    s_act = np.where(plan.shift_title[sel] == "Facilitation support", 1, 0)
    who = np.concatenate([plan.shift_member[sel], who])
    day = np.concatenate([plan.shift_day[sel], day])
    minutes = np.concatenate([plan.shift_minutes[sel], minutes])
    activity = np.concatenate([s_act, activity])
    chapter = np.concatenate([members.chapter[s_who], chapter])
    event_id = np.concatenate([plan.shift_event[sel] + 1, event_id])
    program = np.concatenate([events.program[plan.shift_event[sel]], program])
    shift_id = np.concatenate([plan.shift_id[sel], shift_id])
    priority = np.concatenate([np.zeros(len(sel), dtype=np.int64), priority])
    forced_pending = forced_pending + len(sel)
    is_forced = np.zeros(len(who), dtype=bool)
    is_forced[forced_pending] = True

    # Never before joining, never from the end date on.
    ok = (day >= members.joined[who]) & (day < end)
    # At most 24 hours per member and day: shifts first, then the rest.
    order = np.lexsort((priority, day, who))
    order = order[ok[order]]
    who, day, minutes, activity = who[order], day[order], minutes[order], activity[order]
    chapter, event_id, program, shift_id = chapter[order], event_id[order], program[order], shift_id[order]
    is_forced = is_forced[order]
    group = who * 100_000 + day
    csum = np.cumsum(minutes)
    start_of_group = np.ones(len(group), dtype=bool)
    start_of_group[1:] = group[1:] != group[:-1]
    base = np.maximum.accumulate(np.where(start_of_group, csum - minutes, 0))
    keep = (csum - base) <= 1440
    who, day, minutes, activity = who[keep], day[keep], minutes[keep], activity[keep]
    chapter, event_id, program, shift_id = chapter[keep], event_id[keep], program[keep], shift_id[keep]
    is_forced = is_forced[keep]
    n = len(who)

    created = day * DAY + 17 * 3600 + rng.exponential(1.2 * DAY, n).astype(np.int64)
    created = np.minimum(created, end_ts - rng.integers(60, 3600, n))
    created = np.maximum(created, day * DAY)
    reviewed = created + (0.2 * DAY + rng.exponential(3 * DAY, n)).astype(np.int64)
    straggler = rng.random(n) < 0.004
    pending = (reviewed >= end_ts) | straggler | is_forced
    u = rng.random(n)
    status = np.where(pending, 0, np.where(u < 0.025, 2, 1))
    rejected = status == 2
    notes_on = rng.random(n) < 0.12
    reason = rng.integers(0, len(names.REJECTION_REASONS), n)
    activity_s = pl.Series(ACTIVITIES).gather(activity)
    note_s = pl.Series([_NOTES[a] for a in ACTIVITIES]).gather(activity)
    reason_s = pl.Series(names.REJECTION_REASONS).gather(reason)
    chapter_id = pl.Series("chapter_id", chapter + 1, dtype=pl.Int64)
    member_id = pl.Series("member_id", who + 1, dtype=pl.Int64)
    reviewer = {c + 1: u for c, u in plan.reviewer.items()}
    reviewed_by = chapter_id.replace_strict(reviewer, default=None, return_dtype=pl.String)
    users = {m + 1: u for m, u in plan.user_of_member.items()}
    created_by = member_id.replace_strict(users, default=None, return_dtype=pl.String)
    return pl.DataFrame(
        [
            member_id,
            chapter_id,
            pl.Series("worked_on", day.astype(np.int32), dtype=pl.Int32).cast(pl.Date),
            pl.Series("minutes", minutes, dtype=pl.Int32),
            activity_s.alias("activity"),
            optional_ids("event_id", event_id),
            optional_ids("program_id", program + 1),
            optional_ids("shift_id", shift_id),
            pl.select(pl.when(pl.Series(notes_on)).then(note_s)).to_series().alias("note"),
            labels("status", ("pending", "approved", "rejected"), status),
            # Nobody approves their own hours: a coordinator's are reviewed
            # by someone without a demo account.
            pl.select(
                pl.when(pl.Series(~pending) & (reviewed_by != created_by).fill_null(True)).then(reviewed_by)
            )
            .to_series()
            .alias("reviewed_by"),
            instant_series("reviewed_at", reviewed, ~pending),
            pl.select(pl.when(pl.Series(rejected)).then(reason_s)).to_series().alias("rejection_reason"),
            uuids(rng, n).alias("idempotency_key"),
            created_by.alias("created_by"),
            instant_series("created_at", created),
        ]
    )
