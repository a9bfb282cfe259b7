-- The table checks the schema left unnamed (members_check3 …) get names that say
-- what they keep, so errors are mapped on names like members_left_after_joined
-- (db/errors.py) and read in logs without the schema at hand.

alter table public.attendance rename constraint attendance_check to attendance_member_or_guests;
alter table public.campaigns rename constraint campaigns_check to campaigns_ends_after_start;
alter table public.chapters rename constraint chapters_check to chapters_not_own_parent;
alter table public.chapters rename constraint chapters_check1 to chapters_dormant_has_since;
alter table public.donations rename constraint donations_check to donations_refund_within_amount;
alter table public.donations rename constraint donations_check1 to donations_fee_within_amount;
alter table public.donations rename constraint donations_check2 to donations_processor_with_ref;
alter table public.donors rename constraint donors_check to donors_not_merged_into_self;
alter table public.events rename constraint events_check to events_ends_after_start;
alter table public.events rename constraint events_check1 to events_at_most_14_days;
alter table public.members rename constraint members_check to members_left_after_joined;
alter table public.members rename constraint members_check1 to members_left_has_date;
alter table public.members rename constraint members_check2 to members_trained_after_joined;
alter table public.members rename constraint members_check3 to members_leads_after_joined;
alter table public.programs rename constraint programs_check to programs_ends_after_start;
alter table public.recurring_plans rename constraint recurring_plans_check to recurring_plans_processor_with_ref;
alter table public.recurring_plans rename constraint recurring_plans_check1 to recurring_plans_failed_has_date;
alter table public.recurring_plans rename constraint recurring_plans_check2 to recurring_plans_cancelled_has_date;
alter table public.recurring_plans rename constraint recurring_plans_check3 to recurring_plans_cancelled_after_start;
alter table public.roles rename constraint roles_check to roles_chapter_for_coordinators;
alter table public.shift_signups rename constraint shift_signups_check to shift_signups_cancelled_has_time;
alter table public.shifts rename constraint shifts_check to shifts_ends_after_start;
alter table public.shifts rename constraint shifts_check1 to shifts_not_overbooked;
alter table public.survey_responses rename constraint survey_responses_check to survey_responses_anonymous_unlinked;
alter table public.volunteer_hours rename constraint volunteer_hours_check1 to volunteer_hours_reviewed_when_decided;
-- The first, weaker form of the rejection rule (a NULL reason passed it)
-- goes: 20261125190100_constraint_gaps.sql added the named one that holds.
alter table public.volunteer_hours drop constraint volunteer_hours_check;
