"""Local accounts: sign-in, lockout, password hashes, profiles and role
management, all against the real embedded PostgreSQL."""

from __future__ import annotations

import base64
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

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
from db.connection import service_transaction, transaction
from db.errors import InvalidDataError, NotAllowedError
from db.passwords import verify_password
from tests.auth.world import PASSWORD, World

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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


def _fail(world: World, email: str, at: datetime, client: str = "attacker") -> None:
    with pytest.raises(SignInError) as caught:
        authenticate(email, "a wrong guess", client=client, now=at, uri=world.uri)
    assert not isinstance(caught.value, LockedOutError)


def test_progressive_delay_values(world: World) -> None:
    with service_transaction(world.uri) as conn:
        got = [
            conn.execute("select app.sign_in_delay_seconds(%s) as s", (n,)).fetchone()["s"] for n in range(12)
        ]
    assert got == [0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900]


def test_failures_delay_the_account_progressively_then_the_right_password_passes(world: World) -> None:
    email = "delayed@access.test"
    create_account(email, PASSWORD, uri=world.uri)
    for i in range(3):
        _fail(world, email, T0 + timedelta(seconds=i))
    # The third failure asks for 5 s, even with the right password.
    with pytest.raises(LockedOutError) as waiting:
        authenticate(email, PASSWORD, client="owner", now=T0 + timedelta(seconds=3), uri=world.uri)
    assert waiting.value.wait_seconds == 4
    assert "Try again in 4 seconds" in str(waiting.value)
    _fail(world, email, T0 + timedelta(seconds=7))
    with pytest.raises(LockedOutError) as longer:
        authenticate(email, PASSWORD, client="owner", now=T0 + timedelta(seconds=8), uri=world.uri)
    assert longer.value.wait_seconds == 9
    account = authenticate(email, PASSWORD, client="owner", now=T0 + timedelta(seconds=17), uri=world.uri)
    assert account.email == email and account.device_token
    # A success starts the count afresh.
    _fail(world, email, T0 + timedelta(seconds=18))


def test_an_attackers_failures_do_not_lock_out_the_owners_known_session(world: World) -> None:
    email = "owner.of.board@access.test"
    create_account(email, PASSWORD, uri=world.uri)
    known = authenticate(email, PASSWORD, client="B", now=T0, uri=world.uri).device_token
    for i in range(5):
        with pytest.raises(SignInError):
            authenticate(
                email, f"guess {i}", client="A", now=T0 + timedelta(minutes=1, seconds=i), uri=world.uri
            )
    later = T0 + timedelta(minutes=1, seconds=5)
    with pytest.raises(LockedOutError):
        authenticate(email, PASSWORD, client="A", now=later, uri=world.uri)
    account = authenticate(email, PASSWORD, client="B", device_token=known, now=later, uri=world.uri)
    assert account.email == email
    # The token belongs to its account: it does not exempt another one.
    other = "someone.else@access.test"
    create_account(other, PASSWORD, uri=world.uri)
    for i in range(3):
        _fail(world, other, later + timedelta(seconds=i), client="A")
    with pytest.raises(LockedOutError):
        authenticate(
            other, PASSWORD, client="B", device_token=known, now=later + timedelta(seconds=4), uri=world.uri
        )


def test_spraying_from_one_client_is_stopped_by_its_budget(fresh_empty_db: str) -> None:
    at = T0
    refused = 0
    for n in range(30):
        for _ in range(4):
            at += timedelta(seconds=1)
            try:
                authenticate(
                    f"sprayed{n}@access.test", "Summer2026!", client="sprayer", now=at, uri=fresh_empty_db
                )
            except LockedOutError:
                refused += 1
            except SignInError:
                pass
    # 20 failures per 15 minutes per client, then every guess is refused.
    assert refused == 120 - 20


def test_spraying_from_many_clients_is_stopped_by_the_global_budget(fresh_empty_db: str) -> None:
    with service_transaction(fresh_empty_db) as conn:
        rows = [
            conn.execute(
                "select wait_seconds from app.sign_in_begin(%s, %s, null, %s)",
                (f"user{i}@spray.test", f"client{i % 50}", T0 + timedelta(milliseconds=i)),
            ).fetchone()["wait_seconds"]
            for i in range(400)
        ]
    assert rows[:300] == [0] * 300
    assert all(w > 0 for w in rows[300:])


def test_the_attempts_table_stays_bounded_after_ten_thousand_failures(fresh_empty_db: str) -> None:
    with service_transaction(fresh_empty_db) as conn:
        for i in range(10_000):
            conn.execute(
                "select app.sign_in_begin(%s, %s, null, %s)",
                (f"user{i % 97}@flood.test", f"client{i % 13}", T0 + timedelta(seconds=i)),
            )
        count = conn.execute("select count(*) as n from app.sign_in_failures").fetchone()["n"]
    # Only the last hour is kept, and the global budget caps what an hour holds.
    assert 0 < count <= 4 * 300


def test_unknown_emails_are_delayed_too(world: World) -> None:
    # Otherwise the delay itself would tell which emails have accounts.
    email = "ghost@access.test"
    for i in range(3):
        _fail(world, email, T0 + timedelta(seconds=i))
    with pytest.raises(LockedOutError):
        authenticate(email, "guess", client="attacker", now=T0 + timedelta(seconds=3), uri=world.uri)


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
    with pytest.raises(ValidationError) as caught:
        RoleGrant(user_id="00000000-0000-0000-0000-000000000001", role="coordinator")
    assert "choose a chapter for a coordinator role" in accounts.validation_message(caught.value)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as bad_email:
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
