-- People and their sign-in accounts, for the admin page and the account page.
-- Sign-in accounts live in auth.users, which no API role may read or write;
-- these functions run as their owner and check the caller's role first, so
-- the database (not the page) decides who may list, create or reset accounts.

-- Everyone with a sign-in account, for admins only.
create function app.people()
returns table (
  user_id uuid,
  email text,
  full_name text,
  member_id bigint,
  chapter_id bigint,
  created_at timestamptz,
  last_sign_in_at timestamptz
)
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if not app.has_role('admin') then
    raise exception 'only an admin can list people' using errcode = '42501';
  end if;
  return query
    select u.id, u.email::text,
           coalesce(m.full_name, nullif(u.raw_user_meta_data ->> 'full_name', ''))::text,
           m.id, m.chapter_id, u.created_at, u.last_sign_in_at
      from auth.users u
      left join public.members m on m.user_id = u.id
     order by lower(u.email::text);
end
$$;

-- A local account (embedded or plain PostgreSQL), created by an admin with a
-- temporary password that its owner must change at first sign-in. On
-- Supabase, accounts belong to Supabase Auth: invite people there.
create function app.create_local_account(new_email text, password_hash text, full_name text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  new_id uuid;
begin
  if not app.has_role('admin') then
    raise exception 'only an admin can create accounts' using errcode = '42501';
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_admin') then
    raise exception 'on Supabase, invite people through Supabase Auth' using errcode = '42501';
  end if;
  if new_email is null or new_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'an email address looks like name@example.org' using errcode = '23514';
  end if;
  if password_hash is null or password_hash not like '$argon2id$%' then
    raise exception 'passwords are stored only as argon2id hashes' using errcode = '23514';
  end if;
  if exists (select 1 from auth.users u where lower(u.email) = lower(btrim(new_email))) then
    raise exception 'an account with this email already exists'
      using errcode = '23505', constraint = 'users_email_key';
  end if;
  insert into auth.users (email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
  values (
    lower(btrim(new_email)),
    password_hash,
    now(),
    jsonb_build_object('provider', 'email', 'must_change_password', true, 'invited_by', auth.uid()),
    jsonb_build_object('full_name', nullif(btrim(coalesce(full_name, '')), ''))
  )
  returning id into new_id;
  return new_id;
end
$$;

-- Sets a local account's password hash: an admin for anyone (a reset, which
-- the owner must change again), or a person for themselves (after the app has
-- checked their current password).
create function app.set_local_password(account uuid, password_hash text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  is_self boolean := coalesce(account = auth.uid(), false);
begin
  if not (is_self or app.has_role('admin')) then
    raise exception 'only an admin can reset another person''s password' using errcode = '42501';
  end if;
  if password_hash is null or password_hash not like '$argon2id$%' then
    raise exception 'passwords are stored only as argon2id hashes' using errcode = '23514';
  end if;
  update auth.users
     set encrypted_password = password_hash,
         raw_app_meta_data = raw_app_meta_data || jsonb_build_object('must_change_password', not is_self),
         updated_at = now()
   where id = account;
  if not found then
    raise exception 'no such account' using errcode = '42501';
  end if;
end
$$;

-- Whether the signed-in person still has to replace a temporary password.
create function app.must_change_password()
returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select coalesce((select (u.raw_app_meta_data ->> 'must_change_password')::boolean
                     from auth.users u where u.id = auth.uid()), false)
$$;

revoke all on function app.people(), app.create_local_account(text, text, text),
  app.set_local_password(uuid, text), app.must_change_password() from public;
grant execute on function app.people(), app.create_local_account(text, text, text),
  app.set_local_password(uuid, text), app.must_change_password() to authenticated, service_role;
