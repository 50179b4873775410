"""Telegram Mini App ``initData`` validation, exactly per Telegram's Web Apps spec.

secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token); the data-check-string is every
received field except ``hash`` as ``key=value``, sorted by key, joined with newlines; the data
is genuine when hex(HMAC_SHA256(key=secret_key, msg=data_check_string)) equals ``hash``.
Pure: no I/O, the clock is passed in."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from omnishop.kernel.errors import Unauthorized

MAX_LENGTH = 4096


class InvalidInitData(Unauthorized):
    code = "invalid_init_data"
    title = "Telegram sign-in data invalid or expired"


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    language_code: str | None
    auth_date: datetime

    def profile(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The ``hash`` Telegram would put on these fields (used by tests and fixtures)."""
    return hmac.new(
        secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()


def validate(init_data: str, *, bot_token: str, now: datetime, max_age: timedelta) -> TelegramUser:
    """The Telegram user of genuine, fresh ``initData``; else ``InvalidInitData``."""
    if not bot_token:
        raise InvalidInitData("the Mini App is not configured (no bot token)")
    if not init_data or len(init_data) > MAX_LENGTH:
        raise InvalidInitData("initData is missing or too long", field="init_data")
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("initData repeats a field", field="init_data")
    given = fields.get("hash", "")
    if not hmac.compare_digest(sign(fields, bot_token), given):
        raise InvalidInitData("initData signature does not match", field="init_data")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInitData("initData lacks auth_date or user", field="init_data") from exc
    if now - auth_date > max_age or auth_date - now > timedelta(minutes=5):
        raise InvalidInitData("initData is stale; reopen the Mini App", field="init_data")
    return TelegramUser(
        id=user_id,
        first_name=_text(user.get("first_name")),
        last_name=_text(user.get("last_name")),
        username=_text(user.get("username")),
        language_code=_text(user.get("language_code")),
        auth_date=auth_date,
    )


def _text(value: Any) -> str | None:
    return str(value)[:120] if value else None
