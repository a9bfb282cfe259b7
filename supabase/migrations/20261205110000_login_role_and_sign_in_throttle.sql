-- The app's own login role, and sign-in throttling that cannot lock the
-- owner of an account out.
--
-- heartbeat_app is PostgREST's "authenticator" pattern: it logs in, reads
-- nothing itself, and can only switch to anon or authenticated (NOINHERIT:
-- it holds none of their privileges until it does). No password here: on the
-- embedded default the server's socket authenticates it; on Supabase an
-- operator sets one once (see README, "Least privilege").
do $$
begin
  if not exists (select from pg_roles where rolname = 'heartbeat_app') then
    create role heartbeat_app login noinherit nosuperuser nobypassrls nocreatedb nocreaterole noreplication;
  end if;
end
$$;
-- Granting the API roles needs their ADMIN option (PostgreSQL 16+); where the
-- migrating role lacks it, an administrator runs this one grant (README).
do $$
begin
  if pg_has_role(current_user, 'anon', 'MEMBER WITH ADMIN OPTION')
     and pg_has_role(current_user, 'authenticated', 'MEMBER WITH ADMIN OPTION') then
    grant anon, authenticated to heartbeat_app;
  else
    raise notice 'run as an administrator: grant anon, authenticated to heartbeat_app';
  end if;
end
$$;

-- Failed sign-ins (and attempts not yet known to have succeeded). Rows older
-- than an hour are pruned at every attempt, and attempts refused by a budget
-- are not recorded, so the table stays bounded whatever an attacker sends.
create table app.sign_in_failures (
  id bigint generated always as identity primary key,
  email text not null,
  client text not null,
  -- made from a device that signed in to this account before
  known_device boolean not null default false,
  failed_at timestamptz not null
);
create index sign_in_failures_email_at on app.sign_in_failures (email, known_device, failed_at desc);
create index sign_in_failures_client_at on app.sign_in_failures (client, failed_at desc);
create index sign_in_failures_at on app.sign_in_failures (failed_at desc);

-- Devices (browser sessions) that proved themselves by signing in: only a
-- SHA-256 of the random token is kept.
create table app.known_devices (
  token_hash bytea primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  last_used_at timestamptz not null
);
create index known_devices_user on app.known_devices (user_id, last_used_at desc);

alter table app.sign_in_failures enable row level security;
alter table app.known_devices enable row level security;
revoke all on app.sign_in_failures, app.known_devices from public, anon, authenticated, service_role;

-- Progressive delay after `failures` recent failures on one account:
-- free for the first 2, then 5 s doubling up to 15 minutes
-- (OWASP Authentication Cheat Sheet, "account lockout": throttle rather
-- than lock, so an attacker cannot lock the owner out).
create function app.sign_in_delay_seconds(failures integer) returns integer
language sql immutable
set search_path = ''
as $$
  select case when failures < 3 then 0
              else least(900, (5 * power(2, least(failures - 3, 20)))::integer) end
$$;

-- The first half of a local sign-in: refuses (wait_seconds > 0, nothing
-- recorded) while the account's delay, the client's budget (20 failures per
-- 15 minutes) or the global budget (300 failures per 15 minutes, against
-- spraying) is spent; otherwise records the attempt as a failure before the
-- password is checked (so parallel guesses are counted) and returns the
-- stored hash for the app to verify. A known device of the account skips the
-- client and global budgets and has a delay of its own, so an attacker's
-- failures never lock the owner out.
create function app.sign_in_begin(p_email text, p_client text, p_device text, p_now timestamptz)
returns table (
  attempt_id bigint, wait_seconds integer, user_id uuid, encrypted_password text,
  banned_until timestamptz, email text, full_name text
)
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_email text := lower(btrim(coalesce(p_email, '')));
  v_client text := left(coalesce(nullif(btrim(p_client), ''), 'unknown'), 200);
  v_window constant interval := interval '15 minutes';
  v_client_budget constant integer := 20;
  v_global_budget constant integer := 300;
  v_user uuid;
  v_hash text;
  v_banned timestamptz;
  v_address text;
  v_name text;
  v_known boolean := false;
  v_failures integer;
  v_last timestamptz;
  v_edge timestamptz;
  v_wait numeric := 0;
  v_attempt bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended('sign_in:' || v_email, 0));
  delete from app.sign_in_failures f where f.failed_at < p_now - interval '1 hour';

  select u.id, u.encrypted_password, u.banned_until, u.email::text,
         nullif(u.raw_user_meta_data ->> 'full_name', '')
    into v_user, v_hash, v_banned, v_address, v_name
    from auth.users u where lower(u.email) = v_email;
  if v_user is not null and p_device is not null then
    v_known := exists (
      select 1 from app.known_devices d
       where d.token_hash = sha256(convert_to(p_device, 'UTF8')) and d.user_id = v_user);
  end if;

  select count(*), max(f.failed_at) into v_failures, v_last
    from app.sign_in_failures f
   where f.email = v_email and f.known_device = v_known
     and f.failed_at > p_now - interval '1 hour' and f.failed_at <= p_now;
  if app.sign_in_delay_seconds(v_failures) > 0 then
    v_wait := extract(epoch from v_last + make_interval(secs => app.sign_in_delay_seconds(v_failures)) - p_now);
  end if;

  if not v_known then
    select f.failed_at into v_edge from app.sign_in_failures f
     where f.client = v_client and not f.known_device
       and f.failed_at > p_now - v_window and f.failed_at <= p_now
     order by f.failed_at desc offset v_client_budget - 1 limit 1;
    if found then
      v_wait := greatest(v_wait, extract(epoch from v_edge + v_window - p_now));
    end if;
    select f.failed_at into v_edge from app.sign_in_failures f
     where not f.known_device and f.failed_at > p_now - v_window and f.failed_at <= p_now
     order by f.failed_at desc offset v_global_budget - 1 limit 1;
    if found then
      v_wait := greatest(v_wait, extract(epoch from v_edge + v_window - p_now));
    end if;
  end if;

  if v_wait > 0 then
    return query select null::bigint, ceil(v_wait)::integer, null::uuid, null::text,
                        null::timestamptz, null::text, null::text;
    return;
  end if;
  insert into app.sign_in_failures (email, client, known_device, failed_at)
  values (v_email, v_client, v_known, p_now)
  returning id into v_attempt;
  return query select v_attempt, 0, v_user, v_hash, v_banned, v_address, v_name;
end
$$;

-- The second half, called only after the app verified the password: the
-- attempt is no failure after all, failures of the same kind (known device or
-- not) on the account are forgotten, an outdated hash is replaced, and a new
-- known-device token is returned (at most 10 kept per account, 90 days).
create function app.sign_in_succeeded(p_attempt bigint, p_new_hash text, p_now timestamptz)
returns text
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_email text;
  v_known boolean;
  v_user uuid;
  v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
begin
  delete from app.sign_in_failures f where f.id = p_attempt
  returning f.email, f.known_device into v_email, v_known;
  if v_email is null then
    raise exception 'no such sign-in attempt' using errcode = '42501';
  end if;
  select u.id into v_user from auth.users u where lower(u.email) = v_email;
  if v_user is null then
    raise exception 'no such sign-in attempt' using errcode = '42501';
  end if;
  delete from app.sign_in_failures f where f.email = v_email and f.known_device = v_known;
  update auth.users u
     set last_sign_in_at = p_now,
         encrypted_password = coalesce(p_new_hash, u.encrypted_password)
   where u.id = v_user;
  insert into app.known_devices (token_hash, user_id, last_used_at)
  values (sha256(convert_to(v_token, 'UTF8')), v_user, p_now);
  delete from app.known_devices d
   where d.user_id = v_user
     and (d.last_used_at < p_now - interval '90 days'
          or d.token_hash not in (select k.token_hash from app.known_devices k where k.user_id = v_user
                                   order by k.last_used_at desc limit 10));
  return v_token;
end
$$;

revoke all on function app.sign_in_delay_seconds(integer) from public, anon, authenticated, service_role;
revoke all on function app.sign_in_begin(text, text, text, timestamptz) from public, anon, authenticated, service_role;
revoke all on function app.sign_in_succeeded(bigint, text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function app.sign_in_delay_seconds(integer) to heartbeat_app;
grant execute on function app.sign_in_begin(text, text, text, timestamptz) to heartbeat_app;
grant execute on function app.sign_in_succeeded(bigint, text, timestamptz) to heartbeat_app;
grant usage on schema app to heartbeat_app;
