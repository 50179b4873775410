"""Staff accounts of the back-office: argon2 hashes, roles."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.models import StaffRole, StaffUser
from omnishop.kernel import clock
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.security import hash_password, password_needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 8
# Verifying against a real hash when the user is unknown keeps login timing uniform.
_DUMMY_HASH = hash_password("omnishop-timing-equaliser")


async def create_staff(
    *, session: AsyncSession, email: str, name: str, role: str, password: str
) -> StaffUser:
    """Add a staff user; emails are unique, case-insensitively."""
    _check_role(role)
    _check_password(password)
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed("not an email address", field="email")
    if await session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise Conflict(f"staff user {email} already exists", field="email")
    user = StaffUser(email=email, name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    return user


async def authenticate(*, session: AsyncSession, email: str, password: str) -> StaffUser | None:
    """The active staff user with these credentials, or ``None``."""
    user = await session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    await session.flush()
    return user


async def get_active(*, session: AsyncSession, staff_id: uuid.UUID) -> StaffUser | None:
    """The staff user with this id if the account is still active, else ``None``."""
    user = await session.get(StaffUser, staff_id)
    return user if user is not None and user.active else None


async def update_staff(
    *,
    session: AsyncSession,
    staff_id: uuid.UUID,
    name: str,
    role: str,
    active: bool,
    password: str | None = None,
) -> StaffUser:
    """Change a staff user's name, role and activity; a non-empty ``password`` replaces theirs."""
    _check_role(role)
    user = await session.get(StaffUser, staff_id)
    if user is None:
        raise NotFound(f"no staff user {staff_id}")
    if password:
        _check_password(password)
        user.password_hash = hash_password(password)
    user.name, user.role, user.active = name, role, active
    await session.flush()
    return user


def _check_role(role: str) -> None:
    if role not in set(StaffRole):
        raise ValidationFailed(f"role must be one of {', '.join(StaffRole)}", field="role")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
