"""Staff accounts: argon2 hashing, sign-in checks, rehashing and uniform timing."""

from __future__ import annotations

import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers import staff
from omnishop.customers.models import StaffUser
from omnishop.kernel import clock
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.security import password_needs_rehash, verify_password

PASSWORD = "correct-horse-battery"


async def _owner(session: AsyncSession) -> StaffUser:
    return await staff.create_staff(
        session=session, email="Owner@Shop.test", name="Owner", role="owner", password=PASSWORD
    )


async def test_password_is_stored_only_as_an_argon2_hash(session: AsyncSession) -> None:
    user = await _owner(session)

    assert user.email == "owner@shop.test"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_right_credentials_sign_in_and_record_the_time(session: AsyncSession) -> None:
    await _owner(session)
    moment = clock.now().replace(microsecond=0)
    clock.freeze(moment)

    user = await staff.authenticate(session=session, email=" OWNER@shop.test ", password=PASSWORD)

    assert user is not None and user.role == "owner"
    assert user.last_login_at == moment


async def test_wrong_password_and_unknown_email_are_both_none(session: AsyncSession) -> None:
    await _owner(session)

    wrong = await staff.authenticate(session=session, email="owner@shop.test", password="nope-nope")
    unknown = await staff.authenticate(session=session, email="ghost@shop.test", password=PASSWORD)

    assert wrong is None and unknown is None


async def test_inactive_staff_is_refused_even_with_the_right_password(
    session: AsyncSession,
) -> None:
    user = await _owner(session)
    user.active = False
    await session.flush()

    refused = await staff.authenticate(session=session, email="owner@shop.test", password=PASSWORD)

    assert refused is None
    assert await staff.get_active(session=session, staff_id=user.id) is None


async def test_unknown_email_still_pays_for_a_full_hash_check(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the dummy check a miss returns at once and its speed tells which emails exist.
    checked: list[str] = []

    def spy(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return verify_password(password_hash, password)

    monkeypatch.setattr(staff, "verify_password", spy)
    user = await _owner(session)
    user.active = False
    await session.flush()

    await staff.authenticate(session=session, email="ghost@shop.test", password=PASSWORD)
    await staff.authenticate(session=session, email="owner@shop.test", password=PASSWORD)

    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)
    assert user.password_hash not in checked  # the inactive user's own hash is not tried


async def test_weak_hash_is_upgraded_on_the_next_sign_in(session: AsyncSession) -> None:
    user = await _owner(session)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    await session.flush()
    assert password_needs_rehash(weak)

    signed_in = await staff.authenticate(
        session=session, email="owner@shop.test", password=PASSWORD
    )

    assert signed_in is not None
    assert user.password_hash != weak
    assert not password_needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)


async def test_emails_are_unique_regardless_of_case(session: AsyncSession) -> None:
    await _owner(session)

    with pytest.raises(Conflict) as error:
        await _owner(session)

    assert error.value.field == "email"


@pytest.mark.parametrize(
    ("role", "password", "field"),
    [("king", PASSWORD, "role"), ("analyst", "short", "password")],
)
async def test_unknown_role_or_short_password_is_refused(
    session: AsyncSession, role: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as error:
        await staff.create_staff(
            session=session, email="a@shop.test", name="A", role=role, password=password
        )

    assert error.value.field == field


async def test_update_changes_role_and_replaces_the_password_only_when_given(
    session: AsyncSession,
) -> None:
    user = await _owner(session)
    original_hash = user.password_hash

    await staff.update_staff(
        session=session, staff_id=user.id, name="O", role="manager", active=True, password=None
    )
    kept = user.password_hash
    await staff.update_staff(
        session=session,
        staff_id=user.id,
        name="O",
        role="manager",
        active=True,
        password="a-new-long-password",
    )

    assert kept == original_hash and user.role == "manager"
    assert await staff.authenticate(session=session, email=user.email, password=PASSWORD) is None
    assert await staff.authenticate(
        session=session, email=user.email, password="a-new-long-password"
    )


async def test_update_refuses_short_passwords_and_unknown_users(session: AsyncSession) -> None:
    user = await _owner(session)

    with pytest.raises(ValidationFailed):
        await staff.update_staff(
            session=session, staff_id=user.id, name="O", role="owner", active=True, password="x"
        )
    with pytest.raises(NotFound):
        await staff.update_staff(
            session=session, staff_id=uuid.uuid4(), name="O", role="owner", active=True
        )
