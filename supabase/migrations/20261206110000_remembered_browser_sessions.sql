-- A signed-in browser survives a reload: the app keeps an opaque token in a
-- cookie (components/remembered.py) and the database keeps only its hash,
-- with when it began and when it was last used. A token is good while it is
-- used (the app's idle limit) and for at most twelve hours; an admin's reset
-- or a suspension (app.session_revocations) or signing out ends it.

create table app.browser_sessions (
  token_hash bytea primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
create index browser_sessions_user on app.browser_sessions (user_id);
alter table app.browser_sessions enable row level security;
revoke all on app.browser_sessions from public, anon, authenticated, service_role;

-- Begun by the signed-in person for themselves (auth.uid()), so a token is
-- only ever minted for whoever is already signed in.
create function app.browser_session_begin() returns text
language plpgsql volatile
security definer
set search_path = ''
as $$
declare
  v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
begin
  if auth.uid() is null then
    raise exception 'sign in first' using errcode = '42501';
  end if;
  delete from app.browser_sessions where started_at < now() - interval '12 hours';
  insert into app.browser_sessions (token_hash, user_id)
  values (sha256(convert_to(v_token, 'UTF8')), auth.uid());
  return v_token;
end
$$;

-- Who a token signs in, if it is still good; used as the login role, before
-- anyone is signed in. Touches last_seen_at, so use keeps it alive.
create function app.browser_session_resume(p_token text, p_idle_minutes integer)
returns table (user_id uuid, email text, started_at timestamptz)
language plpgsql volatile
security definer
set search_path = ''
as $$
begin
  return query
  update app.browser_sessions s set last_seen_at = now()
    from auth.users u
   where s.token_hash = sha256(convert_to(p_token, 'UTF8'))
     and u.id = s.user_id
     and s.last_seen_at > now() - make_interval(mins => greatest(p_idle_minutes, 1))
     and s.started_at > now() - interval '12 hours'
     and (u.banned_until is null or u.banned_until <= now())
     and not exists (select 1 from app.session_revocations r
                      where r.user_id = s.user_id and r.revoked_at >= s.started_at)
  returning s.user_id, u.email::text, s.started_at;
end
$$;

create function app.browser_session_end(p_token text) returns void
language sql volatile
security definer
set search_path = ''
as $$
  delete from app.browser_sessions where token_hash = sha256(convert_to(p_token, 'UTF8'))
$$;

revoke all on function app.browser_session_begin(), app.browser_session_resume(text, integer),
  app.browser_session_end(text) from public, anon, authenticated, service_role;
grant execute on function app.browser_session_begin() to authenticated;
grant execute on function app.browser_session_resume(text, integer), app.browser_session_end(text)
  to heartbeat_app;
