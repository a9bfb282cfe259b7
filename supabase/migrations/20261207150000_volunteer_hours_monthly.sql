-- Volunteer hours per member, chapter, program, status and month, kept
-- current by triggers, so the dashboard reads a few million compact rows
-- instead of grouping ten million entries on every load (issue 13: the
-- grouping alone was most of a national first render).
--
-- One row is what `db/report_frames.py` used to compute on each read:
-- minutes and entries summed, and a bitmask of the days of the month worked
-- (bit d-1 for day d). The program is the entry's own, else its event's.
-- A bitmask cannot be decremented, so a change recomputes the groups it
-- touches from the entries themselves (few rows each, read through the
-- index on (member_id, worked_on)) rather than adjusting sums.
--
-- Reads carry the same rules as volunteer_hours (a person's own members,
-- the board, coordinators of the chapter); nobody writes it but the
-- triggers.

create table public.volunteer_hours_monthly (
  member_id bigint not null references public.members (id) on delete cascade,
  chapter_id bigint not null references public.chapters (id) on delete cascade,
  program_id bigint,
  status text not null,
  month date not null,
  minutes bigint not null,
  entries bigint not null,
  day_mask integer not null,
  constraint volunteer_hours_monthly_month_is_first check (month = date_trunc('month', month)::date),
  constraint volunteer_hours_monthly_has_entries check (entries > 0)
);

create unique index volunteer_hours_monthly_key
  on public.volunteer_hours_monthly (member_id, month, chapter_id, program_id, status) nulls not distinct;
create index volunteer_hours_monthly_month on public.volunteer_hours_monthly (month);
create index volunteer_hours_monthly_chapter on public.volunteer_hours_monthly (chapter_id, month);
-- Finds the entries of an event whose program changes.
create index volunteer_hours_event on public.volunteer_hours (event_id) where event_id is not null;

-- The groups as the entries make them; not exposed (the app schema is not
-- in the API), read only by the functions below.
create view app.volunteer_hours_by_month as
  select h.member_id, h.chapter_id, coalesce(h.program_id, e.program_id) as program_id, h.status,
         date_trunc('month', h.worked_on)::date as month,
         sum(h.minutes)::bigint as minutes, count(*)::bigint as entries,
         bit_or(1 << (extract(day from h.worked_on)::int - 1))::int as day_mask
  from public.volunteer_hours h
  left join public.events e on e.id = h.event_id
  group by 1, 2, 3, 4, 5;

-- The (member, month) groups of paired member and day arrays.
create function app.hours_monthly_keys(members bigint[], days date[])
returns table (member_id bigint, month date)
language sql
immutable
set search_path = ''
as $$
  select distinct t.member_id, date_trunc('month', t.day)::date
  from unnest(members, days) as t (member_id, day)
  where t.member_id is not null
$$;

-- Recompute the groups of these members in the months of these days (the
-- two arrays pair up): every (member, day) a statement touched, old and new.
create function app.refresh_hours_monthly(members bigint[], days date[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  touched bigint[] := array(select distinct member_id from app.hours_monthly_keys(members, days) order by 1);
begin
  -- Concurrent writers of one member take turns, in one order (no
  -- deadlock): each later statement here sees what the one before it
  -- committed, so the last to recompute a group counts everyone's entries.
  perform pg_advisory_xact_lock(hashtextextended('hours_monthly:' || m, 0)) from unnest(touched) m;
  delete from public.volunteer_hours_monthly a
  using app.hours_monthly_keys(members, days) k
  where a.member_id = k.member_id and a.month = k.month;
  -- A condition on the view's member_id reaches inside its grouping, so
  -- only the touched members' entries are read (index on member_id).
  insert into public.volunteer_hours_monthly
    (member_id, chapter_id, program_id, status, month, minutes, entries, day_mask)
  select v.member_id, v.chapter_id, v.program_id, v.status, v.month, v.minutes, v.entries, v.day_mask
  from app.volunteer_hours_by_month v
  where v.member_id = any (touched)
    and (v.member_id, v.month) in (select member_id, month from app.hours_monthly_keys(members, days));
end;
$$;

-- One trigger function for the entries' inserts, updates and deletes, and
-- for an event moved to another program (which moves the hours logged
-- against it): each statement passes what it touched, and only the
-- transition tables its event has are read (PL/pgSQL plans a branch when
-- it runs).
create function app.hours_monthly_after_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  members bigint[];
  days date[];
  moved bigint[];
begin
  if tg_table_name = 'events' then
    -- Most edits of an event leave its program alone: then nothing to do.
    moved := array(select e.id from new_rows e join old_rows o on o.id = e.id
                   where e.program_id is distinct from o.program_id);
    if cardinality(moved) = 0 then
      return null;
    end if;
    select array_agg(h.member_id), array_agg(h.worked_on) into members, days
    from public.volunteer_hours h
    where h.event_id = any (moved);
  else
    if tg_op in ('INSERT', 'UPDATE') then
      select array_agg(member_id), array_agg(worked_on) into members, days from new_rows;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
      select members || array_agg(member_id), days || array_agg(worked_on) into members, days from old_rows;
    end if;
  end if;
  perform app.refresh_hours_monthly(members, days);
  return null;
end;
$$;

-- Statement triggers with transition tables: an import of thousands of
-- entries recomputes each touched group once, not once per row.
create trigger volunteer_hours_monthly_insert after insert on public.volunteer_hours
  referencing new table as new_rows for each statement execute function app.hours_monthly_after_change();
create trigger volunteer_hours_monthly_delete after delete on public.volunteer_hours
  referencing old table as old_rows for each statement execute function app.hours_monthly_after_change();
create trigger volunteer_hours_monthly_update after update on public.volunteer_hours
  referencing old table as old_rows new table as new_rows
  for each statement execute function app.hours_monthly_after_change();

create trigger volunteer_hours_monthly_event_program after update on public.events
  referencing old table as old_rows new table as new_rows
  for each statement execute function app.hours_monthly_after_change();

-- Build it for the rows already there (and again after a bulk load that ran
-- with user triggers off: the demo seed calls it).
create function app.rebuild_hours_monthly() returns void
language sql
security definer
set search_path = ''
as $$
  delete from public.volunteer_hours_monthly;
  insert into public.volunteer_hours_monthly
    (member_id, chapter_id, program_id, status, month, minutes, entries, day_mask)
  select member_id, chapter_id, program_id, status, month, minutes, entries, day_mask
  from app.volunteer_hours_by_month;
$$;

select app.rebuild_hours_monthly();

revoke all on function app.hours_monthly_keys(bigint[], date[]), app.refresh_hours_monthly(bigint[], date[]),
  app.hours_monthly_after_change(), app.rebuild_hours_monthly() from public, anon, authenticated;
revoke all on app.volunteer_hours_by_month from public, anon, authenticated;

alter table public.volunteer_hours_monthly enable row level security;
revoke all on public.volunteer_hours_monthly from anon, authenticated;
grant select on public.volunteer_hours_monthly to authenticated;

create policy volunteer_hours_monthly_select on public.volunteer_hours_monthly for select to authenticated
  using (member_id in (select app.my_member_ids())
         or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()));
-- Written only by the triggers above, running as their owner.
create policy volunteer_hours_monthly_insert on public.volunteer_hours_monthly for insert to authenticated
  with check (false);
create policy volunteer_hours_monthly_update on public.volunteer_hours_monthly for update to authenticated
  using (false) with check (false);
create policy volunteer_hours_monthly_delete on public.volunteer_hours_monthly for delete to authenticated
  using (false);
