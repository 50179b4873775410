"""Telegram Mini App initData: accepted only when signed with the bot token per Telegram's
Web Apps spec and fresh; forged, tampered, replayed-late or malformed data is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnishop.storefront import telegram

BOT = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def signed(
    token: str = BOT, *, age: timedelta = timedelta(minutes=1), extra: dict[str, str] | None = None
) -> str:
    """initData as Telegram builds it, signed independently of the code under test."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {
                "id": 279058397,
                "first_name": "Нино",
                "last_name": "Б",
                "username": "nino",
                "language_code": "ka",
            },
            ensure_ascii=False,
        ),
        "auth_date": str(int((NOW - age).timestamp())),
        **(extra or {}),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def test_genuine_fresh_init_data_gives_the_telegram_user() -> None:
    user = telegram.validate(signed(), bot_token=BOT, now=NOW, max_age=DAY)

    assert user.id == 279058397
    assert user.first_name == "Нино" and user.language_code == "ka"
    assert user.auth_date == NOW - timedelta(minutes=1)


def test_signature_of_another_bot_is_refused() -> None:
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(signed("999:other-bot"), bot_token=BOT, now=NOW, max_age=DAY)


def test_a_changed_user_breaks_the_signature() -> None:
    data = signed().replace("279058397", "279058398")
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(data, bot_token=BOT, now=NOW, max_age=DAY)


def test_an_added_field_breaks_the_signature() -> None:
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(signed() + "&start_param=p_x", bot_token=BOT, now=NOW, max_age=DAY)


def test_signed_extra_fields_such_as_start_param_are_fine() -> None:
    user = telegram.validate(
        signed(extra={"start_param": "p_kettle"}), bot_token=BOT, now=NOW, max_age=DAY
    )
    assert user.id == 279058397


def test_stale_init_data_is_refused() -> None:
    with pytest.raises(telegram.InvalidInitData, match="stale"):
        telegram.validate(
            signed(age=DAY + timedelta(seconds=1)), bot_token=BOT, now=NOW, max_age=DAY
        )


def test_init_data_from_the_future_is_refused() -> None:
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(signed(age=-timedelta(hours=1)), bot_token=BOT, now=NOW, max_age=DAY)


@pytest.mark.parametrize("data", ["", "hash=abc", "auth_date=1&user=%7B%7D", "x" * 5000])
def test_malformed_init_data_is_refused(data: str) -> None:
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(data, bot_token=BOT, now=NOW, max_age=DAY)


def test_a_repeated_field_is_refused() -> None:
    data = signed()
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(data + "&auth_date=1", bot_token=BOT, now=NOW, max_age=DAY)


def test_without_a_bot_token_nothing_is_accepted() -> None:
    with pytest.raises(telegram.InvalidInitData):
        telegram.validate(signed(""), bot_token="", now=NOW, max_age=DAY)


@given(
    st.dictionaries(
        st.sampled_from(["query_id", "chat_type", "start_param", "chat_instance"]),
        st.text(min_size=1, max_size=30),
    )
)
def test_sign_agrees_with_the_spec_for_any_fields(extra: dict[str, str]) -> None:
    data = signed(extra=extra)
    assert telegram.validate(data, bot_token=BOT, now=NOW, max_age=DAY).id == 279058397
