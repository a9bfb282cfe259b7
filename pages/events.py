"""Events: workshops, empathy circles, trainings, community and cultural
events and talks; their volunteer shifts; and who came. A calendar and a
list per chapter, in the chapter's own time zone."""

from __future__ import annotations

import calendar
import html
from datetime import date, datetime, time, timedelta
from typing import Any

import polars as pl
import streamlit as st
from pydantic import ValidationError
from streamlit.delta_generator import DeltaGenerator

from components import dates
from components.calendar_button import calendar_button
from components.charts import OKABE_ITO
from components.feedback import finish, saved, show_errors, show_flash
from components.page_start import coordinated_chapters, coordinator_page
from components.text import plain
from db.errors import InvalidDataError, NotAllowedError
from db.events import (
    add_shift,
    attendance_of,
    create_event,
    delete_event,
    delete_shift,
    list_events,
    list_shifts,
    record_attendance,
    update_event,
)
from db.members import members_of
from db.programs import list_programs
from metrics.scope import chapter_subtree
from models.events import EVENT_KIND_LABELS, AttendanceIn, EventIn, ShiftIn

FLASH = "events_flash"
MONTH = "events_month"
NEW_SHIFT_ROWS = 3
KIND_COLOURS = dict(zip(EVENT_KIND_LABELS, OKABE_ITO, strict=False))

user, today = coordinator_page("Events")
show_flash(FLASH)


def done(message: str, *clear: str) -> None:
    finish(FLASH, message, *clear)


def quarter_hour(where: DeltaGenerator, label: str, value: time, *, key: str) -> time:
    """A time picker in steps of a quarter of an hour, as events and shifts are planned."""
    return where.time_input(label, value=value, step=timedelta(minutes=15), key=key)


def day_picker(where: DeltaGenerator, label: str, value: date, *, key: str) -> date:
    """A date picker in the viewer's date format."""
    return where.date_input(label, value=value, key=key, format=dates.input_format())


def month_grid(year: int, month: int) -> list[list[date | None]]:
    """Weeks (Monday first) of a month; days outside it are None."""
    return [
        [d if d.month == month else None for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]


def calendar_html(year: int, month: int, events: pl.DataFrame, today: date) -> str:
    """A month calendar with each day's events (local time, title, chapter)."""
    by_day: dict[date, list[dict[str, object]]] = {}
    for ev in events.iter_rows(named=True):
        by_day.setdefault(ev["starts_local"].date(), []).append(ev)
    head = "".join(f"<th>{d}</th>" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    body = []
    for week in month_grid(year, month):
        cells = []
        for day in week:
            if day is None:
                cells.append('<td class="out"></td>')
                continue
            items = []
            for ev in by_day.get(day, []):
                colour = KIND_COLOURS.get(str(ev["kind"]), "#555")
                start = ev["starts_local"]
                assert isinstance(start, datetime)
                items.append(
                    f'<div class="ev" style="border-left:4px solid {colour}">'
                    f"<b>{dates.time_of_day(start)}</b> {html.escape(str(ev['title']))}"
                    f'<br><span class="ch">{html.escape(str(ev["chapter_name"]))}</span></div>'
                )
            mark = " today" if day == today else ""
            cells.append(f'<td class="day{mark}"><div class="n">{day.day}</div>{"".join(items)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    legend = " ".join(
        f'<span class="lg" style="border-left:10px solid {KIND_COLOURS[k]}">{html.escape(v)}</span>'
        for k, v in EVENT_KIND_LABELS.items()
    )
    style = """
    <style>
      table.cal{width:100%;border-collapse:collapse;table-layout:fixed;font-size:0.85rem}
      table.cal th{padding:4px;text-align:left;color:#555;font-weight:600}
      table.cal td{vertical-align:top;border:1px solid #ddd;height:88px;padding:3px}
      table.cal td.out{background:#f6f6f6}
      table.cal td.today{background:#fff7e0}
      table.cal .n{color:#777;font-size:0.75rem}
      table.cal .ev{margin:2px 0;padding:1px 4px;background:#f2f6fb;border-radius:3px;overflow:hidden}
      table.cal .ch{color:#666;font-size:0.75rem}
      .lg{padding-left:6px;margin-right:12px;font-size:0.8rem}
    </style>"""
    return (
        f'{style}<table class="cal"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f'<div style="margin-top:6px">{legend}</div>'
    )


chapters, labels, mine, names = coordinated_chapters(user.identity)

# --- which chapter, which month ------------------------------------------------------
ALL = 0
scope_options = [ALL, *mine["id"].to_list()]
left, right = st.columns([3, 2], vertical_alignment="bottom")
scope = left.selectbox(
    "Chapter",
    scope_options,
    format_func=lambda i: "All chapters you coordinate" if i == ALL else labels[i],
    key="events_chapter",
)
scope_ids = mine["id"].to_list() if scope in (ALL, None) else chapter_subtree(chapters, scope)
if MONTH not in st.session_state:
    st.session_state[MONTH] = today.replace(day=1)
first: date = st.session_state[MONTH]
with right:
    prev_col, this_col, next_col = st.columns(3)
    if prev_col.button("◀ Earlier", key="events_prev", width="stretch"):
        first = (first - timedelta(days=1)).replace(day=1)
    if this_col.button("This month", key="events_today", width="stretch"):
        first = today.replace(day=1)
    if next_col.button("Later ▶", key="events_next", width="stretch"):
        first = (first + timedelta(days=32)).replace(day=1)
st.session_state[MONTH] = first
after = (first + timedelta(days=32)).replace(day=1)
events = list_events(user.identity, chapter_ids=scope_ids, start=first, end=after)
events_by_id = {int(r["id"]): r for r in events.iter_rows(named=True)}
st.subheader(dates.month_heading(first))


def shift_end(day: date, starts: time, ends: time, ev: dict[str, Any]) -> datetime:
    """A shift's end on its form: "To" at or before "From" in an event that
    runs past midnight means the next morning (22:00 to 01:00); otherwise the
    same day, which the model refuses with its own message."""
    overnight = ev["ends_local"].date() > ev["starts_local"].date()
    return datetime.combine(day + timedelta(days=1 if overnight and ends <= starts else 0), ends)


def event_label(event_id: int) -> str:
    ev = events_by_id[event_id]
    return f"{dates.weekday_time(ev['starts_local'], today)} — {ev['title']} ({ev['chapter_name']})"


# Keyed tabs that track their state: a rerun (a refused "Create the event",
# the flash above appearing or going) keeps the person on the tab they were
# on, with the error beside the form, instead of going back to Calendar.
tab_cal, tab_list, tab_new, tab_shifts, tab_attendance, tab_edit = st.tabs(
    ["Calendar", "List", "New event", "Volunteer shifts", "Attendance", "Edit or remove"],
    key="events_view",
    on_change="rerun",
)

with tab_cal:
    st.html(calendar_html(first.year, first.month, events, today))

with tab_list:
    if events.is_empty():
        st.info("No events this month in these chapters.")
    else:
        cols = st.columns(4)
        cols[0].metric("Events", events.height)
        cols[1].metric("Members who came", int(events["members_attended"].sum()))
        cols[2].metric("Guests", int(events["guests"].sum()))
        open_slots = int((events["volunteers_needed"] - events["volunteers_signed_up"]).sum())
        cols[3].metric("Open volunteer slots", open_slots)
        table = events.select(
            dates.day_expr("starts_local", today, writer="weekday_time").alias("When"),
            pl.col("title").alias("Event"),
            pl.col("kind").replace_strict(EVENT_KIND_LABELS).alias("Kind"),
            pl.col("chapter_name").alias("Chapter"),
            pl.col("place").fill_null("").alias("Place"),
            pl.col("capacity").cast(pl.String).fill_null("no limit").alias("Places"),
            pl.when(pl.col("volunteers_needed") > 0)
            .then(pl.format("{} of {}", "volunteers_signed_up", "volunteers_needed"))
            .otherwise(pl.lit("—"))
            .alias("Volunteers"),
            pl.when(pl.col("begun"))
            .then(pl.format("{} + {}", "members_attended", "guests"))
            .otherwise(pl.lit("upcoming"))
            .alias("Came (members + guests)"),
        )
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            key="events_table",
            column_config={
                "When": st.column_config.TextColumn(width="small"),
                "Places": st.column_config.TextColumn(width="small"),
                "Volunteers": st.column_config.TextColumn(width="small"),
            },
        )
        st.caption("Times are each chapter's local time.")

with tab_new:
    active = mine.filter(status="active")
    programs = list_programs(user.identity)
    program_names = {int(r["id"]): str(r["name"]) for r in programs.iter_rows(named=True)}
    # The chapter sits outside the form: choosing it reruns the page, so the
    # times below are labelled with that chapter's own time zone.
    chapter = st.selectbox(
        "Chapter",
        active["id"].to_list(),
        index=None
        if scope == ALL
        else (active["id"].to_list().index(scope) if scope in active["id"] else None),
        format_func=lambda i: labels[i],
        key="new_event_chapter",
        placeholder="Choose a chapter",
    )
    zones = {int(r["id"]): str(r["time_zone"]) for r in active.iter_rows(named=True)}
    zone_label = (
        zones.get(chapter, "the chapter's local time") if chapter is not None else "the chapter's local time"
    )
    with st.form("new_event"):
        title = st.text_input("Title", key="new_event_title", max_chars=200)
        kind = st.selectbox(
            "Kind", list(EVENT_KIND_LABELS), format_func=lambda v: EVENT_KIND_LABELS[v], key="new_event_kind"
        )
        program = st.selectbox(
            "Part of a program (optional)",
            [None, *program_names],
            format_func=lambda i: "— none —" if i is None else program_names[i],
            key="new_event_program",
        )
        c1, c2, c3, c4 = st.columns(4)
        day = day_picker(c1, "Date", today + timedelta(days=7), key="new_event_day")
        start = quarter_hour(c2, f"Starts ({zone_label})", time(18, 0), key="new_event_start")
        end = quarter_hour(c3, f"Ends ({zone_label})", time(20, 0), key="new_event_end")
        end_day = c4.date_input(
            "Ends on (if another day)",
            value=None,
            key="new_event_end_day",
            help="Leave empty for the same day.",
            format=dates.input_format(),
        )
        c1, c2 = st.columns([3, 1])
        place = c1.text_input("Place", key="new_event_place", max_chars=300)
        capacity = c2.number_input(
            "Capacity (0: no limit)",
            min_value=0,
            max_value=100_000,
            value=0,
            step=1,
            key="new_event_capacity",
        )
        st.markdown("**Volunteer shifts** (optional; more can be added later)")
        shift_rows = []
        for n in range(NEW_SHIFT_ROWS):
            s1, s2, s3, s4 = st.columns([3, 1, 1, 1])
            shift_rows.append(
                (
                    s1.text_input(
                        "Shift", key=f"new_shift_title_{n}", placeholder="e.g. Welcome desk", max_chars=200
                    ),
                    quarter_hour(s2, "From", time(17, 30), key=f"new_shift_start_{n}"),
                    quarter_hour(s3, "To", time(20, 30), key=f"new_shift_end_{n}"),
                    s4.number_input(
                        "People", min_value=1, max_value=1000, value=2, key=f"new_shift_capacity_{n}"
                    ),
                )
            )
        if st.form_submit_button("Create the event", type="primary", key="new_event_submit"):
            try:
                if chapter is None:
                    raise InvalidDataError("choose the chapter that holds the event")
                event = EventIn.model_validate(
                    {
                        "chapter_id": chapter,
                        "program_id": program,
                        "kind": kind,
                        "title": title,
                        "starts_at": datetime.combine(day, start),
                        "ends_at": datetime.combine(end_day or day, end),
                        "place": place,
                        "capacity": capacity or None,
                    }
                )
                new_shifts = [
                    ShiftIn(
                        event_id=0,
                        title=s_title,
                        starts_at=datetime.combine(day, s_start),
                        ends_at=datetime.combine(day, s_end),
                        capacity=int(s_cap),
                    )
                    for s_title, s_start, s_end, s_cap in shift_rows
                    if s_title.strip()
                ]
                create_event(user.identity, event, new_shifts)
            except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                show_errors(exc)
            else:
                if not first <= day < after:
                    st.session_state[MONTH] = day.replace(day=1)
                with_shifts = f" with {len(new_shifts)} volunteer shift(s)" if new_shifts else ""
                done(
                    f"{plain(event.title)} on {dates.full(day)} is created{with_shifts}.",
                    "new_event_title",
                    "new_event_place",
                    *(f"new_shift_title_{n}" for n in range(NEW_SHIFT_ROWS)),
                )

with tab_shifts:
    if events.is_empty():
        st.info("No events this month; choose another month above or create one.")
    else:
        event_id = st.selectbox("Event", list(events_by_id), format_func=event_label, key="shifts_event")
        ev = events_by_id[event_id]
        calendar_button(
            "Calendar file (.ics)",
            uid=f"event-{event_id}@heartbeat",
            file_name=f"event-{event_id}.ics",
            key=f"event_ics_{event_id}",
            title=str(ev["title"]),
            starts=ev["starts_local"],
            ends=ev["ends_local"],
            zone=str(ev["time_zone"]),
            place=ev["place"],
        )
        event_shifts = list_shifts(user.identity, [event_id])
        if event_shifts.is_empty():
            st.info("This event has no volunteer shifts yet.")
        for s in event_shifts.iter_rows(named=True):
            a, b, c = st.columns([4, 2, 1], vertical_alignment="center")
            when = f"{dates.weekday_time(s['starts_local'], today)}–{dates.time_of_day(s['ends_local'])}"
            a.write(f"**{plain(s['title'])}** — {when}")
            b.progress(
                min(1.0, s["signed_up"] / s["capacity"]),
                text=f"{s['signed_up']} of {s['capacity']} signed up"
                + (f" · {s['waiting']} waiting" if s["waiting"] else ""),
            )
            with c.popover("Remove", width="stretch", key=f"remove_shift_menu_{s['id']}"):
                taken = f" and its {s['signed_up']} sign-up(s)" if s["signed_up"] else ""
                st.markdown(f"Remove {plain(s['title'])}{taken}?")
                if st.button("Yes, remove", key=f"remove_shift_{s['id']}", type="primary") and saved(
                    delete_shift, user.identity, int(s["id"])
                ):
                    done(f"The shift {s['title']} is removed.")
        with st.form(f"add_shift_{event_id}"):
            st.markdown("**Add a shift**")
            s1, s2, s3, s4, s5 = st.columns([3, 2, 1, 1, 1])
            s_title = s1.text_input("Shift", key=f"add_shift_title_{event_id}", max_chars=200)
            s_day = day_picker(s2, "Date", ev["starts_local"].date(), key=f"add_shift_day_{event_id}")
            s_start = quarter_hour(s3, "From", ev["starts_local"].time(), key=f"add_shift_start_{event_id}")
            s_end = quarter_hour(s4, "To", ev["ends_local"].time(), key=f"add_shift_end_{event_id}")
            s_cap = s5.number_input(
                "People", min_value=1, max_value=1000, value=2, key=f"add_shift_capacity_{event_id}"
            )
            if st.form_submit_button("Add the shift", key=f"add_shift_submit_{event_id}"):
                try:
                    add_shift(
                        user.identity,
                        ShiftIn(
                            event_id=event_id,
                            title=s_title,
                            starts_at=datetime.combine(s_day, s_start),
                            ends_at=shift_end(s_day, s_start, s_end, ev),
                            capacity=int(s_cap),
                        ),
                    )
                except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(
                        f"The shift {plain(s_title.strip())} is added to {plain(ev['title'])}.",
                        f"add_shift_title_{event_id}",
                    )

with tab_attendance:
    begun = events.filter(pl.col("begun"))
    if begun.is_empty():
        st.info("Attendance is recorded once an event has begun; no event this month has yet.")
    else:
        event_id = st.selectbox(
            "Event", begun["id"].to_list(), format_func=event_label, key="attendance_event"
        )
        ev = events_by_id[event_id]
        current = attendance_of(user.identity, event_id)
        people = members_of(user.identity, chapter_subtree(chapters, int(ev["chapter_id"])))
        people_names = {
            int(r["id"]): f"{r['full_name']} ({r['chapter_name']})" for r in people.iter_rows(named=True)
        }
        for m in current.member_ids:
            people_names.setdefault(m, f"member {m}")
        with st.form(f"attendance_{event_id}"):
            came = st.multiselect(
                "Members who came",
                list(people_names),
                default=list(current.member_ids),
                format_func=lambda i: people_names[i],
                key=f"attendance_members_{event_id}",
            )
            guests = st.number_input(
                "Guests (people who are not members)",
                min_value=0,
                max_value=10_000,
                value=current.guest_count,
                key=f"attendance_guests_{event_id}",
            )
            if st.form_submit_button("Save attendance", type="primary", key=f"attendance_submit_{event_id}"):
                try:
                    record_attendance(
                        user.identity,
                        AttendanceIn(event_id=event_id, member_ids=tuple(came), guest_count=int(guests)),
                    )
                except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    total = len(came) + int(guests)
                    cap = f" of {ev['capacity']} places" if ev["capacity"] else ""
                    done(
                        f"{plain(ev['title'])}: {len(came)} members and {int(guests)} guests came "
                        f"({total}{cap})."
                    )

with tab_edit:
    editable = events.filter(pl.col("can_edit"))
    if editable.is_empty():
        st.info("No events this month that you can change.")
    else:
        event_id = st.selectbox("Event", editable["id"].to_list(), format_func=event_label, key="edit_event")
        ev = events_by_id[event_id]
        with st.form(f"edit_event_{event_id}"):
            kinds = list(EVENT_KIND_LABELS)
            e_title = st.text_input(
                "Title", value=ev["title"], key=f"edit_event_title_{event_id}", max_chars=200
            )
            c1, c2 = st.columns(2)
            e_kind = c1.selectbox(
                "Kind",
                kinds,
                index=kinds.index(ev["kind"]),
                format_func=lambda v: EVENT_KIND_LABELS[v],
                key=f"edit_event_kind_{event_id}",
            )
            e_capacity = c2.number_input(
                "Capacity (0: no limit)",
                min_value=0,
                max_value=100_000,
                value=int(ev["capacity"] or 0),
                key=f"edit_event_capacity_{event_id}",
            )
            c1, c2, c3, c4 = st.columns(4)
            e_day = day_picker(c1, "Date", ev["starts_local"].date(), key=f"edit_event_day_{event_id}")
            e_start = quarter_hour(
                c2, "Starts", ev["starts_local"].time(), key=f"edit_event_start_{event_id}"
            )
            e_end_day = day_picker(
                c3, "Ends on", ev["ends_local"].date(), key=f"edit_event_end_day_{event_id}"
            )
            e_end = quarter_hour(c4, "Ends", ev["ends_local"].time(), key=f"edit_event_end_{event_id}")
            e_place = st.text_input(
                "Place", value=ev["place"] or "", key=f"edit_event_place_{event_id}", max_chars=300
            )
            if st.form_submit_button("Save changes", type="primary", key=f"edit_event_submit_{event_id}"):
                try:
                    changed = EventIn.model_validate(
                        {
                            "chapter_id": int(ev["chapter_id"]),
                            "program_id": ev["program_id"],
                            "kind": e_kind,
                            "title": e_title,
                            "starts_at": datetime.combine(e_day, e_start),
                            "ends_at": datetime.combine(e_end_day, e_end),
                            "place": e_place,
                            "capacity": int(e_capacity) or None,
                        }
                    )
                    update_event(user.identity, event_id, changed)
                except (ValidationError, InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"{changed.title} is saved.")
        with st.expander("Remove this event"):
            st.warning("Removing an event also removes its shifts, sign-ups and attendance.")
            sure = st.checkbox("Yes, remove it", key=f"remove_event_sure_{event_id}")
            if st.button("Remove the event", disabled=not sure, key=f"remove_event_{event_id}"):
                try:
                    delete_event(user.identity, event_id)
                except (InvalidDataError, NotAllowedError) as exc:
                    show_errors(exc)
                else:
                    done(f"{plain(ev['title'])} is removed.")
