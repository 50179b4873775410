"""Staff accounts of the back-office: argon2 hashes, roles."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.models import StaffRole, StaffUser
from omnishop.kernel import clock
from omnishop.kernel.errors import Conflict, ValidationFailed
from omnishop.kernel.security import hash_password, password_needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 8
# Verifying against a real hash when the user is unknown keeps login timing uniform.
_DUMMY_HASH = hash_password("omnishop-timing-equaliser")


async def create_staff(
    *, session: AsyncSession, email: str, name: str, role: str, password: str
) -> StaffUser:
    """Add a staff user; emails are unique, case-insensitively."""
    if role not in set(StaffRole):
        raise ValidationFailed(f"role must be one of {', '.join(StaffRole)}", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
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
