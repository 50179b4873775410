"""A local fake web-push service (no network): records each POST, checks its VAPID
Authorization header, and can decrypt the aes128gcm body with the subscriber's keys."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import http_ece
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from omnishop.kernel.settings import Settings


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Browser:
    """A subscriber: its own P-256 key pair and auth secret, as a browser makes them."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: b"0123456789abcdef")

    @property
    def p256dh(self) -> str:
        return b64(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth_b64(self) -> str:
        return b64(self.auth)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth)
        return dict(json.loads(plain))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class FakePushService:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status: dict[str, int] = {}  # path -> status to answer (default 201)
        self.base = ""

    def endpoint(self, name: str) -> str:
        return f"{self.base}/push/{name}"

    async def handle(self, request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append(Received(request.path, headers, await request.read()))
        return web.Response(status=self.status.get(request.path, 201))

    def for_endpoint(self, name: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/push/{name}"]


def check_vapid(received: Received, settings: Settings, audience: str) -> dict[str, Any]:
    """The Authorization header is ``vapid t=<ES256 JWT>, k=<our public key>`` (RFC 8292),
    signed by our private key, for the push service's origin; returns the JWT claims."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    values = dict(p.strip().split("=", 1) for p in params.split(","))
    assert values["k"] == settings.vapid_public_key
    head, payload, signature = values["t"].split(".")
    raw = unb64(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), unb64(settings.vapid_public_key)
    )
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = dict(json.loads(unb64(payload)))
    assert claims["aud"] == audience
    assert claims["sub"] == settings.vapid_subject
    return claims


@pytest.fixture
async def push_service() -> AsyncIterator[FakePushService]:
    fake = FakePushService()
    app = web.Application()
    app.router.add_post("/push/{name}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.base = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
