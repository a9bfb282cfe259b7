-- Closes gaps the access tests (tests/db/test_rls_matrix.py) found in the
-- first row-level security migration. Policies keep their names and stay one
-- per command; only their expressions change.

-- Hours: nobody approves their own. A coordinator who also volunteers logs
-- their own hours as pending like anyone else; another coordinator reviews
-- them. Own approved hours stay out of reach for edits and deletes.
alter policy volunteer_hours_insert on public.volunteer_hours
  with check ((member_id in (select app.my_member_ids()) and status = 'pending')
              or (chapter_id in (select app.coordinated_chapters())
                  and member_id not in (select app.my_member_ids())));
alter policy volunteer_hours_update on public.volunteer_hours
  using ((member_id in (select app.my_member_ids()) and status = 'pending')
         or (chapter_id in (select app.coordinated_chapters())
             and member_id not in (select app.my_member_ids())))
  with check ((member_id in (select app.my_member_ids()) and status = 'pending')
              or (chapter_id in (select app.coordinated_chapters())
                  and member_id not in (select app.my_member_ids())));
alter policy volunteer_hours_delete on public.volunteer_hours
  using ((member_id in (select app.my_member_ids()) and status = 'pending')
         or (chapter_id in (select app.coordinated_chapters())
             and member_id not in (select app.my_member_ids())));

-- Shift sign-ups: a volunteer signs up and cancels, but whether they came
-- (attended, no_show) is the coordinator's record and stays as set. The
-- coordinator test reads the shifts once per query (a hashed set) instead of
-- calling a function for every sign-up row.
alter policy shift_signups_select on public.shift_signups
  using (member_id in (select app.my_member_ids())
         or (select app.has_role('board'))
         or shift_id in (select s.id from public.shifts s join public.events e on e.id = s.event_id
                          where e.chapter_id in (select app.coordinated_chapters())));
alter policy shift_signups_insert on public.shift_signups
  with check ((member_id in (select app.my_member_ids()) and status = 'signed_up')
              or shift_id in (select s.id from public.shifts s join public.events e on e.id = s.event_id
                               where e.chapter_id in (select app.coordinated_chapters())));
alter policy shift_signups_update on public.shift_signups
  using ((member_id in (select app.my_member_ids()) and status in ('signed_up', 'cancelled'))
         or shift_id in (select s.id from public.shifts s join public.events e on e.id = s.event_id
                          where e.chapter_id in (select app.coordinated_chapters())))
  with check ((member_id in (select app.my_member_ids()) and status in ('signed_up', 'cancelled'))
              or shift_id in (select s.id from public.shifts s join public.events e on e.id = s.event_id
                               where e.chapter_id in (select app.coordinated_chapters())));
alter policy shift_signups_delete on public.shift_signups
  using (shift_id in (select s.id from public.shifts s join public.events e on e.id = s.event_id
                       where e.chapter_id in (select app.coordinated_chapters())));

-- A sign-up stays on its shift and its member: the count on shifts follows
-- status changes only, so moving a row would bypass the capacity check and
-- leave both counts wrong. Cancel and sign up again instead.
create function app.keep_signup_in_place() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.shift_id is distinct from old.shift_id or new.member_id is distinct from old.member_id then
    raise exception 'a sign-up cannot move to another shift or person; cancel it and sign up again'
      using errcode = '23514', constraint = 'shift_signups_in_place';
  end if;
  return new;
end
$$;
create trigger shift_signups_in_place before update of shift_id, member_id
  on public.shift_signups for each row execute function app.keep_signup_in_place();

-- Chapters: a coordinator edits the chapters they coordinate, but moving a
-- chapter is limited to places inside their own part of the movement, so a
-- coordinator can neither hand their chapter to another region nor take one.
create function app.check_chapter_move() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.parent_id is distinct from old.parent_id
     and current_user in ('anon', 'authenticated')
     and not app.has_role('admin')
     and (new.parent_id is null
          or new.parent_id not in (select c from app.coordinated_chapters() as c)) then
    raise exception 'only an admin can move a chapter outside the chapters you coordinate'
      using errcode = '42501';
  end if;
  return new;
end
$$;
create trigger chapters_move before update of parent_id
  on public.chapters for each row execute function app.check_chapter_move();

-- Program–partner links belong to the program's chapter, like the program.
alter policy program_partners_insert on public.program_partners
  with check ((select app.has_role('admin'))
              or program_id in (select p.id from public.programs p
                                 where p.chapter_id in (select app.coordinated_chapters())));
alter policy program_partners_delete on public.program_partners
  using ((select app.has_role('admin'))
         or program_id in (select p.id from public.programs p
                            where p.chapter_id in (select app.coordinated_chapters())));

-- Admins could record expenses but not read them back, so their edits and
-- deletes silently matched nothing: they read them too.
alter policy expenses_select on public.expenses
  using ((select app.has_role('fundraiser')) or (select app.has_role('board'))
         or (select app.has_role('admin'))
         or chapter_id in (select app.coordinated_chapters()));
