-- Two checks that let bad rows through, found by tests/db/test_constraints.py.

-- A check passes when it is NULL, so `length(btrim(rejection_reason)) > 0`
-- accepted a rejection with no reason at all. The volunteer needs one.
alter table public.volunteer_hours
  add constraint volunteer_hours_rejection_has_reason
    check (status <> 'rejected' or coalesce(length(btrim(rejection_reason)), 0) > 0);

-- PostgreSQL treats NaN as equal to itself, so goals' `target_value =
-- target_value` check lets NaN through, and nothing stopped infinities. A goal
-- needs a real number to measure progress against.
alter table public.goals
  add constraint goals_target_value_finite
    check (target_value not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)),
  add constraint goals_baseline_value_finite
    check (baseline_value is null
           or baseline_value not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8));
