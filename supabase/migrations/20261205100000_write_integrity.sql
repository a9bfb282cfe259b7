-- Integrity through the API (issue 14). On Supabase every table is reachable
-- through PostgREST with a session token, so what a role may write is decided
-- here: columns a person may not set are forced by BEFORE triggers, counters
-- are kept by triggers only, and approvals go through a state check.
-- Tests: tests/db/test_write_integrity.py.

create function app.is_api_role() returns boolean
language sql stable
set search_path = ''
as $$
  -- The owner (migrations, seeding, security definer helpers) is trusted;
  -- the roles PostgREST switches to are not.
  select current_user in ('anon', 'authenticated')
$$;

-- Chapters the signed-in person belongs to as a member.
create function app.my_chapter_ids() returns setof bigint
language sql stable
security definer
set search_path = ''
as $$
  select m.chapter_id from public.members m where m.user_id = auth.uid()
$$;

-- Events the signed-in person attended.
create function app.my_attended_event_ids() returns setof bigint
language sql stable
security definer
set search_path = ''
as $$
  select a.event_id from public.attendance a
    join public.members m on m.id = a.member_id
   where m.user_id = auth.uid()
$$;

-- The members a coordinator looks after: those of the chapters they coordinate.
create function app.coordinated_member_ids() returns setof bigint
language sql stable
security definer
set search_path = ''
as $$
  select m.id from public.members m where m.chapter_id in (select app.coordinated_chapters())
$$;

revoke all on function app.is_api_role(), app.my_chapter_ids(), app.my_attended_event_ids(),
  app.coordinated_member_ids() from public, anon;
grant execute on function app.is_api_role(), app.my_chapter_ids(), app.my_attended_event_ids(),
  app.coordinated_member_ids() to authenticated, service_role;

-- Linking a sign-in account to a member decides whose hours are whose (and
-- so who may approve them): only an admin links or unlinks accounts.
create function app.guard_member_account() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if app.is_api_role() and not app.has_role('admin')
     and ((tg_op = 'INSERT' and new.user_id is not null)
          or (tg_op = 'UPDATE' and new.user_id is distinct from old.user_id)) then
    raise exception 'only an admin can link a sign-in account to a member' using errcode = '42501';
  end if;
  return new;
end
$$;
create trigger members_account_link before insert or update of user_id
  on public.members for each row execute function app.guard_member_account();

-- Hours. This trigger's name sorts before volunteer_hours_check, so it runs
-- first: a row the caller may not write is refused with one generic error
-- before any check can reveal the member's join date or logged hours.
-- It runs as the caller (not security definer) so that it knows who that is.
create function app.guard_volunteer_hours() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  mine boolean;
  reviewer boolean;
begin
  if not app.is_api_role() then
    return new;
  end if;
  mine := new.member_id in (select app.my_member_ids());
  reviewer := not mine and new.member_id in (select app.coordinated_member_ids());
  if tg_op = 'UPDATE' and new.member_id is distinct from old.member_id then
    raise exception 'you may not write hours for this member' using errcode = '42501';
  end if;
  if not (mine or reviewer) or (mine and new.status <> 'pending') then
    raise exception 'you may not write hours for this member' using errcode = '42501';
  end if;
  if tg_op = 'INSERT' then
    new.created_by := auth.uid();
    if new.status = 'pending' then
      new.reviewed_by := null;
      new.reviewed_at := null;
    else
      new.reviewed_by := auth.uid();
      new.reviewed_at := now();
    end if;
    return new;
  end if;
  new.created_by := old.created_by;
  new.created_at := old.created_at;
  if new.status is not distinct from old.status then
    new.reviewed_by := old.reviewed_by;
    new.reviewed_at := old.reviewed_at;
  end if;
  -- A reviewed entry is a record: what was approved stays as approved.
  -- Only its status (and the reason for a rejection) may change.
  if old.status <> 'pending'
     and (new.worked_on, new.minutes, new.activity, new.event_id, new.program_id, new.shift_id, new.note,
          new.idempotency_key)
         is distinct from
         (old.worked_on, old.minutes, old.activity, old.event_id, old.program_id, old.shift_id, old.note,
          old.idempotency_key) then
    raise exception 'a reviewed entry cannot be edited; return it to pending first'
      using errcode = '42501';
  end if;
  return new;
end
$$;
create trigger volunteer_hours_a_guard before insert or update
  on public.volunteer_hours for each row execute function app.guard_volunteer_hours();

-- A shift's signed_up counts its live sign-ups and only the sign-up trigger
-- (running as the owner) changes it.
create function app.guard_shift_counter() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if app.is_api_role() then
    if tg_op = 'INSERT' then
      new.signed_up := 0;
    elsif new.signed_up is distinct from old.signed_up then
      raise exception 'the sign-up count follows the sign-ups and cannot be set'
        using errcode = '42501';
    end if;
  end if;
  return new;
end
$$;
create trigger shifts_counter before insert or update
  on public.shifts for each row execute function app.guard_shift_counter();

-- A coordinator signs up the members of the chapters they coordinate, not
-- anyone's.
alter policy shift_signups_insert on public.shift_signups
  with check ((member_id in (select app.my_member_ids()) and status = 'signed_up')
              or (shift_id in (select s.id from public.shifts s join public.events e on e.id = s.event_id
                                where e.chapter_id in (select app.coordinated_chapters()))
                  and member_id in (select app.coordinated_member_ids())));

-- Who made a row is the session, not what the request says.
create function app.force_author() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  col text := tg_argv[0];
begin
  if app.is_api_role() then
    if tg_op = 'INSERT' then
      new := jsonb_populate_record(new, jsonb_build_object(col, auth.uid()));
    else
      new := jsonb_populate_record(new, jsonb_build_object(col, to_jsonb(old) -> col));
    end if;
  end if;
  return new;
end
$$;
create trigger events_author before insert or update on public.events
  for each row execute function app.force_author('created_by');
create trigger attendance_author before insert or update on public.attendance
  for each row execute function app.force_author('checked_in_by');
create trigger donations_author before insert or update on public.donations
  for each row execute function app.force_author('created_by');
create trigger expenses_author before insert or update on public.expenses
  for each row execute function app.force_author('created_by');
create trigger goals_author before insert or update on public.goals
  for each row execute function app.force_author('created_by');
create trigger recurring_plans_author before insert or update on public.recurring_plans
  for each row execute function app.force_author('created_by');
create trigger donation_refunds_author before insert or update on public.donation_refunds
  for each row execute function app.force_author('created_by');
create trigger gift_imports_author before insert or update on public.gift_imports
  for each row execute function app.force_author('imported_by');
create trigger roles_author before insert or update on public.roles
  for each row execute function app.force_author('granted_by');

-- Whether the signed-in person is part of the movement at all: a member or
-- someone holding a role (an account with neither is nobody's participant).
create function app.takes_part() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.members m where m.user_id = auth.uid())
      or exists (select 1 from public.roles r where r.user_id = auth.uid())
$$;
revoke all on function app.takes_part() from public, anon;
grant execute on function app.takes_part() to authenticated, service_role;

-- Survey answers move the movement's impact figures, so they come from the
-- people a survey is for: a member answers for their own chapter or for an
-- event they attended (named or anonymously); a movement-wide programme
-- is answered by anyone who takes part in the movement, for the chapter
-- where they took part; coordinators and admins import answers collected
-- on paper.
alter policy survey_responses_insert on public.survey_responses
  with check ((select app.has_role('admin'))
              or chapter_id in (select app.coordinated_chapters())
              or (((user_id = (select auth.uid())
                    and (member_id is null or member_id in (select app.my_member_ids())))
                   or (anonymous and user_id is null and member_id is null))
                  and (chapter_id in (select app.my_chapter_ids())
                       or event_id in (select app.my_attended_event_ids())
                       or (program_id in (select p.id from public.programs p where p.chapter_id is null)
                           and (select app.takes_part())))));

-- Where the settings hide donor identities from the board, the audit trail
-- of donors (names, emails in old and new values) is hidden from it too.
alter policy audit_log_select on public.audit_log
  using ((select app.has_role('admin'))
         or ((select app.has_role('board'))
             and (table_name <> 'donors' or (select app.board_sees_donor_identities()))));

-- anon holds nothing: Supabase's default privileges grant every new
-- sequence and function to anon (and functions to public), so revoke what
-- earlier migrations created and the defaults for later ones.
revoke all on all sequences in schema public from anon, public;
revoke execute on all functions in schema public from anon;
revoke execute on all functions in schema app from anon, public;
grant execute on all functions in schema app to authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon;
alter default privileges in schema public revoke execute on functions from anon;
alter default privileges in schema app revoke execute on functions from anon, public;
