-- The member directory at national scale (a million members) pages by name
-- (order by lower(full_name), id): this index gives a page of 100 without
-- sorting every visible member on each view. (A trigram index would not
-- serve the name search: under row-level security Postgres applies a
-- non-leakproof operator such as ilike only after the policy, never
-- through an index.)
create index members_name_order on public.members (lower(full_name), id);
