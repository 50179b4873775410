"""``Idempotency-Key`` for mutating API calls, as an ASGI middleware around /api routes.

Same key and body → the stored response; same key, different body → 422; same key still in
flight → 409. A 5xx is not stored, so the client may retry it.
"""

from __future__ import annotations

import hashlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnishop.api.problems import MEDIA_TYPE
from omnishop.kernel import idempotency
from omnishop.kernel.errors import DomainError
from omnishop.kernel.runtime import Database

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 255


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in MUTATING
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send_problem(
                send, 400, "invalid_idempotency_key", "Idempotency-Key must be 1–255 characters"
            )
            return

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)

        # Keys are per caller: the credential's digest scopes them without trusting the client.
        principal = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()[:16]
        key_scope = f"{principal}:{scope['method']}:{scope['path']}"
        database: Database = scope["app"].state.database
        try:
            stored = await idempotency.claim(database.sessions, scope=key_scope, key=key, body=body)
        except DomainError as exc:
            await _send_problem(send, exc.status, exc.code, exc.detail)
            return
        if stored is not None:
            await _send(send, stored.status_code, stored.headers, stored.body, replayed=True)
            return

        replayed_body = False

        async def replay_receive() -> Message:
            nonlocal replayed_body
            if not replayed_body:
                replayed_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        response_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", []):
                    name = k.decode("latin-1").lower()
                    if name in ("content-type", "location"):
                        response_headers[name] = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        except BaseException:
            await idempotency.release(database.sessions, scope=key_scope, key=key)
            raise
        if status >= 500:
            await idempotency.release(database.sessions, scope=key_scope, key=key)
        else:
            await idempotency.complete(
                database.sessions,
                scope=key_scope,
                key=key,
                response=idempotency.StoredResponse(status, response_headers, b"".join(chunks)),
            )


async def _send(
    send: Send, status: int, headers: dict[str, str], body: bytes, *, replayed: bool = False
) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    if replayed:
        raw.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": f"https://omnishop.dev/problems/{code}",
            "title": detail,
            "status": status,
            "detail": detail,
            "code": code,
        }
    ).encode()
    await _send(send, status, {"content-type": MEDIA_TYPE}, body)
