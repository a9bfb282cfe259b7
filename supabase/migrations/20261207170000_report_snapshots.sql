-- Finished health reports kept per scope (issue 13). Copying a million
-- members' rows into the app to compute the board's first page took most of
-- its 19 s; the figures themselves are a few hundred kilobytes. The app keeps
-- each report it computes here, keyed by the reader's scope (app.report_scope,
-- what the database says they may read) and the view (period, chapter,
-- program, as-of day and the version of the code that computed it), so the
-- next reader of the same scope, in any app process or replica and after a
-- restart, gets the same figures without reading the rows again.
--
-- Only the functions below touch the table: the scope is always the caller's
-- own, so nobody can read or plant another scope's figures. The payload is a
-- signed serialization the app checks before use (db/report_snapshots.py).
-- Readers say how old a report may be; rows older than a day are dropped
-- whenever a scope keeps a new one.

create table app.report_snapshots (
  scope text not null,
  view_key text not null,
  computed_at timestamptz not null,
  payload bytea not null,
  signature bytea not null,
  primary key (scope, view_key)
);
create index report_snapshots_computed_at on app.report_snapshots (computed_at);
alter table app.report_snapshots enable row level security;
revoke all on app.report_snapshots from public, anon, authenticated, service_role;

create function app.report_snapshot_read(p_view_key text, p_since timestamptz)
returns table (payload bytea, signature bytea, computed_at timestamptz)
language sql stable
security definer
set search_path = ''
as $$
  select s.payload, s.signature, s.computed_at
    from app.report_snapshots s
   where s.scope = app.report_scope()
     and s.view_key = p_view_key
     and s.computed_at >= p_since
$$;

-- `p_scope`: the scope the figures were computed for; when the caller's
-- scope is no longer that (a role changed meanwhile), nothing is kept, so
-- figures never land in a scope that may not read their rows.
-- `p_age_seconds`: how old the rows behind the report already were, so a
-- report computed from rows read some minutes ago is kept as that old.
create function app.report_snapshot_keep(
  p_scope text, p_view_key text, p_payload bytea, p_signature bytea, p_age_seconds double precision
) returns boolean
language plpgsql volatile
security definer
set search_path = ''
as $$
declare
  v_scope text := app.report_scope();
  v_at timestamptz := statement_timestamp() - make_interval(secs => greatest(p_age_seconds, 0));
begin
  if auth.uid() is null then
    raise exception 'sign in first' using errcode = '42501';
  end if;
  if v_scope is distinct from p_scope then
    return false;
  end if;
  delete from app.report_snapshots
   where scope = v_scope and computed_at < statement_timestamp() - interval '1 day';
  insert into app.report_snapshots (scope, view_key, computed_at, payload, signature)
  values (v_scope, p_view_key, v_at, p_payload, p_signature)
  on conflict (scope, view_key) do update
     set computed_at = excluded.computed_at, payload = excluded.payload, signature = excluded.signature
   where app.report_snapshots.computed_at <= excluded.computed_at;
  return true;
end
$$;

revoke all on function app.report_snapshot_read(text, timestamptz),
  app.report_snapshot_keep(text, text, bytea, bytea, double precision) from public, anon, authenticated, service_role;
grant execute on function app.report_snapshot_read(text, timestamptz),
  app.report_snapshot_keep(text, text, bytea, bytea, double precision) to authenticated;
