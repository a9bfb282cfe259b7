-- An account suspended, or whose password an admin reset, is signed out at
-- once everywhere: every request of the app asks app.session_ended() with
-- the time its session began (components/session.py), and a session that
-- began before the account's last revocation is over.

create table app.session_revocations (
  user_id uuid primary key references auth.users (id) on delete cascade,
  revoked_at timestamptz not null
);
-- Nobody reads or writes it through the API; the functions below do.
alter table app.session_revocations enable row level security;
revoke all on app.session_revocations from public, anon, authenticated;

create function app.revoke_sessions_on_account_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- A ban, or a new password set by someone else (an admin's reset, or
  -- Supabase Auth's own recovery, which runs without a session of ours).
  if (new.banned_until is distinct from old.banned_until and new.banned_until > now())
     or (new.encrypted_password is distinct from old.encrypted_password
         and auth.uid() is distinct from new.id) then
    insert into app.session_revocations (user_id, revoked_at) values (new.id, now())
    on conflict (user_id) do update set revoked_at = excluded.revoked_at;
  end if;
  return new;
end
$$;
create trigger users_revoke_sessions after update of banned_until, encrypted_password
  on auth.users for each row execute function app.revoke_sessions_on_account_change();

-- Whether the signed-in person's session, begun at `started_at`, has been
-- ended since: by a revocation after it began, or by a ban in force.
create function app.session_ended(started_at timestamptz) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from app.session_revocations r
                  where r.user_id = auth.uid() and r.revoked_at >= started_at)
      or exists (select 1 from auth.users u
                  where u.id = auth.uid() and u.banned_until is not null and u.banned_until > now())
$$;
revoke all on function app.session_ended(timestamptz), app.revoke_sessions_on_account_change()
  from public, anon;
grant execute on function app.session_ended(timestamptz) to authenticated, service_role;
