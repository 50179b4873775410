"""Fetch the photo a customer sent, for the operator's screen (a head serves it to staff).

Platforms hand us ids, not public files: Telegram a ``file_id`` (getFile, then a download URL
that contains the bot token, so never show it to a browser), WhatsApp a media id (the Graph
API gives a short-lived URL that needs the access token), Twilio an account-protected URL;
Messenger's attachment URL is public. ``fetch`` returns the bytes and their type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from omnishop.kernel.errors import NotFound
from omnishop.messaging.config import MessagingSettings

MAX_MEDIA_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    content: bytes
    mime_type: str


class MediaUnavailable(NotFound):
    code = "media_unavailable"
    title = "The platform no longer has this file"


async def fetch(
    *,
    platform: str,
    media: Mapping[str, Any],
    settings: MessagingSettings | None = None,
    channel_code: str | None = None,
) -> Fetched:
    """The file behind a stored inbound ``media`` ({media_id, url, mime_type}); raises
    MediaUnavailable (404) when the platform refuses or the file is too large. A file id
    belongs to the bot/number that received it: ``channel_code`` picks its credentials."""
    settings = (settings or MessagingSettings()).for_channel(channel_code)
    media_id, url = media.get("media_id"), media.get("url")
    async with httpx.AsyncClient(
        timeout=settings.send_timeout_seconds, follow_redirects=True
    ) as client:
        try:
            if platform == "telegram" and media_id:
                return await _telegram(client, settings, str(media_id), media)
            if platform == "whatsapp" and media_id:
                return await _whatsapp(client, settings, str(media_id), media)
            if platform == "sms" and url:
                auth = (settings.twilio_account_sid, settings.twilio_auth_token)
                return _checked(await client.get(str(url), auth=auth), media)
            if url:
                return _checked(await client.get(str(url)), media)
        except httpx.HTTPError as exc:
            raise MediaUnavailable(f"{platform} media: {type(exc).__name__}") from exc
    raise MediaUnavailable(f"no {platform} media to fetch")


async def _telegram(
    client: httpx.AsyncClient, settings: MessagingSettings, file_id: str, media: Mapping[str, Any]
) -> Fetched:
    base = settings.telegram_api_base.rstrip("/")
    token = settings.telegram_bot_token
    found = await client.get(f"{base}/bot{token}/getFile", params={"file_id": file_id})
    data = found.json() if found.is_success else {}
    path = (data.get("result") or {}).get("file_path") if data.get("ok") else None
    if not path:
        raise MediaUnavailable("telegram getFile refused")
    return _checked(await client.get(f"{base}/file/bot{token}/{path}"), media)


async def _whatsapp(
    client: httpx.AsyncClient, settings: MessagingSettings, media_id: str, media: Mapping[str, Any]
) -> Fetched:
    headers = {"Authorization": f"Bearer {settings.whatsapp_access_token}"}
    graph = f"{settings.meta_graph_base.rstrip('/')}/{settings.meta_graph_version}"
    found = await client.get(f"{graph}/{media_id}", headers=headers)
    data = found.json() if found.is_success else {}
    if not data.get("url"):
        raise MediaUnavailable("whatsapp media id unknown or expired")
    got = _checked(await client.get(str(data["url"]), headers=headers), media)
    return Fetched(got.content, str(data.get("mime_type") or got.mime_type))


def _checked(response: httpx.Response, media: Mapping[str, Any]) -> Fetched:
    if not response.is_success:
        raise MediaUnavailable(f"HTTP {response.status_code}")
    if len(response.content) > MAX_MEDIA_BYTES:
        raise MediaUnavailable("file too large")
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    if not kind or kind == "application/octet-stream":
        kind = str(media.get("mime_type") or "application/octet-stream")
    return Fetched(response.content, kind)
