-- When the gifts last changed, so the fundraising pages' figures can be
-- kept between changes (issue 13: Retention read all three million gifts of
-- the national demo on every rerun, 15 s). One row per subject, stamped by
-- statement triggers: a single import of 100,000 gifts stamps once.
--
-- A figure computed from rows read at R is current while no gift changed
-- since: the app keeps it (app.report_snapshots) and shows it while it was
-- computed at least five minutes after the stamp, so a transaction that
-- began before R and committed after it is covered (db/gift_stamps.py).

create table app.change_stamps (
  subject text primary key,
  changed_at timestamptz not null
);
alter table app.change_stamps enable row level security;
revoke all on app.change_stamps from public, anon, authenticated, service_role;

create function app.stamp_gifts_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into app.change_stamps (subject, changed_at) values ('gifts', clock_timestamp())
  on conflict (subject) do update
     set changed_at = greatest(app.change_stamps.changed_at, excluded.changed_at);
  return null;
end
$$;
revoke all on function app.stamp_gifts_changed() from public, anon, authenticated, service_role;

create trigger donations_stamp_gifts after insert or update or delete or truncate on public.donations
  for each statement execute function app.stamp_gifts_changed();
create trigger donation_refunds_stamp_gifts after insert or update or delete or truncate on public.donation_refunds
  for each statement execute function app.stamp_gifts_changed();
create trigger donors_stamp_gifts after insert or update or delete or truncate on public.donors
  for each statement execute function app.stamp_gifts_changed();
create trigger campaigns_stamp_gifts after insert or update or delete or truncate on public.campaigns
  for each statement execute function app.stamp_gifts_changed();
-- The fiscal year and reporting currency shape every gift figure.
create trigger movement_settings_stamp_gifts after insert or update or delete or truncate on public.movement_settings
  for each statement execute function app.stamp_gifts_changed();

create function app.gifts_changed_at() returns timestamptz
language sql stable
security definer
set search_path = ''
as $$
  select coalesce((select changed_at from app.change_stamps where subject = 'gifts'),
                  timestamptz '2000-01-01 00:00:00+00')
$$;
revoke all on function app.gifts_changed_at() from public, anon, authenticated, service_role;
grant execute on function app.gifts_changed_at() to authenticated;
