-- Movement operations: what chapters, events, attendance and surveys need
-- beyond the core schema.

-- Events happen at local time where the chapter meets: a calendar shows the
-- chapter's wall-clock times and a form's times are read in that zone.
alter table public.chapters
  add column time_zone text not null default 'UTC' check (length(time_zone) between 1 and 64);

create function app.check_chapter_time_zone() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Postgres itself knows the IANA names; an unknown one raises 22023 here.
  perform now() at time zone new.time_zone;
  return new;
end
$$;
create trigger chapters_time_zone before insert or update of time_zone
  on public.chapters for each row execute function app.check_chapter_time_zone();

create index goals_chapter on public.goals (chapter_id);
create index attendance_event on public.attendance (event_id);

-- Admins act on everything: the core policies let only a chapter's
-- coordinators keep attendance, which left admins unable to correct it.
alter policy attendance_select on public.attendance
  using (member_id in (select app.my_member_ids())
         or (select app.has_role('board')) or (select app.has_role('admin'))
         or app.event_chapter(event_id) in (select app.coordinated_chapters()));
alter policy attendance_insert on public.attendance
  with check ((select app.has_role('admin'))
              or app.event_chapter(event_id) in (select app.coordinated_chapters()));
alter policy attendance_update on public.attendance
  using ((select app.has_role('admin'))
         or app.event_chapter(event_id) in (select app.coordinated_chapters()))
  with check ((select app.has_role('admin'))
              or app.event_chapter(event_id) in (select app.coordinated_chapters()));
alter policy attendance_delete on public.attendance
  using ((select app.has_role('admin'))
         or app.event_chapter(event_id) in (select app.coordinated_chapters()));

-- Anonymous means anonymous: an anonymous answer carries neither a member
-- nor the account that wrote it, so nobody can join it back to a name. Any
-- signed-in participant may hand one in; coordinators import their
-- chapters' answers and admins everyone's.
alter policy survey_responses_select on public.survey_responses
  using (user_id = (select auth.uid())
         or (select app.has_role('board')) or (select app.has_role('admin'))
         or chapter_id in (select app.coordinated_chapters()));
alter policy survey_responses_insert on public.survey_responses
  with check ((user_id = (select auth.uid())
               and (member_id is null or member_id in (select app.my_member_ids())))
              or (anonymous and user_id is null and member_id is null)
              or (select app.has_role('admin'))
              or chapter_id in (select app.coordinated_chapters()));
alter policy survey_responses_update on public.survey_responses
  using (user_id = (select auth.uid()) or (select app.has_role('admin'))
         or chapter_id in (select app.coordinated_chapters()))
  with check ((user_id = (select auth.uid())
               and (member_id is null or member_id in (select app.my_member_ids())))
              or (select app.has_role('admin'))
              or chapter_id in (select app.coordinated_chapters()));

-- Whoever writes an anonymous answer (the app, an import, a script), the
-- link to the account is dropped before the row is stored.
create function app.strip_anonymous_survey_identity() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.anonymous then
    new.user_id := null;
    new.member_id := null;
  end if;
  return new;
end
$$;
create trigger survey_responses_anonymous before insert or update
  on public.survey_responses for each row execute function app.strip_anonymous_survey_identity();
