"""Staff authentication for the API: ``Authorization: Bearer <key>`` with scopes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from omnishop.api.deps import SessionDep
from omnishop.customers import apikeys
from omnishop.customers.models import ApiKey

bearer = HTTPBearer(auto_error=False, description="A staff API key (`omnishop apikey create`).")


def require_scope(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    async def dependency(
        request: Request,
        session: SessionDep,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> ApiKey:
        key = await apikeys.authenticate(
            session=session, secret=credentials.credentials if credentials else None, scope=scope
        )
        request.state.principal = f"apikey:{key.id}"
        return key

    return dependency
