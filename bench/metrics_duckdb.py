# ruff: noqa: E501  (SQL reads better with its clauses unbroken)
"""The benchmark's report written in DuckDB SQL over the same frames
(registered as Arrow tables, zero-copy): the same definitions as
`metrics/`, one query per figure group, with DuckDB's own parallelism."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl

from bench import metrics_common as C
from metrics.impact import paired_change_from_moments
from metrics.periods import add_months, last_complete_month, month_end, week_start, year_before


def connect(frames: dict[str, pl.DataFrame], threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    for name, frame in frames.items():
        con.register(name, frame.to_arrow())
    return con


def q(d: date) -> str:
    return f"date '{d.isoformat()}'"


AGGREGATE_HOURS = """
    select member_id, chapter_id, program_id, status, date_trunc('month', worked_on)::date as month,
           sum(minutes) as minutes, count(*) as entries,
           bit_or((1::bigint << (day(worked_on) - 1))) as day_mask
    from raw_hours group by all
"""


def aggregate_hours(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(f"create or replace temp table hours_monthly as {AGGREGATE_HOURS}")
    return int(con.execute("select count(*) from hours_monthly").fetchone()[0])  # type: ignore[index]


def _setup(con: duckdb.DuckDBPyConnection) -> None:
    asof = q(C.AS_OF)
    con.execute(f"""
        create or replace temp view gifts as
          select *, reporting_amount_minor - refunded_minor as amount from donations
          where reporting_amount_minor - refunded_minor > 0 and received_on <= {asof};
        create or replace temp view ev as select * from events where starts_on <= {asof};
        create or replace temp view attended as
          select a.event_id, a.member_id, a.guest_count, e.starts_on, e.chapter_id, e.program_id, e.kind
          from attendance a join ev e on e.id = a.event_id;
        create or replace temp view counts as
          select e.*, coalesce(p.m, 0) as member_attendances, coalesce(p.g, 0) as guests
          from ev e left join (select event_id, count(member_id) as m, sum(guest_count) as g
                               from attendance group by event_id) p on p.event_id = e.id;
        create or replace temp view approved as select * from volunteer_hours where status = 'approved';
        create or replace temp table activity as
          select member_id, date_trunc('month', starts_on)::date as month,
                 (1::bigint << (day(starts_on) - 1)) as day_mask, true as part
            from attended where member_id is not null
          union all
          select member_id, month, day_mask::bigint, true from volunteer_hours where status = 'approved'
          union all
          select l.member_id, date_trunc('month', g.received_on)::date, (1::bigint << (day(g.received_on) - 1)), false
            from gifts g join donor_members l using (donor_id);
        create or replace temp table rungs as
          with att as (
            select member_id, starts_on, row_number() over (partition by member_id order by starts_on) as rn
            from attended where member_id is not null),
          firsts as (
            select member_id, min(starts_on) filter (where rn = 1) as attendee,
                   min(starts_on) filter (where rn = 2) as repeat_attendee
            from att where rn <= 2 group by member_id),
          vol as (
            select member_id, min(month + cast(round(log2(day_mask & -day_mask)) as integer)) as volunteer
            from approved where day_mask <> 0 group by member_id)
          select m.id as member_id, m.chapter_id, m.joined_on, m.left_on, f.attendee, f.repeat_attendee,
                 v.volunteer, m.trained_on as trained, m.leader_since as leader
          from members m left join firsts f on f.member_id = m.id left join vol v on v.member_id = m.id;
    """)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def _member_at(at: date) -> str:
    return f"joined_on <= {q(at)} and (left_on is null or left_on > {q(at)})"


def _period(con: duckdb.DuckDBPyConnection, w: C.Window) -> dict[str, Any]:
    s, e = q(w.start), q(w.end)
    first = w.end - timedelta(days=C.ACTIVE_DAYS - 1)
    fm, am = q(first.replace(day=1)), q(w.end.replace(day=1))
    out = _one(
        con,
        f"""
        with cur as (select id from members where {_member_at(w.end)}),
        win as (
          select member_id from activity
          where month between {fm} and {e}
            and day_mask & ((1::bigint << (case when month = {am} then {w.end.day} else 31 end))
                            - (1::bigint << (case when month = {fm} then {first.day} else 1 end) - 1)) <> 0)
        select (select count(*) from cur) as members,
               (select count(*) from cur where id in (select member_id from win)) as active
    """,
    )
    out |= _one(
        con,
        f"""
        select count(*) as events, sum(member_attendances + guests) as attendance,
               (select count(distinct member_id) from attended where starts_on between {s} and {e}) as uniq
        from counts where starts_on between {s} and {e}
    """,
    )
    out |= _one(
        con,
        f"""
        with per as (select member_id, sum(minutes) / 60.0 as h from approved
                     where month between {s} and {e} group by member_id),
        r as (select h, sum(h) over (order by h desc rows unbounded preceding) as cum,
                     row_number() over (order by h desc) as rn, sum(h) over () as total, count(*) over () as n
              from per)
        select coalesce(sum(h), 0) as hours, count(*) as volunteers,
               count(*) filter (where cum - h < 0.5 * total) as absence,
               sum(h) filter (where rn <= ceil(n / 10.0)) / sum(h) as top_decile
        from r
    """,
    )
    out |= _one(
        con,
        f"""
        with g as (select * from gifts where received_on between {s} and {e}),
        per as (select donor_id, sum(amount)::double as a from g group by donor_id),
        src as (select source, sum(amount)::double as a from g group by source),
        t as (select sum(amount)::double as total, count(*) as gifts,
                     sum(amount) filter (where is_recurring)::double as rec from g)
        select t.total as funds, t.gifts,
               (select count(*) from per) as donors,
               (select 10000 * sum((a / t.total) ^ 2) from per) as hhi,
               (select 10000 * sum((a / t.total) ^ 2) from src) as hhi_sources,
               (select sum(a) from (select a from per order by a desc limit {C.TOP_K})) / t.total as top_k,
               coalesce(t.rec, 0) / t.total as recurring
        from t
    """,
    )
    out |= _finance(con, w.end)
    out |= _year(con, w.end.year, w.end)
    return out


def _finance(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    last = last_complete_month(as_of)
    bf, be = add_months(last, -(C.BURN_MONTHS - 1)), month_end(last)
    yf = year_before(as_of) + timedelta(days=1)
    r = _one(
        con,
        f"""
        select (select coalesce(sum(reporting_amount_minor), 0) from expenses
                where spent_on between {q(bf)} and {q(be)}) as cout,
               (select coalesce(sum(amount), 0) from gifts where received_on between {q(bf)} and {q(be)}) as cin,
               (select sum(reporting_amount_minor) from expenses
                where spent_on between {q(yf)} and {q(as_of)}) as year_exp,
               (select cash_minor from balance_snapshots where as_of <= {q(as_of)} order by as_of desc limit 1)
                 as cash,
               (select unrestricted_reserves_minor from balance_snapshots where as_of <= {q(as_of)}
                order by as_of desc limit 1) as reserves
    """,
    )
    burn = (r["cout"] - r["cin"]) / C.BURN_MONTHS
    return {
        "net_burn": float(burn),
        "runway": r["cash"] / burn if burn > 0 else math.nan,
        "reserve_months": 12 * r["reserves"] / r["year_exp"],
    }


def _year(con: duckdb.DuckDBPyConnection, year: int, as_of: date) -> dict[str, Any]:
    cut = q(min(as_of, date(year, 12, 31)))
    return _one(
        con,
        f"""
        with per as (
          select donor_id,
                 sum(amount) filter (where year(received_on) = {year}) as a0,
                 sum(amount) filter (where year(received_on) = {year - 1}) as a1,
                 min(year(received_on)) as first_fy
          from gifts where received_on <= {cut} group by donor_id)
        select count(*) filter (where a0 > 0) as y_donors,
               count(*) filter (where a1 > 0) as y_donors_prev,
               count(*) filter (where a0 > 0 and a1 > 0) as y_retained,
               count(*) filter (where first_fy = {year - 1} and a0 > 0) as y_new_prev_retained,
               count(*) filter (where a1 > 0 and first_fy <> {year - 1}) as y_repeat_prev,
               count(*) filter (where a1 > 0 and a0 is null) as y_lybunt,
               count(*) filter (where first_fy < {year} and a0 is null and a1 is null) as y_sybunt
        from per
    """,
    )


def _series(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    s, e = q(C.START), q(C.END)
    first_week = week_start(C.START)
    lead = first_week - timedelta(weeks=4)
    out: dict[str, Any] = {}
    out |= _one(
        con,
        f"""
        with weeks as (select unnest(generate_series({q(lead)}, {q(week_start(C.END))}, interval 7 day))::date
                         as week),
        j as (select date_trunc('week', joined_on)::date as week, count(*) as n from members
              where joined_on between {q(lead)} and {e} group by 1),
        l as (select date_trunc('week', left_on)::date as week, count(*) as n from members
              where left_on between {q(lead)} and {e} and joined_on <= {e} group by 1),
        base as (select count(*) as b from members where {_member_at(lead - timedelta(days=1))}),
        m as (select w.week, base.b + sum(coalesce(j.n, 0) - coalesce(l.n, 0)) over (order by w.week) as members
              from weeks w cross join base left join j using (week) left join l using (week))
        select sum(members) as weekly_members from m where week >= {q(first_week)}
    """,
    )
    lead_a = first_week - timedelta(weeks=C.SPIKE_WINDOW)
    out |= _one(
        con,
        f"""
        with weeks as (select unnest(generate_series({q(lead_a)}, {q(week_start(C.END))}, interval 7 day))::date
                         as week),
        first_ever as (select date_trunc('week', min(starts_on))::date as fw from counts),
        wk as (select date_trunc('week', starts_on)::date as week, count(*) as events,
                      sum(member_attendances + guests) as att
               from counts where starts_on between {q(lead_a)} and {e} group by 1),
        s1 as (select w.week, coalesce(wk.att, 0)::double as att,
                      lag(case when w.week >= f.fw then coalesce(wk.att, 0)::double end) over (order by w.week) as prior
               from weeks w cross join first_ever f left join wk using (week)),
        s2 as (select week, att,
                      case when count(prior) over r >= {C.MIN_HISTORY} then avg(prior) over r end as mean,
                      case when count(prior) over r >= {C.MIN_HISTORY} then stddev_samp(prior) over r end as sd
               from s1 window r as (order by week rows between {C.SPIKE_WINDOW - 1} preceding and current row)),
        s3 as (select week, case when week + 6 > {e} or mean is null or mean < {C.MIN_MEAN} then 0
                                 when att > mean + {C.SPIKE_SD} * sd then 1
                                 when att < mean - {C.SPIKE_SD} * sd then -1 else 0 end as side from s2),
        s4 as (select week, side, sum(case when side is distinct from prev then 1 else 0 end)
                      over (order by week) as run
               from (select *, lag(side) over (order by week) as prev from s3)),
        s5 as (select week, side, count(*) over (partition by run) as run_len from s4)
        select count(*) filter (where side <> 0 and run_len < {C.TREND_WEEKS} and week >= {q(first_week)})
               as spikes from s5
    """,
    )
    lookback = add_months(C.START, -11)
    con.execute(f"""
        with months as (select unnest(generate_series({q(lookback)}, {q(C.END.replace(day=1))}, interval 1 month))
                          ::date as month),
        cin as (select date_trunc('month', received_on)::date as month, sum(amount) as v from gifts
                where received_on between {q(lookback)} and {e} group by 1),
        cout as (select date_trunc('month', spent_on)::date as month, sum(reporting_amount_minor) as v
                 from expenses where spent_on between {q(lookback)} and {e} group by 1),
        f as (select m.month, coalesce(cout.v, 0) - coalesce(cin.v, 0) as net_out, coalesce(cout.v, 0) as out_
              from months m left join cin using (month) left join cout using (month)),
        r as (select month, avg(net_out) over (order by month rows between {C.BURN_MONTHS - 1} preceding
                                               and current row) as burn,
                     sum(out_) over (order by month rows between 11 preceding and current row) as exp12
              from f)
        select r.*, b.cash_minor / nullif(r.burn, 0) as runway from r
        asof left join balance_snapshots b on last_day(r.month) >= b.as_of
        where r.month >= {s}
    """).fetchall()
    con.execute(f"""
        select date_trunc('month', received_on) as month, source, sum(amount), count(*)
        from gifts where received_on between {s} and {e} group by all
    """).fetchall()
    last = C.END.replace(day=1)
    cfirst = add_months(last, -(C.COHORTS - 1))
    out |= _one(
        con,
        f"""
        with mem as (select id as member_id, date_trunc('month', joined_on)::date as cohort from members
                     where joined_on between {q(cfirst)} and {e}),
        j as (select distinct m.member_id, m.cohort, a.month from mem m join activity a using (member_id)
              where a.month between {q(cfirst)} and {e})
        select count(*) as cohort_active from j where month >= cohort
    """,
    )
    at = q(C.AS_OF)
    out |= _one(
        con,
        f"""
        with r as (select greatest(case when attendee <= {at} then 1 else 0 end,
                                   case when repeat_attendee <= {at} then 2 else 0 end,
                                   case when volunteer <= {at} then 3 else 0 end,
                                   case when trained <= {at} then 4 else 0 end,
                                   case when leader <= {at} then 5 else 0 end) as rank
                   from rungs where {_member_at(C.AS_OF)})
        select count(*) as ladder_0, count(*) filter (where rank >= 1) as ladder_1,
               count(*) filter (where rank >= 2) as ladder_2, count(*) filter (where rank >= 3) as ladder_3,
               count(*) filter (where rank >= 4) as ladder_4, count(*) filter (where rank >= 5) as ladder_5
        from r
    """,
    )
    cols = ("attendee", "repeat_attendee", "volunteer", "trained", "leader")
    parts = []
    for i in range(1, 5):
        mr = f"date_trunc('month', {cols[i]})"
        higher = " and ".join(f"({h} is null or {h} >= {mr})" for h in cols[i + 1 :]) or "true"
        parts.append(f"select member_id from rungs where {cols[i]} between {s} and {e} and {higher}")
    out |= _one(
        con,
        f"""
        select (select count(distinct member_id) from activity where part and month between {s} and {e})
                 as breadth,
               (select count(distinct member_id) from ({" union all ".join(parts)})) as depth
    """,
    )
    con.execute(f"""
        select month, count(distinct member_id) from activity where part and month between {s} and {e} group by 1
    """).fetchall()
    con.execute(f"""
        with per as (select member_id, sum(minutes) / 60.0 as h from approved
                     where month between {s} and {e} group by member_id)
        select sum(case when h >= 0 and h < 1 then 1 else 0 end), sum(case when h >= 1 and h < 5 then 1 else 0 end),
               sum(case when h >= 5 and h < 10 then 1 else 0 end), sum(case when h >= 10 and h < 20 then 1 else 0 end),
               sum(case when h >= 20 and h < 50 then 1 else 0 end), sum(case when h >= 50 and h < 100 then 1 else 0 end),
               sum(case when h >= 100 and h < 200 then 1 else 0 end), sum(case when h >= 200 then 1 else 0 end)
        from per
    """).fetchall()
    con.execute(f"""
        with per as (select member_id, sum(minutes) / 60.0 as h from approved
                     where month between {s} and {e} group by member_id),
        r as (select row_number() over (order by h desc) * 1.0 / count(*) over () as vs,
                     sum(h) over (order by h desc rows unbounded preceding) / sum(h) over () as hs from per)
        select g.v, max(r.hs) from (select unnest(range(1, 21)) / 20.0 as v) g left join r on r.vs <= g.v group by g.v
    """).fetchall()
    out |= _one(
        con,
        f"""
        select sum(n) as new_volunteers from (
          select date_trunc('month', volunteer) as m, count(*) as n from rungs
          where volunteer between {s} and {e} group by 1)
    """,
    )
    con.execute(f"""
        select month, count(distinct member_id), sum(minutes) from approved where month between {s} and {e} group by 1
    """).fetchall()
    out |= _one(
        con,
        f"""
        with v0 as (select distinct member_id from approved where month between date '{C.FY}-01-01' and {e}),
        v1 as (select distinct member_id from approved where month between date '{C.FY - 1}-01-01'
               and date '{C.FY - 1}-12-31')
        select (select count(*) from v1) as vol_prev,
               (select count(*) from v1 where member_id in (select member_id from v0)) as vol_retained
    """,
    )
    lastc = last_complete_month(C.AS_OF)
    quiet = add_months(lastc, -(C.QUIET - 1))
    sust = add_months(quiet, -C.SUSTAINED)
    out |= _one(
        con,
        f"""
        with m as (select distinct member_id, month from approved where month between {q(sust)} and {q(lastc)})
        select count(*) as dropped from (
          select member_id from m group by member_id
          having count(*) filter (where month < {q(quiet)}) = {C.SUSTAINED}
             and count(*) filter (where month >= {q(quiet)}) = 0)
    """,
    )
    out |= _one(
        con,
        f"""
        with u as (
          select chapter_id, sum(units) as units from (
            select chapter_id, sum(member_attendances + guests) as units from counts
            where starts_on between {s} and {e} group by 1
            union all
            select chapter_id, sum(entries) from approved where month between {s} and {e} group by 1)
          group by 1 having sum(units) > 0),
        r as (select units, sum(units) over (order by units desc rows unbounded preceding) as cum,
                     sum(units) over () as total from u)
        select count(*) filter (where cum - units < 0.5 * total) as elephant from r
    """,
    )
    reversed_ = set(C.TEQ_REVERSED)
    teq = " + ".join(f"(4 - q{i:02d})" if i in reversed_ else f"q{i:02d}" for i in range(1, 17))
    con.execute(f"""
        create or replace temp table scored as
        select *, {teq} as teq,
               case when program_id is null then event_id end as ev_key from survey_responses
    """)
    pairs = f"""
        with pre as (select program_id, ev_key, respondent_code, arg_min(teq, answered_on) as pre
                     from scored where wave = 'pre' group by all),
        post as (select program_id, ev_key, respondent_code, arg_max(teq, answered_on) as post,
                        max(answered_on) as post_on
                 from scored where wave = 'post' group by all)
        select pre.program_id, pre, post from pre join post
          on pre.program_id is not distinct from post.program_id and pre.ev_key is not distinct from post.ev_key
         and pre.respondent_code = post.respondent_code
        where post_on between {s} and {e}
    """
    moments = """count(*) as n, avg(pre) as mean_pre, avg(post) as mean_post, stddev_samp(pre) as sd_pre,
                 stddev_samp(post) as sd_post, avg(post - pre) as mean_diff, stddev_samp(post - pre) as sd_diff"""
    rows = con.execute(f"select program_id, {moments} from ({pairs}) group by program_id").fetchall()
    by_program = [paired_change_from_moments(None, *r[1:]) for r in rows]
    total = _one(con, f"select {moments} from ({pairs})")
    paired_change_from_moments(None, **total)
    out |= {"paired_n": total["n"], "paired_mean": total["mean_diff"], "programs_paired": len(by_program)}
    out |= _one(
        con,
        f"""
        with latest as (select respondent_code, arg_max(practice, answered_on) as practice from survey_responses
                        where answered_on between {s} and {e} and wave in ('post', 'follow_up')
                          and practice is not null group by 1)
        select count(*) as practice_n from latest
    """,
    )
    out |= _one(
        con,
        f"""
        select count(*) as teq_rows from scored where answered_on between {s} and {e}
    """,
    )
    return out


def run(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    _setup(con)
    out: dict[str, Any] = {}
    cur = _period(con, C.CURRENT)
    prev = _period(con, C.PREVIOUS)
    out.update(
        members=cur["members"],
        members_prev=prev["members"],
        active=cur["active"],
        active_prev_ratio=prev["active"] / prev["members"],
        events=cur["events"],
        attendance=cur["attendance"],
        attendance_prev=prev["attendance"],
        unique_attendees=cur["uniq"],
        hours=cur["hours"],
        hours_prev=prev["hours"],
        volunteers=cur["volunteers"],
        absence_factor=cur["absence"],
        funds=cur["funds"],
        funds_prev=prev["funds"],
        donors=cur["donors"],
        hhi_donors=cur["hhi"],
        top_k_share=cur["top_k"],
        recurring_share=cur["recurring"],
        fy_donors=cur["y_donors"],
        fy_donors_prev=cur["y_donors_prev"],
        fy_retained=cur["y_retained"],
        fy_new_prev_retained=cur["y_new_prev_retained"],
        fy_repeat_prev=cur["y_repeat_prev"],
        lybunt=cur["y_lybunt"],
        sybunt=cur["y_sybunt"],
        retention_prev=prev["y_retained"] / prev["y_donors_prev"] if prev["y_donors_prev"] else math.nan,
        net_burn=cur["net_burn"],
        reserve_months=cur["reserve_months"],
    )
    out |= _series(con)
    return {k: float(v) for k, v in out.items() if v is not None}
