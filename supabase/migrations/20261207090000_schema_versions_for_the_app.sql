-- The app's login role may not migrate (on Supabase, `supabase db push` does,
-- as the owner), but at start it must know whether the database is behind
-- the code it runs. It reads the versions applied, and nothing else of the
-- migration history (whose statements hold the whole schema's source).
create or replace function app.applied_migrations() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select version from supabase_migrations.schema_migrations
$$;
revoke all on function app.applied_migrations() from public, anon, authenticated;
grant execute on function app.applied_migrations() to heartbeat_app;
