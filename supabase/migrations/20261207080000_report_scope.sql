-- What a person may read of the health report's tables, as one canonical
-- text, so the app can keep one cached copy of those rows per scope instead
-- of one per person (issue 13). Two people with the same answer read the
-- same rows under the select policies below, by construction:
--
--   movement_settings, chapters, programs, partners, program_partners,
--   events, goals: everyone;
--   members, survey_responses: own (user_id), board, admin, coordinated chapters;
--   attendance: own members, board, admin, events of coordinated chapters;
--   volunteer_hours: own members, board, coordinated chapters;
--   donations, donation_refunds, expenses, balance_snapshots: fundraiser,
--   board (admin and coordinated chapters for expenses and donations);
--   donors: fundraiser, or board where the settings show donor identities.
--
-- A board member reads every row of each of those tables but donors, so
-- their scope is the movement plus whether donors are visible. Anyone else
-- is keyed by their flags and coordinated chapters, and by their own id only
-- where rows of their own fall outside those chapters (a coordinator who
-- volunteers in another chapter): two coordinators of the same chapters
-- share, a volunteer never shares with anyone. A change to these policies
-- must change this function in the same migration.
create function app.report_scope() returns text
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  is_board boolean := app.has_role('board');
  is_admin boolean := app.has_role('admin');
  is_fundraiser boolean := app.has_role('fundraiser');
  donors_visible boolean := is_fundraiser or (is_board and app.board_sees_donor_identities());
  chapters bigint[];
  own_rows_outside boolean;
begin
  if auth.uid() is null then
    return 'nobody';
  end if;
  if is_board then
    return 'movement' || case when donors_visible then ';donors' else '' end;
  end if;
  select coalesce(array_agg(distinct c order by c), '{}') into chapters from app.coordinated_chapters() c;
  own_rows_outside :=
    (not is_admin and exists (
       select 1 from public.members m
        where m.user_id = auth.uid() and (m.chapter_id is null or m.chapter_id <> all (chapters))))
    or (not is_admin and exists (
       select 1 from public.survey_responses s
        where s.user_id = auth.uid() and (s.chapter_id is null or s.chapter_id <> all (chapters))))
    or (not is_admin and exists (
       select 1 from public.attendance a join public.events e on e.id = a.event_id
        where a.member_id in (select app.my_member_ids())
          and (e.chapter_id is null or e.chapter_id <> all (chapters))))
    or exists (
       select 1 from public.volunteer_hours h
        where h.member_id in (select app.my_member_ids())
          and (h.chapter_id is null or h.chapter_id <> all (chapters)));
  return concat_ws(';',
    case when is_admin then 'admin' end,
    case when is_fundraiser then 'fundraiser' end,
    case when donors_visible then 'donors' end,
    'chapters:' || array_to_string(chapters, ','),
    case when own_rows_outside then 'person:' || auth.uid()::text end);
end;
$$;

revoke all on function app.report_scope() from public, anon;
grant execute on function app.report_scope() to authenticated, service_role;
