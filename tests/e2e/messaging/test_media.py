"""The photo a customer sent, fetched for the operator from each platform's (fake) API."""

from __future__ import annotations

import pytest

from omnishop.messaging import media
from omnishop.messaging.config import MessagingSettings
from tests.e2e.messaging.conftest import PHOTO, FakePlatforms


async def test_a_telegram_photo_is_fetched_through_get_file(
    platforms: FakePlatforms, messaging_settings: MessagingSettings
) -> None:
    got = await media.fetch(
        platform="telegram",
        media={"media_id": "AgACAgIAAxkBAAIBsmZlarge", "mime_type": "image/jpeg"},
        settings=messaging_settings,
    )
    assert (got.content, got.mime_type) == (PHOTO, "image/jpeg")
    paths = [c.path for c in platforms.calls]
    assert paths == [
        "/bot123456:TEST-TOKEN/getFile",
        "/file/bot123456:TEST-TOKEN/photos/file_7.jpg",
    ]


async def test_a_whatsapp_image_is_looked_up_then_downloaded_with_the_token(
    platforms: FakePlatforms, messaging_settings: MessagingSettings
) -> None:
    got = await media.fetch(
        platform="whatsapp", media={"media_id": "1479537139650973"}, settings=messaging_settings
    )
    assert (got.content, got.mime_type) == (PHOTO, "image/jpeg")
    assert all(c.headers["Authorization"] == "Bearer wa-access-token" for c in platforms.calls)


async def test_twilio_media_needs_the_account_credentials(
    platforms: FakePlatforms, messaging_settings: MessagingSettings
) -> None:
    got = await media.fetch(
        platform="sms",
        media={"url": f"{platforms.url}/twilio-media/ME1", "mime_type": "image/jpeg"},
        settings=messaging_settings,
    )
    assert got.content == PHOTO
    assert platforms.calls[0].headers["Authorization"].startswith("Basic ")


async def test_an_expired_or_unknown_file_is_media_unavailable(
    platforms: FakePlatforms, messaging_settings: MessagingSettings
) -> None:
    with pytest.raises(media.MediaUnavailable):
        await media.fetch(
            platform="telegram", media={"media_id": "gone"}, settings=messaging_settings
        )
    with pytest.raises(media.MediaUnavailable):
        await media.fetch(platform="whatsapp", media={}, settings=messaging_settings)
    with pytest.raises(media.MediaUnavailable):
        await media.fetch(
            platform="messenger",
            media={"url": f"{platforms.url}/nothing-here"},
            settings=messaging_settings,
        )
