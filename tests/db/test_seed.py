"""The demo movement: the invariants the database's triggers would enforce
hold although the big tables are copied with triggers off; the numbers look
like a real movement's (FEP retention, a training effect); the same seed
gives the same rows; the demo accounts work; the command refuses to
overwrite a movement unless forced."""

from __future__ import annotations

import os
from datetime import date

import numpy as np
import polars as pl
import psycopg
import pytest

from db.arrow import read_frame
from db.passwords import verify_password
from db.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, DatabaseNotEmptyError, load_demo
from db.seed.impact import REVERSED
from db.seed.load import BIG_TABLES
from tests.conftest import clone_database, run_command

END = date(2026, 6, 15)
# The instant the demo's history ends (a template database may be days old,
# so tests compare with it rather than with now()).
AS_OF = "(select updated_at from public.movement_settings)"


def _scalar(uri: str, sql: str, params: tuple[object, ...] = ()) -> object:
    with psycopg.connect(uri) as conn:
        row = conn.execute(sql, params or None).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


def _digest(uri: str) -> dict[str, str]:
    """md5 of every public table's rows (ids included), in a stable order."""
    with psycopg.connect(uri) as conn:
        conn.execute("set time zone 'UTC'")
        tables = [
            r[0]
            for r in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' and tablename <> 'audit_log' "
                "order by tablename"
            )
        ]
        out = {}
        for t in tables:
            row = conn.execute(
                f"select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from public.{t} x"
            ).fetchone()
            assert row is not None
            out[t] = str(row[0])
    return out


# -- invariants, on the small demo the app and the tests use -----------------


def test_no_hours_before_joining_in_the_future_or_outside_the_members_chapter(demo_db: str) -> None:
    bad = _scalar(
        demo_db,
        f"""select count(*) from public.volunteer_hours h join public.members m on m.id = h.member_id
            where h.worked_on < m.joined_on or h.worked_on >= {AS_OF}::date
               or h.chapter_id <> m.chapter_id""",
    )
    assert bad == 0
    assert _scalar(demo_db, "select count(*) from public.volunteer_hours") > 20_000  # type: ignore[operator]


def test_never_more_than_24_hours_a_day(demo_db: str) -> None:
    worst = _scalar(
        demo_db,
        """select coalesce(max(total), 0) from (
             select sum(minutes) as total from public.volunteer_hours
              where status <> 'rejected' group by member_id, worked_on) t""",
    )
    assert 0 < worst <= 1440  # type: ignore[operator]


def test_review_fields_match_the_status(demo_db: str) -> None:
    counts = dict(
        _rows(
            demo_db,
            """select status, count(*) from public.volunteer_hours
                where (status = 'pending') <> (reviewed_at is null)
                   or (status = 'rejected' and coalesce(btrim(rejection_reason), '') = '')
                   or (status <> 'rejected' and rejection_reason is not null)
                   or reviewed_at < created_at
                group by status""",
        )
    )
    assert counts == {}
    statuses = dict(_rows(demo_db, "select status, count(*) from public.volunteer_hours group by status"))
    assert set(statuses) == {"approved", "pending", "rejected"}
    assert statuses["approved"] > 10 * statuses["rejected"]


def _rows(uri: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(uri) as conn:
        return [tuple(r) for r in conn.execute(sql, params or None)]  # type: ignore[arg-type]


def test_shifts_never_overbooked_and_counts_match_live_signups(demo_db: str) -> None:
    mismatched = _scalar(
        demo_db,
        """select count(*) from public.shifts s
            where s.signed_up > s.capacity
               or s.signed_up <> (select count(*) from public.shift_signups u
                                   where u.shift_id = s.id and u.status <> 'cancelled')""",
    )
    assert mismatched == 0
    assert _scalar(demo_db, "select count(*) from public.shifts where signed_up = capacity") > 0  # type: ignore[operator]
    future_open = _scalar(
        demo_db, f"select count(*) from public.shifts where starts_at > {AS_OF} and signed_up < capacity"
    )
    assert future_open > 0  # type: ignore[operator]


def test_signups_attendance_and_events_are_consistent(demo_db: str) -> None:
    bad = _scalar(
        demo_db,
        f"""select
             (select count(*) from public.shift_signups u join public.shifts s on s.id = u.shift_id
               where (u.status in ('attended', 'no_show') and s.starts_at >= {AS_OF})
                  or (u.status = 'signed_up' and s.starts_at < {AS_OF})
                  or u.created_at >= {AS_OF})
           + (select count(*) from public.attendance a join public.events e on e.id = a.event_id
               where e.starts_at >= {AS_OF})
           + (select count(*) from public.attendance a join public.events e on e.id = a.event_id
                 join public.members m on m.id = a.member_id
               where m.joined_on > e.starts_at::date)""",
    )
    assert bad == 0


def test_gifts_never_before_the_donor_existed_and_amounts_convert(demo_db: str) -> None:
    assert (
        _scalar(
            demo_db,
            """select count(*) from public.donations d join public.donors o on o.id = d.donor_id
                where d.received_on < (o.created_at at time zone 'UTC')::date""",
        )
        == 0
    )
    # reporting_amount_minor is the amount at the stored rate of its day.
    off = _scalar(
        demo_db,
        """select count(*) from public.donations d
             left join public.exchange_rates r on r.currency = d.currency and r.valid_on = d.received_on
            where d.reporting_amount_minor <> case when d.currency = 'USD' then d.amount_minor
                                                   else greatest(round(d.amount_minor * r.rate), 1) end""",
    )
    assert off == 0
    currencies = _scalar(demo_db, "select count(distinct currency) from public.donations")
    assert currencies >= 3  # type: ignore[operator]
    dup = _scalar(
        demo_db,
        "select count(*) from (select processor, processor_ref from public.donations "
        "where processor is not null group by 1, 2 having count(*) > 1) t",
    )
    assert dup == 0
    assert _scalar(demo_db, "select count(*) from public.donations where refunded_minor > 0") > 0  # type: ignore[operator]
    assert _scalar(demo_db, "select count(*) from public.donations where is_recurring") > 0  # type: ignore[operator]


def test_chapters_grow_into_a_tree_with_higher_parents(demo_db: str) -> None:
    levels = dict(_rows(demo_db, "select level, count(*) from public.chapters group by level"))
    assert levels["international"] == 1
    assert levels["national"] >= 2 and levels["regional"] >= 2 and 15 <= sum(levels.values()) <= 25
    bad = _scalar(
        demo_db,
        """select count(*) from public.chapters c join public.chapters p on p.id = c.parent_id
            where app.level_rank(p.level) <= app.level_rank(c.level)""",
    )
    assert bad == 0
    assert _scalar(demo_db, "select count(*) from public.chapters where parent_id is null") == 1
    # Locals came first: the oldest chapter is a local one, the international the youngest level.
    assert _scalar(demo_db, "select level from public.chapters order by founded_on, id limit 1") == "local"


def test_survey_pairs_and_a_plausible_training_effect(demo_db: str) -> None:
    assert (
        _scalar(
            demo_db,
            """select count(*) from (
                 select respondent_code, program_id, event_id from public.survey_responses
                  where wave = 'post' group by 1, 2, 3 having count(*) > 1) t""",
        )
        == 0
    )
    assert (
        _scalar(
            demo_db,
            """select count(*) from public.survey_responses
                where anonymous and (member_id is not null or user_id is not null)""",
        )
        == 0
    )
    frame = read_frame(
        None,
        "select respondent_code, program_id, event_id, wave, practice, "
        + ", ".join(f"q{i:02d}::int as q{i:02d}" for i in range(1, 17))
        + " from public.survey_responses",
        uri=demo_db,
    )
    positive = [f"q{i:02d}" for i in range(1, 17) if i not in REVERSED]
    reversed_ = [f"q{i:02d}" for i in REVERSED]
    # Reverse-worded items are answered the other way round.
    corr = np.corrcoef(
        frame.select(pl.sum_horizontal(positive)).to_series(),
        frame.select(pl.sum_horizontal(reversed_)).to_series(),
    )[0, 1]
    assert corr < -0.5
    scored = frame.with_columns(
        teq=pl.sum_horizontal([pl.col(c) for c in positive] + [4 - pl.col(c) for c in reversed_])
    )
    keys = ["respondent_code", "program_id", "event_id"]
    pre = scored.filter(pl.col("wave") == "pre")
    post = scored.filter(pl.col("wave") == "post")
    pairs = pre.join(post, on=keys, nulls_equal=True, suffix="_post")
    assert pairs.height == post.height  # every post has its pre
    delta = (pairs["teq_post"] - pairs["teq"]).cast(pl.Float64)
    d_z = float(delta.mean()) / float(delta.std())  # type: ignore[arg-type]
    assert 0.3 <= d_z <= 0.65
    assert 35 <= float(pre["teq"].mean()) <= 52  # type: ignore[arg-type]
    weekly = ["weekly", "several_times_a_week", "daily"]
    rate_pre = pre.filter(pl.col("practice").is_not_null())["practice"].is_in(weekly).mean()
    rate_post = post.filter(pl.col("practice").is_not_null())["practice"].is_in(weekly).mean()
    assert rate_pre is not None and rate_post is not None
    assert rate_pre < rate_post
    assert scored["wave"].unique().sort().to_list() == ["follow_up", "post", "pre"]


def test_donor_retention_follows_the_fep_pattern(demo_db: str) -> None:
    gifts = read_frame(
        None,
        "select donor_id, extract(year from received_on)::int as y from public.donations",
        uri=demo_db,
        schema={"donor_id": pl.Int64, "y": pl.Int32},
    ).unique()
    year = int(_scalar(demo_db, "select extract(year from max(received_on))::int from public.donations")) - 1  # type: ignore[call-overload]
    first = gifts.group_by("donor_id").agg(pl.col("y").min().alias("first"))
    donors = {y: set(gifts.filter(pl.col("y") == y)["donor_id"]) for y in (year - 1, year)}
    new = set(first.filter(pl.col("first") == year - 1)["donor_id"])
    repeat = donors[year - 1] - new
    overall_rate = len(donors[year - 1] & donors[year]) / len(donors[year - 1])
    new_rate = len(new & donors[year]) / len(new)
    repeat_rate = len(repeat & donors[year]) / len(repeat)
    assert 0.35 <= overall_rate <= 0.55
    assert 0.12 <= new_rate <= 0.30
    assert 0.55 <= repeat_rate <= 0.75


def test_finances_give_a_plausible_runway_and_reserve(demo_db: str) -> None:
    last = _rows(
        demo_db,
        """select cash_minor, unrestricted_reserves_minor from public.balance_snapshots
            order by as_of desc limit 1""",
    )[0]
    spend_12 = _scalar(
        demo_db,
        """select sum(reporting_amount_minor) from public.expenses
            where spent_on >= (select max(as_of) from public.balance_snapshots) - interval '12 months'
              and spent_on <= (select max(as_of) from public.balance_snapshots)""",
    )
    monthly = float(spend_12) / 12  # type: ignore[arg-type]
    reserve_months = float(last[1]) / monthly  # type: ignore[arg-type]
    cash_months = float(last[0]) / monthly  # type: ignore[arg-type]
    assert 1.5 <= reserve_months <= 12
    assert 2 <= cash_months <= 12
    assert _scalar(demo_db, "select min(cash_minor) from public.balance_snapshots") > 0  # type: ignore[operator]
    cats = dict(
        _rows(demo_db, "select category, sum(reporting_amount_minor) from public.expenses group by 1")
    )
    assert cats["program"] > cats["admin"] and cats["program"] > cats["fundraising"]


def test_goals_name_metrics_with_targets(demo_db: str) -> None:
    metrics = {r[0] for r in _rows(demo_db, "select metric from public.goals")}
    assert {"impact.practice_rate", "momentum.active_chapters", "fundraising.donor_retention"} <= metrics
    assert _scalar(demo_db, "select reporting_currency from public.movement_settings") == "USD"


def test_the_demo_names_who_issues_its_statements(demo_db: str) -> None:
    issuer = _rows(demo_db, "select legal_name, postal_address, tax_number from public.movement_settings")
    assert issuer == [
        (
            "Empathy Movement Inc.",
            "100 Example Street\nSpringfield, IL 62701\nUnited States",
            "EIN 00-0000000",
        )
    ]


def test_triggers_are_back_on_and_sequences_past_the_loaded_ids(demo_db: str) -> None:
    disabled = _rows(
        demo_db,
        """select c.relname, t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid
            where c.relnamespace = 'public'::regnamespace and not t.tgisinternal and t.tgenabled = 'D'""",
    )
    assert disabled == []
    for table in ("members", "volunteer_hours", "donations", "events"):
        nextval = _scalar(demo_db, f"select nextval(pg_get_serial_sequence('public.{table}', 'id'))")
        assert nextval > _scalar(demo_db, f"select max(id) from public.{table}")  # type: ignore[operator]


# -- demo accounts ----------------------------------------------------------


def test_demo_accounts_sign_in_and_hold_their_roles(demo_db: str) -> None:
    users = {
        str(r[0]): (r[1], r[2])
        for r in _rows(
            demo_db, "select id, email, encrypted_password from auth.users where email like '%@demo.%'"
        )
    }
    assert len(users) == len(DEMO_ACCOUNTS)
    # argon2 is slow on purpose: one check is enough to prove the hash.
    first = DEMO_ACCOUNTS[0]
    assert verify_password(users[str(first.user_id)][1], DEMO_PASSWORD)  # type: ignore[arg-type]
    assert not verify_password(users[str(first.user_id)][1], DEMO_PASSWORD + "x")  # type: ignore[arg-type]
    assert len({h for _, h in users.values()}) == 1  # hashed once, shared
    roles = {(str(r[0]), r[1]) for r in _rows(demo_db, "select user_id, role from public.roles")}
    for account in DEMO_ACCOUNTS:
        assert users[str(account.user_id)][0] == account.email
        for role in account.roles:
            assert (str(account.user_id), role) in roles


def test_demo_volunteer_sits_under_the_coordinators_region_with_a_history(demo_db: str) -> None:
    by_email = {a.email: a for a in DEMO_ACCOUNTS}
    volunteer = by_email["volunteer@demo.heartbeat.example"]
    coordinator = by_email["coordinator@demo.heartbeat.example"]
    other = by_email["coordinator.other@demo.heartbeat.example"]
    region, level = _rows(
        demo_db,
        """select p.id, p.level from public.members m join public.chapters c on c.id = m.chapter_id
             join public.chapters p on p.id = c.parent_id where m.user_id = %s""",
        (volunteer.user_id,),
    )[0]
    assert level == "regional"
    coordinated = _scalar(
        demo_db,
        "select chapter_id from public.roles where user_id = %s and role = 'coordinator'",
        (coordinator.user_id,),
    )
    assert coordinated == region
    assert (
        _scalar(
            demo_db,
            f"select chapter_id from public.roles where user_id = '{other.user_id}' and role = 'coordinator'",
        )
        != region
    )
    statuses = dict(
        _rows(
            demo_db,
            """select h.status, count(*) from public.volunteer_hours h
                 join public.members m on m.id = h.member_id where m.user_id = %s group by 1""",
            (volunteer.user_id,),
        )
    )
    assert statuses.get("approved", 0) > 10 and statuses.get("pending", 0) >= 2
    signups = dict(
        _rows(
            demo_db,
            """select u.status, count(*) from public.shift_signups u
                 join public.members m on m.id = u.member_id where m.user_id = %s group by 1""",
            (volunteer.user_id,),
        )
    )
    assert signups.get("signed_up", 0) >= 1
    assert signups.get("attended", 0) + signups.get("no_show", 0) >= 1
    # Nobody reviews their own hours.
    assert (
        _scalar(
            demo_db,
            """select count(*) from public.volunteer_hours h join public.members m on m.id = h.member_id
                where h.reviewed_by is not null and h.reviewed_by = m.user_id""",
        )
        == 0
    )


# -- determinism and the loader ---------------------------------------------


def test_same_seed_and_end_date_give_identical_content(pg_server: object) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    first = clone_database(pg_server, "empty", f"hb_seed_det_a_{worker}")
    second = clone_database(pg_server, "empty", f"hb_seed_det_b_{worker}")
    other = clone_database(pg_server, "empty", f"hb_seed_det_c_{worker}")
    a = load_demo(first, size="tiny", seed=7, end_date=END)
    b = load_demo(second, size="tiny", seed=7, end_date=END)
    load_demo(other, size="tiny", seed=8, end_date=END, with_accounts=False)
    assert a.rows == b.rows
    assert all(v > 0 for k, v in a.rows.items() if k not in ("donation_refunds",)), a.rows
    digest_a, digest_b, digest_c = _digest(first), _digest(second), _digest(other)
    assert digest_a == digest_b
    assert digest_a["volunteer_hours"] != digest_c["volunteer_hours"]
    assert _scalar(first, "select max(worked_on) from public.volunteer_hours") < END  # type: ignore[operator]
    assert _scalar(other, "select count(*) from public.members where user_id is not null") == 0
    assert _scalar(other, "select count(*) from auth.users") == 0
    assert _scalar(other, "select count(*) from public.roles") == 0


def test_loading_refuses_a_database_that_holds_a_movement(fresh_demo_db: str) -> None:
    with pytest.raises(DatabaseNotEmptyError, match="already holds"):
        load_demo(fresh_demo_db, size="tiny", end_date=END)
    before = _scalar(fresh_demo_db, "select count(*) from public.members")
    # Replacing deletes everything first, in the same transaction.
    summary = load_demo(fresh_demo_db, size="tiny", end_date=END, replace=True)
    assert _scalar(fresh_demo_db, "select count(*) from public.members") == summary.rows["members"] != before
    assert _scalar(fresh_demo_db, "select count(*) from public.audit_log") == 0
    assert _scalar(fresh_demo_db, "select count(*) from auth.users where email like '%@demo.%'") == len(
        DEMO_ACCOUNTS
    )
    for table in BIG_TABLES:
        if table in summary.rows:
            assert summary.rows[table] == _scalar(fresh_demo_db, f"select count(*) from public.{table}")


def test_command_refuses_a_non_empty_database_without_force(fresh_demo_db: str) -> None:
    members = _scalar(fresh_demo_db, "select count(*) from public.members")
    refused = run_command("db.seed", fresh_demo_db, "--size", "tiny")
    assert refused.returncode == 2
    assert "already holds a movement" in refused.stderr and "--force" in refused.stderr
    assert _scalar(fresh_demo_db, "select count(*) from public.members") == members

    forced = run_command("db.seed", fresh_demo_db, "--size", "tiny", "--force", "--end-date", END.isoformat())
    assert forced.returncode == 0, forced.stderr
    assert "volunteer_hours" in forced.stdout and "loaded in" in forced.stdout
    assert _scalar(fresh_demo_db, "select count(*) from public.members") < 200  # type: ignore[operator]


def test_indexes_and_foreign_keys_survive_the_load(empty_db: str, demo_db: str) -> None:
    """The loader drops the big tables' plain indexes and foreign keys for
    speed and recreates them: the seeded schema equals the migrated one."""
    sql = """select 'index', indexname::text, indexdef from pg_indexes where schemaname = 'public'
             union all
             select 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
               from pg_constraint where connamespace = 'public'::regnamespace
             union all
             select 'trigger', tgrelid::regclass::text || '.' || tgname, tgenabled::text
               from pg_trigger where not tgisinternal
                 and tgrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace)
             order by 1, 2"""
    assert _rows(demo_db, sql) == _rows(empty_db, sql)
