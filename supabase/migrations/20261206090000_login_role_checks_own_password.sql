-- Changing one's own password asks for the current one. The app checks it
-- (argon2, in Python) with the stored hash, read here as the login role:
-- granted to heartbeat_app only, so no API caller can fetch a hash, and the
-- app needs no owner connection at run time.

create function app.password_hash_to_check(who uuid) returns text
language sql stable
security definer
set search_path = ''
as $$
  select u.encrypted_password from auth.users u where u.id = who
$$;
revoke all on function app.password_hash_to_check(uuid) from public, anon, authenticated, service_role;
grant execute on function app.password_hash_to_check(uuid) to heartbeat_app;
