-- TRUNCATE ignores row-level security, and on Supabase the default
-- privileges hand it (with REFERENCES and TRIGGER) to anon and authenticated
-- on every table the postgres role creates. People act on rows only through
-- select, insert, update and delete, which the policies govern.
revoke truncate, references, trigger on all tables in schema public from anon, authenticated;

-- The same for tables later migrations create: this changes the defaults of
-- the role running the migrations (postgres on Supabase), where Supabase's
-- grants live.
alter default privileges in schema public
  revoke truncate, references, trigger on tables from anon, authenticated;
