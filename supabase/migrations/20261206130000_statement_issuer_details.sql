-- What a donor's year-end statement says about who issues it: the
-- organisation's legal name (the movement's name when unset), its postal
-- address and its tax or charity registration number. Admins set them, as
-- every other movement setting (the settings_update policy).
alter table public.movement_settings
  add column if not exists legal_name text
    constraint movement_settings_legal_name_check check (length(btrim(legal_name)) between 1 and 200),
  add column if not exists postal_address text
    constraint movement_settings_postal_address_check check (length(btrim(postal_address)) between 1 and 500),
  add column if not exists tax_number text
    constraint movement_settings_tax_number_check check (length(btrim(tax_number)) between 1 and 100);

comment on column public.movement_settings.legal_name is
  'The organisation''s legal name on donor statements; null: the movement''s name';
comment on column public.movement_settings.postal_address is
  'The organisation''s postal address on donor statements, one line per address line';
comment on column public.movement_settings.tax_number is
  'The tax or charity registration number donor statements print (for example an EIN)';
