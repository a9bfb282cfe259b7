"""The two failures a person can be told about, mapped from Postgres errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg


class NotAllowedError(PermissionError):
    """The database refused: row-level security or a missing grant."""


class InvalidDataError(ValueError):
    """The database rejected the values: a constraint or a trigger's check."""

    def __init__(self, message: str, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


CURRENCY = "a currency is a three-letter code such as USD or EUR"
EMAIL = "an email address looks like name@example.org"
AMOUNT = "an amount must be above zero and below 1,000,000,000"

# What a person reads when a named constraint fails; anything not listed
# falls back to the server's own message.
_FRIENDLY: dict[str, str] = {
    "donations_processor_processor_ref_key": "this processor reference has already been recorded",
    "donations_idempotency_key_key": "this gift has already been saved",
    "volunteer_hours_idempotency_key_key": "this entry has already been saved",
    "shifts_signed_up_check": "this shift is full",
    "shift_signups_one_live": "you are already signed up for this shift",
    "members_email": "a member with this email already exists",
    "chapters_name_per_parent": "a chapter with this name already exists here",
    "roles_user_id_role_chapter_id_key": "this person already holds this role",
    "roles_chapter_for_coordinators": (
        "a coordinator role needs a chapter, and only a coordinator role takes one"
    ),
    "users_email_key": "an account with this email already exists",
    # The checks of the core schema that a form or an import can run into.
    "movement_settings_movement_name_check": "the movement's name must be 1 to 200 characters",
    "movement_settings_reporting_currency_check": CURRENCY,
    "movement_settings_fiscal_year_start_month_check": "the fiscal year starts in a month from 1 to 12",
    "movement_settings_volunteer_hour_value_minor_check": "the value of a volunteer hour cannot be negative",
    "movement_settings_legal_name_check": "the organisation's legal name must be 1 to 200 characters",
    "movement_settings_postal_address_check": "the organisation's address must be 1 to 500 characters",
    "movement_settings_tax_number_check": "the tax number must be 1 to 100 characters",
    "chapters_name_check": "a chapter's name must be 1 to 200 characters",
    "chapters_level_check": "a chapter is local, regional, national or international",
    "chapters_status_check": "a chapter is active or dormant",
    "chapters_place_check": "a place can be at most 200 characters",
    "chapters_not_own_parent": "a chapter cannot sit under itself",
    "chapters_dormant_has_since": (
        "a dormant chapter needs the day it went dormant, and an active one has none"
    ),
    "chapters_parent_id_fkey": "that parent chapter does not exist",
    "members_full_name_check": "a member's name must be 1 to 200 characters",
    "members_email_check": EMAIL,
    "members_status_check": "a member is active, inactive or left",
    "members_left_after_joined": "a member cannot leave before joining",
    "members_left_has_date": "a member who left needs the day they left, and only they have one",
    "members_trained_after_joined": "training cannot come before joining",
    "members_leads_after_joined": "leading cannot start before joining",
    "members_user_id_key": "this account is already linked to another member",
    "members_chapter_id_fkey": "that chapter does not exist",
    "roles_role_check": "a role is board, coordinator, fundraiser, volunteer or admin",
    "programs_name_check": "a program's name must be 1 to 200 characters",
    "programs_kind_check": (
        "a program is education, training, empathy circles, research, arts and culture or advocacy"
    ),
    "programs_audience_check": (
        "a program's audience is school, university, workplace, healthcare, community or government"
    ),
    "programs_ends_after_start": "a program cannot end before it starts",
    "programs_description_check": "a description can be at most 4,000 characters",
    "partners_name_check": "a partner's name must be 1 to 200 characters",
    "partners_kind_check": (
        "a partner is a school, university, business, healthcare body, public body, NGO or research group"
    ),
    "partners_status_check": "a partnership is prospect, active, paused or ended",
    "partners_contact_email_check": EMAIL,
    "events_title_check": "an event's title must be 1 to 200 characters",
    "events_kind_check": (
        "an event is a workshop, empathy circle, training, community event, cultural event or talk"
    ),
    "events_ends_after_start": "an event must end after it starts",
    "events_at_most_14_days": "an event can last at most 14 days",
    "events_capacity_check": "an event's capacity must be at least 1",
    "events_place_check": "a place can be at most 300 characters",
    "events_chapter_id_fkey": "that chapter does not exist",
    "attendance_member_or_guests": "record a member or at least one guest",
    "attendance_guest_count_check": "guests must be between 0 and 10,000",
    "attendance_event_id_member_id_key": "this member is already checked in to this event",
    "attendance_event_id_fkey": "that event does not exist",
    "attendance_member_id_fkey": "that member does not exist",
    "shifts_title_check": "a shift's title must be 1 to 200 characters",
    "shifts_capacity_check": "a shift takes between 1 and 1,000 people",
    "shifts_ends_after_start": "a shift must end after it starts",
    "shifts_not_overbooked": "the capacity cannot be below the number of people already signed up",
    "shifts_event_id_fkey": "that event does not exist",
    "shift_signups_status_check": "a sign-up is signed up, cancelled, attended or no show",
    "shift_signups_cancelled_has_time": (
        "a cancelled sign-up needs the time it was cancelled, and only it has one"
    ),
    "shift_signups_in_place": "a sign-up cannot move to another shift or person; cancel it and sign up again",
    "shift_signups_shift_id_fkey": "that shift does not exist",
    "shift_signups_member_id_fkey": "that member does not exist",
    "shift_wait_list_once": "you are already on this shift's wait-list",
    "shift_wait_list_not_started": "this shift has already started, so its wait-list is closed",
    "shift_wait_list_not_signed_up": "you are already signed up for this shift",
    "shift_wait_list_only_when_full": "this shift has a free place: sign up instead",
    "shift_wait_list_in_place": "a place on a wait-list cannot be moved; leave it and join again",
    "shift_wait_list_shift_id_fkey": "that shift does not exist",
    "shift_wait_list_member_id_fkey": "that member does not exist",
    "volunteer_hours_minutes_check": "one entry lasts between 1 minute and 24 hours",
    "volunteer_hours_activity_check": "choose one of the listed activities",
    "volunteer_hours_status_check": "hours are pending, approved or rejected",
    "volunteer_hours_rejection_has_reason": (
        "give a reason for each rejection, so the volunteer knows what to fix"
    ),
    "volunteer_hours_worked_on_check": "the date must be in the year 2000 or later",
    "volunteer_hours_not_future": "hours cannot be logged for a future date",
    "volunteer_hours_note_check": "a note can be at most 1,000 characters",
    "volunteer_hours_rejection_reason_check": "a reason can be at most 500 characters",
    "volunteer_hours_member_id_fkey": "that member does not exist",
    "volunteer_hours_event_id_fkey": "that event does not exist",
    "volunteer_hours_program_id_fkey": "that program does not exist",
    "volunteer_hours_shift_id_fkey": "that shift does not exist",
    "donors_display_name_check": "a donor's name must be 1 to 200 characters",
    "donors_email_check": EMAIL,
    "donors_kind_check": "a donor is an individual, organisation, foundation, business or government",
    "donors_not_merged_into_self": "a donor cannot be merged into themselves",
    "donors_note_check": "a note can be at most 2,000 characters",
    "campaigns_name_check": "a campaign's name must be 1 to 200 characters",
    "campaigns_goal_minor_check": "a campaign's goal must be above zero",
    "campaigns_currency_check": CURRENCY,
    "campaigns_ends_after_start": "a campaign cannot end before it starts",
    "exchange_rates_currency_check": CURRENCY,
    "exchange_rates_rate_check": "an exchange rate must be above zero",
    "exchange_rates_pkey": "a rate for this currency and day is already recorded",
    "donations_amount_minor_check": AMOUNT,
    "donations_currency_check": CURRENCY,
    "donations_reporting_amount_minor_check": "the amount in the reporting currency must be above zero",
    "donations_fee_minor_check": "a fee cannot be negative",
    "donations_refunded_minor_check": "a refund cannot be negative",
    "donations_refund_within_amount": "refunds cannot add up to more than the gift",
    "donations_fee_within_amount": "a fee cannot be larger than the gift",
    "donations_processor_with_ref": "a processor and its reference go together: give both or neither",
    "donations_method_check": "the payment method must be one of the listed ones",
    "donations_source_check": "the source must be one of the listed ones",
    "donations_processor_check": "the processor is Stripe, PayPal, manual or import",
    "donations_processor_ref_check": "a processor reference must be 1 to 200 characters",
    "donations_received_on_check": "the date must be in 1990 or later",
    "donations_note_check": "a note can be at most 2,000 characters",
    "donations_donor_id_fkey": "that donor does not exist",
    "donations_campaign_id_fkey": "that campaign does not exist",
    "expenses_amount_minor_check": AMOUNT,
    "expenses_currency_check": CURRENCY,
    "expenses_reporting_amount_minor_check": "the amount in the reporting currency must be above zero",
    "expenses_category_check": "an expense is for program, admin or fundraising",
    "expenses_description_check": "a description must be 1 to 500 characters",
    "expenses_spent_on_check": "the date must be in 1990 or later",
    "balance_snapshots_pkey": "a balance for this day is already recorded",
    "survey_responses_respondent_code_check": "a respondent code is 3 to 64 letters, digits, _ or -",
    "survey_responses_wave_check": "a survey wave is pre, post or follow-up",
    "survey_responses_practice_check": "choose how often you practise empathy from the list",
    "survey_responses_anonymous_unlinked": "an anonymous answer cannot name a member",
    "survey_responses_respondent_code_program_id_event_id_wave_key": (
        "this respondent has already answered this survey at this point"
    ),
    **{
        f"survey_responses_q{i:02d}_check": f"answer {i} must be between 0 (never) and 4 (always)"
        for i in range(1, 17)
    },
    "survey_responses_chapter_id_fkey": "that chapter does not exist",
    "goals_name_check": "a goal's name must be 1 to 200 characters",
    "goals_metric_check": "a goal's metric is a lower-case name such as members.active",
    "goals_target_value_check": "a target must be a number",
    "goals_target_value_finite": "a target must be a number",
    "goals_baseline_value_finite": "a baseline must be a number",
}


def _humane(name: str | None) -> str:
    return (name or "it").replace("_", " ")


def friendly_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    constraint = diag.constraint_name
    message = diag.message_primary or str(exc)
    # A delete refused by a foreign key names the same constraint as an
    # insert with a missing reference; only the wording tells them apart.
    if isinstance(exc, pg.RestrictViolation) or (
        isinstance(exc, pg.ForeignKeyViolation) and message.startswith("update or delete")
    ):
        return f"this cannot be removed while {_humane(diag.table_name)} still refer to it"
    if constraint and constraint in _FRIENDLY:
        return _FRIENDLY[constraint]
    if isinstance(exc, pg.NotNullViolation):
        return f"{_humane(diag.column_name)} is required"
    if isinstance(exc, pg.InsufficientPrivilege):
        # Our own functions raise 42501 with a sentence meant for people;
        # Postgres's refusals name roles and policies instead.
        if message.startswith("new row violates row-level security"):
            return "you are not allowed to make this change"
        if message.startswith("permission denied"):
            return "you are not allowed to see or change this"
    return message


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn the Postgres errors a person can cause into our two exceptions."""
    try:
        yield
    except pg.InsufficientPrivilege as exc:
        raise NotAllowedError(friendly_message(exc)) from exc
    except (pg.IntegrityError, pg.DataException, pg.RaiseException) as exc:
        # RLS's WITH CHECK failure arrives as insufficient_privilege (42501),
        # handled above; integrity and data errors are the person's input.
        raise InvalidDataError(friendly_message(exc), constraint=exc.diag.constraint_name) from exc
