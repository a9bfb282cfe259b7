"""Local accounts: sign-in, lockout, password hashes, profiles and role
management, all against the real embedded PostgreSQL."""

from __future__ import annotations

import base64
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from db import accounts
from db.accounts import (
    Invitation,
    LockedOutError,
    RoleGrant,
    SignInError,
    authenticate,
    create_account,
    load_profile,
)
from db.config import Settings
from db.connection import service_transaction, transaction
from db.errors import InvalidDataError, NotAllowedError
from db.passwords import verify_password
from tests.auth.world import PASSWORD, World

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = Settings(lockout_failures=5, lockout_minutes=15)


def _hash_of(world: World, email: str) -> str:
    with service_transaction(world.uri) as conn:
        row = conn.execute("select encrypted_password from auth.users where email = %s", (email,)).fetchone()
    return str(row["encrypted_password"])


def test_right_password_signs_in(world: World) -> None:
    account = authenticate(" Volunteer@Access.Test ", PASSWORD, uri=world.uri)
    assert account.user_id == world.users["volunteer"]
    assert account.email == "volunteer@access.test"
    assert account.full_name == "Volunteer"


@pytest.mark.parametrize("email", ["volunteer@access.test", "nobody@access.test"])
def test_wrong_password_and_unknown_email_read_the_same(world: World, email: str) -> None:
    with pytest.raises(SignInError) as caught:
        authenticate(email, "not the password", now=T0 - timedelta(days=30), uri=world.uri)
    assert str(caught.value) == "That email and password do not match an account."


def test_empty_fields_are_refused_before_the_database(world: World) -> None:
    with pytest.raises(SignInError, match="Enter your email and your password"):
        authenticate("volunteer@access.test", "", uri=world.uri)


def test_hashes_are_argon2id_with_sound_parameters(world: World) -> None:
    stored = _hash_of(world, "board@access.test")
    match = re.fullmatch(
        r"\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)", stored
    )
    assert match, stored
    version, memory_kib, passes, lanes = (int(match.group(i)) for i in range(1, 5))
    # RFC 9106 second recommendation; OWASP's floor is m=19 MiB, t=2.
    assert (version, memory_kib, passes, lanes) == (19, 65536, 3, 4)
    salt = base64.b64decode(match.group(5) + "==")
    digest = base64.b64decode(match.group(6) + "==")
    assert len(salt) == 16 and len(digest) == 32
    # Each account gets its own salt.
    assert _hash_of(world, "admin@access.test").split("$")[4] != stored.split("$")[4]
    assert PASSWORD not in stored and verify_password(stored, PASSWORD)


def test_lockout_after_repeated_failures_then_unlock_after_the_window(world: World) -> None:
    email = "lockout@access.test"
    create_account(email, PASSWORD, uri=world.uri)
    for i in range(SETTINGS.lockout_failures):
        with pytest.raises(SignInError) as caught:
            authenticate(email, f"guess {i}", now=T0 + timedelta(minutes=i), settings=SETTINGS, uri=world.uri)
        assert not isinstance(caught.value, LockedOutError)
    last_failure = T0 + timedelta(minutes=SETTINGS.lockout_failures - 1)
    # Locked: even the right password is refused, and it says until when.
    with pytest.raises(LockedOutError) as locked:
        authenticate(
            email, PASSWORD, now=last_failure + timedelta(minutes=1), settings=SETTINGS, uri=world.uri
        )
    assert locked.value.locked_until == last_failure + timedelta(minutes=15)
    assert "Try again in 14 minutes" in str(locked.value)
    assert accounts.lockout_ends(
        email, now=last_failure + timedelta(minutes=14), settings=SETTINGS, uri=world.uri
    ) == last_failure + timedelta(minutes=15)
    # Attempts during the lockout are not counted, so they do not extend it.
    with pytest.raises(LockedOutError):
        authenticate(
            email, "guess", now=last_failure + timedelta(minutes=10), settings=SETTINGS, uri=world.uri
        )
    after = last_failure + timedelta(minutes=15, seconds=1)
    assert accounts.lockout_ends(email, now=after, settings=SETTINGS, uri=world.uri) is None
    assert authenticate(email, PASSWORD, now=after, settings=SETTINGS, uri=world.uri).email == email
    # A success starts the count afresh.
    with pytest.raises(SignInError) as again:
        authenticate(email, "guess", now=after + timedelta(minutes=1), settings=SETTINGS, uri=world.uri)
    assert not isinstance(again.value, LockedOutError)


def test_failures_spread_beyond_the_window_do_not_lock(world: World) -> None:
    email = "slow.guesser@access.test"
    create_account(email, PASSWORD, uri=world.uri)
    for i in range(SETTINGS.lockout_failures + 1):
        with pytest.raises(SignInError) as caught:
            authenticate(email, "guess", now=T0 + timedelta(minutes=4 * i), settings=SETTINGS, uri=world.uri)
        assert not isinstance(caught.value, LockedOutError)


def test_unknown_emails_lock_out_too(world: World) -> None:
    # Otherwise the lockout itself would tell which emails have accounts.
    email = "ghost@access.test"
    for i in range(SETTINGS.lockout_failures):
        with pytest.raises(SignInError):
            authenticate(email, "guess", now=T0 + timedelta(seconds=i), settings=SETTINGS, uri=world.uri)
    with pytest.raises(LockedOutError):
        authenticate(email, "guess", now=T0 + timedelta(minutes=1), settings=SETTINGS, uri=world.uri)


def test_suspended_account_is_refused(world: World) -> None:
    email = "suspended@access.test"
    user = create_account(email, PASSWORD, uri=world.uri)
    with service_transaction(world.uri) as conn:
        conn.execute("update auth.users set banned_until = %s where id = %s", (T0 + timedelta(days=1), user))
    with pytest.raises(SignInError, match="suspended"):
        authenticate(email, PASSWORD, now=T0, uri=world.uri)


def test_nothing_secret_is_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    wrong = "Wrong-Password-Do-Not-Log-7"
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SignInError):
            authenticate("fundraiser@access.test", wrong, uri=world.uri)
        authenticate("fundraiser@access.test", PASSWORD, uri=world.uri)
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "sign-in failed" in text and "sign-in succeeded" in text
    for secret in (wrong, PASSWORD, "$argon2id$"):
        assert secret not in text


def test_profile_loads_roles_chapters_and_member(world: World) -> None:
    profile = load_profile(world.identity("coordinator"), uri=world.uri)
    assert profile.roles == {"coordinator", "volunteer"}
    assert profile.coordinator_chapters == (world.chapters["North Region"],)
    assert profile.member_id == world.members["coordinator"]
    assert not profile.must_change_password
    assert load_profile(world.identity("board"), uri=world.uri).member_id is None
    with pytest.raises(NotAllowedError):
        load_profile(accounts.Identity(user_id=None), uri=world.uri)


def test_admin_invites_grants_and_revokes_and_the_audit_shows_it(world: World) -> None:
    admin = world.identity("admin")
    user_id, temporary = accounts.invite_person(
        admin,
        Invitation(
            email=" New.Coordinator@Access.Test",
            full_name="Nia New",
            roles=["coordinator", "volunteer"],
            coordinator_chapter_id=world.chapters["Harbour"],
        ),
        uri=world.uri,
    )
    assert len(temporary) >= 16
    account = authenticate("new.coordinator@access.test", temporary, uri=world.uri)
    assert account.user_id == user_id and account.full_name == "Nia New"
    new = accounts.Identity(user_id=user_id, email=account.email)
    profile = load_profile(new, uri=world.uri)
    assert profile.roles == {"coordinator", "volunteer"} and profile.must_change_password

    people = accounts.list_people(admin, uri=world.uri)
    row = people.filter(people["email"] == "new.coordinator@access.test").row(0, named=True)
    assert row["roles"] == "coordinator (Harbour), volunteer"

    role_id = accounts.grant_role(admin, RoleGrant(user_id=user_id, role="fundraiser"), uri=world.uri)
    with pytest.raises(InvalidDataError, match="already holds this role"):
        accounts.grant_role(admin, RoleGrant(user_id=user_id, role="fundraiser"), uri=world.uri)
    accounts.revoke_role(admin, role_id, uri=world.uri)
    assert load_profile(new, uri=world.uri).roles == {"coordinator", "volunteer"}

    audit = accounts.role_audit(admin, uri=world.uri)
    mine = audit.filter(audit["person"] == "new.coordinator@access.test")
    assert mine["action"].to_list()[:2] == ["revoked", "granted"]
    assert mine["role"].to_list()[:2] == ["fundraiser", "fundraiser"]
    assert set(mine["actor"].to_list()) == {"admin@access.test"}
    assert "Harbour" in mine["chapter"].to_list()

    # The invitee changes the temporary password, and then need not again.
    accounts.change_own_password(new, account.email, temporary, "a much better passphrase", uri=world.uri)
    assert not load_profile(new, uri=world.uri).must_change_password
    authenticate(account.email, "a much better passphrase", uri=world.uri)


def test_an_admin_reset_forces_a_change(world: World) -> None:
    email = "forgetful@access.test"
    user = create_account(email, PASSWORD, uri=world.uri)
    temporary = accounts.reset_password(world.identity("admin"), user, uri=world.uri)
    with pytest.raises(SignInError):
        authenticate(email, PASSWORD, uri=world.uri)
    authenticate(email, temporary, uri=world.uri)
    assert load_profile(accounts.Identity(user_id=user), uri=world.uri).must_change_password


def test_password_rules_have_plain_messages(world: World) -> None:
    me = world.identity("volunteer.two")
    with pytest.raises(InvalidDataError, match="at least 12 characters"):
        accounts.change_own_password(me, world.emails["volunteer.two"], PASSWORD, "short", uri=world.uri)
    with pytest.raises(InvalidDataError, match="current password is not right"):
        accounts.change_own_password(
            me, world.emails["volunteer.two"], "wrong", "long enough pass", uri=world.uri
        )
    assert accounts.password_problem("volunteer.two-secret-x", "volunteer.two@access.test") is not None
    assert accounts.password_problem("aaaaaaaaaaaaaaaa") == "Use more different characters."


def test_the_last_admin_role_cannot_be_revoked(world: World) -> None:
    admin = world.identity("admin")
    with transaction(admin, world.uri) as conn:
        ids = [r["id"] for r in conn.execute("select id from public.roles where role = 'admin'")]
    assert len(ids) == 1
    with pytest.raises(InvalidDataError, match="last admin role"):
        accounts.revoke_role(admin, ids[0], uri=world.uri)


def test_validation_messages_are_plain() -> None:
    with pytest.raises(ValueError) as caught:
        RoleGrant(user_id="00000000-0000-0000-0000-000000000001", role="coordinator")
    assert "choose a chapter for a coordinator role" in accounts.validation_message(caught.value)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as bad_email:
        Invitation(email="not-an-email", full_name="X")
    assert (
        accounts.validation_message(bad_email.value) == "email: an email address looks like name@example.org"
    )  # type: ignore[arg-type]


def test_invitation_links_a_member_record_or_writes_nothing(world: World) -> None:
    admin = world.identity("admin")
    with service_transaction(world.uri) as conn:
        free = conn.execute(
            """insert into public.members (full_name, chapter_id, joined_on)
               values ('Lina Link', %s, '2024-02-02') returning id""",
            (world.chapters["Harbour"],),
        ).fetchone()["id"]
    user_id, _ = accounts.invite_person(
        admin, Invitation(email="lina@access.test", full_name="Lina Link", member_id=free), uri=world.uri
    )
    assert load_profile(accounts.Identity(user_id=user_id), uri=world.uri).member_id == free

    taken = world.members["volunteer"]
    with pytest.raises(InvalidDataError, match="already has an account"):
        accounts.invite_person(
            admin,
            Invitation(email="taker@access.test", full_name="T", roles=["board"], member_id=taken),
            uri=world.uri,
        )
    people = accounts.list_people(admin, uri=world.uri)
    assert "taker@access.test" not in people["email"].to_list()  # one transaction: nothing half-saved
