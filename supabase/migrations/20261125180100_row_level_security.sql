-- Who may see and change what. Roles come from public.roles (which only an
-- admin can change), never from anything a user can edit. The helpers run as
-- their owner so that policies can read roles and members without recursing
-- into those tables' own policies.

create function app.has_role(wanted text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.roles r
    where r.user_id = auth.uid() and r.role = wanted
  )
$$;

-- Every chapter a coordinator may act on: their chapters and all below them.
create function app.coordinated_chapters() returns setof bigint
language sql stable
security definer
set search_path = ''
as $$
  with recursive tree as (
    select r.chapter_id as id
      from public.roles r
      where r.user_id = auth.uid() and r.role = 'coordinator'
    union
    select c.id from public.chapters c join tree t on c.parent_id = t.id
  )
  select id from tree
$$;

create function app.my_member_ids() returns setof bigint
language sql stable
security definer
set search_path = ''
as $$
  select m.id from public.members m where m.user_id = auth.uid()
$$;

create function app.event_chapter(event bigint) returns bigint
language sql stable
security definer
set search_path = ''
as $$
  select e.chapter_id from public.events e where e.id = event
$$;

create function app.shift_chapter(shift bigint) returns bigint
language sql stable
security definer
set search_path = ''
as $$
  select e.chapter_id from public.shifts s join public.events e on e.id = s.event_id where s.id = shift
$$;

create function app.board_sees_donor_identities() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select coalesce((select board_sees_donor_identities from public.movement_settings), false)
$$;

revoke all on function app.has_role(text), app.coordinated_chapters(), app.my_member_ids(),
  app.event_chapter(bigint), app.shift_chapter(bigint), app.board_sees_donor_identities() from public;
grant execute on function app.has_role(text), app.coordinated_chapters(), app.my_member_ids(),
  app.event_chapter(bigint), app.shift_chapter(bigint), app.board_sees_donor_identities()
  to authenticated, service_role;

-- anon holds no grant and no policy anywhere: it sees and writes nothing.
do $$
declare
  t text;
begin
  foreach t in array array[
    'movement_settings', 'chapters', 'members', 'roles', 'programs', 'partners',
    'program_partners', 'events', 'attendance', 'shifts', 'shift_signups',
    'volunteer_hours', 'donors', 'campaigns', 'exchange_rates', 'donations',
    'expenses', 'balance_snapshots', 'survey_responses', 'goals', 'audit_log'
  ] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('revoke all on public.%I from anon', t);
    execute format('grant select, insert, update, delete on public.%I to authenticated', t);
  end loop;
end
$$;
revoke all on all sequences in schema public from anon;
grant usage, select on all sequences in schema public to authenticated;
revoke insert, update, delete on public.audit_log from authenticated;

-- movement_settings: everyone signed in reads; admins change.
create policy settings_select on public.movement_settings for select to authenticated using (true);
create policy settings_update on public.movement_settings for update to authenticated
  using ((select app.has_role('admin'))) with check ((select app.has_role('admin')));
-- There is exactly one settings row, made by the migration.
create policy settings_insert on public.movement_settings for insert to authenticated with check (false);
create policy settings_delete on public.movement_settings for delete to authenticated using (false);

-- chapters: the map of the movement is not secret; admins shape it, and a
-- coordinator may open or edit chapters below their own.
create policy chapters_select on public.chapters for select to authenticated using (true);
create policy chapters_insert on public.chapters for insert to authenticated
  with check ((select app.has_role('admin')) or parent_id in (select app.coordinated_chapters()));
create policy chapters_update on public.chapters for update to authenticated
  using ((select app.has_role('admin')) or id in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or id in (select app.coordinated_chapters()));
create policy chapters_delete on public.chapters for delete to authenticated
  using ((select app.has_role('admin')));

-- members: yourself, your chapters as coordinator, everyone for board and admin.
create policy members_select on public.members for select to authenticated
  using (user_id = (select auth.uid())
         or (select app.has_role('board')) or (select app.has_role('admin'))
         or chapter_id in (select app.coordinated_chapters()));
create policy members_insert on public.members for insert to authenticated
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy members_update on public.members for update to authenticated
  using ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy members_delete on public.members for delete to authenticated
  using ((select app.has_role('admin')));

-- roles: you read your own; admins manage everyone's.
create policy roles_select on public.roles for select to authenticated
  using (user_id = (select auth.uid()) or (select app.has_role('admin')));
create policy roles_insert on public.roles for insert to authenticated
  with check ((select app.has_role('admin')));
create policy roles_update on public.roles for update to authenticated
  using ((select app.has_role('admin'))) with check ((select app.has_role('admin')));
create policy roles_delete on public.roles for delete to authenticated
  using ((select app.has_role('admin')));

-- programs, partners and their links: readable by all; admins and the
-- coordinators of the owning chapter change them.
create policy programs_select on public.programs for select to authenticated using (true);
create policy programs_insert on public.programs for insert to authenticated
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy programs_update on public.programs for update to authenticated
  using ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy programs_delete on public.programs for delete to authenticated
  using ((select app.has_role('admin')));

create policy partners_select on public.partners for select to authenticated using (true);
create policy partners_insert on public.partners for insert to authenticated
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy partners_update on public.partners for update to authenticated
  using ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy partners_delete on public.partners for delete to authenticated
  using ((select app.has_role('admin')));

create policy program_partners_select on public.program_partners for select to authenticated using (true);
create policy program_partners_insert on public.program_partners for insert to authenticated
  with check ((select app.has_role('admin')) or (select app.has_role('coordinator')));
create policy program_partners_update on public.program_partners for update to authenticated
  using ((select app.has_role('admin'))) with check ((select app.has_role('admin')));
create policy program_partners_delete on public.program_partners for delete to authenticated
  using ((select app.has_role('admin')) or (select app.has_role('coordinator')));

-- events and shifts: everyone browses them (volunteers look for open slots);
-- coordinators run their chapters' events.
create policy events_select on public.events for select to authenticated using (true);
create policy events_insert on public.events for insert to authenticated
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy events_update on public.events for update to authenticated
  using ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));
create policy events_delete on public.events for delete to authenticated
  using ((select app.has_role('admin')) or chapter_id in (select app.coordinated_chapters()));

create policy shifts_select on public.shifts for select to authenticated using (true);
create policy shifts_insert on public.shifts for insert to authenticated
  with check ((select app.has_role('admin')) or app.event_chapter(event_id) in (select app.coordinated_chapters()));
create policy shifts_update on public.shifts for update to authenticated
  using ((select app.has_role('admin')) or app.event_chapter(event_id) in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or app.event_chapter(event_id) in (select app.coordinated_chapters()));
create policy shifts_delete on public.shifts for delete to authenticated
  using ((select app.has_role('admin')) or app.event_chapter(event_id) in (select app.coordinated_chapters()));

-- attendance: a member's own, a coordinator's events, the board.
create policy attendance_select on public.attendance for select to authenticated
  using (member_id in (select app.my_member_ids())
         or (select app.has_role('board'))
         or app.event_chapter(event_id) in (select app.coordinated_chapters()));
create policy attendance_insert on public.attendance for insert to authenticated
  with check (app.event_chapter(event_id) in (select app.coordinated_chapters()));
create policy attendance_update on public.attendance for update to authenticated
  using (app.event_chapter(event_id) in (select app.coordinated_chapters()))
  with check (app.event_chapter(event_id) in (select app.coordinated_chapters()));
create policy attendance_delete on public.attendance for delete to authenticated
  using (app.event_chapter(event_id) in (select app.coordinated_chapters()));

-- shift sign-ups: volunteers sign themselves up and cancel; coordinators
-- manage their chapters' shifts.
create policy shift_signups_select on public.shift_signups for select to authenticated
  using (member_id in (select app.my_member_ids())
         or (select app.has_role('board'))
         or app.shift_chapter(shift_id) in (select app.coordinated_chapters()));
create policy shift_signups_insert on public.shift_signups for insert to authenticated
  with check ((member_id in (select app.my_member_ids()) and status = 'signed_up')
              or app.shift_chapter(shift_id) in (select app.coordinated_chapters()));
create policy shift_signups_update on public.shift_signups for update to authenticated
  using (member_id in (select app.my_member_ids())
         or app.shift_chapter(shift_id) in (select app.coordinated_chapters()))
  with check ((member_id in (select app.my_member_ids()) and status = any (array['signed_up', 'cancelled']))
              or app.shift_chapter(shift_id) in (select app.coordinated_chapters()));
create policy shift_signups_delete on public.shift_signups for delete to authenticated
  using (app.shift_chapter(shift_id) in (select app.coordinated_chapters()));

-- volunteer hours: your own (changeable only while pending, and never
-- approved by yourself); coordinators review their chapters'; the board reads.
create policy volunteer_hours_select on public.volunteer_hours for select to authenticated
  using (member_id in (select app.my_member_ids())
         or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()));
create policy volunteer_hours_insert on public.volunteer_hours for insert to authenticated
  with check ((member_id in (select app.my_member_ids()) and status = 'pending')
              or chapter_id in (select app.coordinated_chapters()));
create policy volunteer_hours_update on public.volunteer_hours for update to authenticated
  using ((member_id in (select app.my_member_ids()) and status = 'pending')
         or chapter_id in (select app.coordinated_chapters()))
  with check ((member_id in (select app.my_member_ids()) and status = 'pending')
              or chapter_id in (select app.coordinated_chapters()));
create policy volunteer_hours_delete on public.volunteer_hours for delete to authenticated
  using ((member_id in (select app.my_member_ids()) and status = 'pending')
         or chapter_id in (select app.coordinated_chapters()));

-- donors: identities for fundraisers, and for the board only where the
-- movement's settings allow it.
create policy donors_select on public.donors for select to authenticated
  using ((select app.has_role('fundraiser'))
         or ((select app.has_role('board')) and (select app.board_sees_donor_identities())));
create policy donors_insert on public.donors for insert to authenticated
  with check ((select app.has_role('fundraiser')));
create policy donors_update on public.donors for update to authenticated
  using ((select app.has_role('fundraiser'))) with check ((select app.has_role('fundraiser')));
create policy donors_delete on public.donors for delete to authenticated
  using ((select app.has_role('fundraiser')));

-- campaigns: their goals and progress are shared across the movement.
create policy campaigns_select on public.campaigns for select to authenticated using (true);
create policy campaigns_insert on public.campaigns for insert to authenticated
  with check ((select app.has_role('fundraiser')));
create policy campaigns_update on public.campaigns for update to authenticated
  using ((select app.has_role('fundraiser'))) with check ((select app.has_role('fundraiser')));
create policy campaigns_delete on public.campaigns for delete to authenticated
  using ((select app.has_role('fundraiser')));

create policy exchange_rates_select on public.exchange_rates for select to authenticated using (true);
create policy exchange_rates_insert on public.exchange_rates for insert to authenticated
  with check ((select app.has_role('fundraiser')) or (select app.has_role('admin')));
create policy exchange_rates_update on public.exchange_rates for update to authenticated
  using ((select app.has_role('fundraiser')) or (select app.has_role('admin')))
  with check ((select app.has_role('fundraiser')) or (select app.has_role('admin')));
create policy exchange_rates_delete on public.exchange_rates for delete to authenticated
  using ((select app.has_role('admin')));

-- donations: amounts (without donor identities, which stay in donors) for
-- fundraisers, the board, and coordinators of the chapter credited.
create policy donations_select on public.donations for select to authenticated
  using ((select app.has_role('fundraiser')) or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()));
create policy donations_insert on public.donations for insert to authenticated
  with check ((select app.has_role('fundraiser')));
create policy donations_update on public.donations for update to authenticated
  using ((select app.has_role('fundraiser'))) with check ((select app.has_role('fundraiser')));
create policy donations_delete on public.donations for delete to authenticated
  using ((select app.has_role('fundraiser')));

create policy expenses_select on public.expenses for select to authenticated
  using ((select app.has_role('fundraiser')) or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()));
create policy expenses_insert on public.expenses for insert to authenticated
  with check ((select app.has_role('fundraiser')) or (select app.has_role('admin')));
create policy expenses_update on public.expenses for update to authenticated
  using ((select app.has_role('fundraiser')) or (select app.has_role('admin')))
  with check ((select app.has_role('fundraiser')) or (select app.has_role('admin')));
create policy expenses_delete on public.expenses for delete to authenticated
  using ((select app.has_role('fundraiser')) or (select app.has_role('admin')));

create policy balance_snapshots_select on public.balance_snapshots for select to authenticated
  using ((select app.has_role('fundraiser')) or (select app.has_role('board')));
create policy balance_snapshots_insert on public.balance_snapshots for insert to authenticated
  with check ((select app.has_role('fundraiser')));
create policy balance_snapshots_update on public.balance_snapshots for update to authenticated
  using ((select app.has_role('fundraiser'))) with check ((select app.has_role('fundraiser')));
create policy balance_snapshots_delete on public.balance_snapshots for delete to authenticated
  using ((select app.has_role('fundraiser')));

-- survey answers: the respondent's own, the coordinators of the chapter, the
-- board; an anonymous answer is written without a member link.
create policy survey_responses_select on public.survey_responses for select to authenticated
  using (user_id = (select auth.uid())
         or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()));
create policy survey_responses_insert on public.survey_responses for insert to authenticated
  with check ((user_id = (select auth.uid())
               and (member_id is null or member_id in (select app.my_member_ids())))
              or chapter_id in (select app.coordinated_chapters()));
create policy survey_responses_update on public.survey_responses for update to authenticated
  using (user_id = (select auth.uid()) or chapter_id in (select app.coordinated_chapters()))
  with check ((user_id = (select auth.uid())
               and (member_id is null or member_id in (select app.my_member_ids())))
              or chapter_id in (select app.coordinated_chapters()));
create policy survey_responses_delete on public.survey_responses for delete to authenticated
  using (chapter_id in (select app.coordinated_chapters()) or (select app.has_role('admin')));

-- goals: shared targets; the board and admins set movement goals,
-- coordinators their chapters'.
create policy goals_select on public.goals for select to authenticated using (true);
create policy goals_insert on public.goals for insert to authenticated
  with check ((select app.has_role('admin')) or (select app.has_role('board'))
              or chapter_id in (select app.coordinated_chapters()));
create policy goals_update on public.goals for update to authenticated
  using ((select app.has_role('admin')) or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin')) or (select app.has_role('board'))
              or chapter_id in (select app.coordinated_chapters()));
create policy goals_delete on public.goals for delete to authenticated
  using ((select app.has_role('admin')) or (select app.has_role('board'))
         or chapter_id in (select app.coordinated_chapters()));

-- audit log: read by admins and the board; written only by the audit trigger.
create policy audit_log_select on public.audit_log for select to authenticated
  using ((select app.has_role('admin')) or (select app.has_role('board')));
create policy audit_log_insert on public.audit_log for insert to authenticated with check (false);
create policy audit_log_update on public.audit_log for update to authenticated using (false) with check (false);
create policy audit_log_delete on public.audit_log for delete to authenticated using (false);
