"""`omnishop worker` sends the chat replies, so it registers every messenger's Sender."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from omnishop import cli
from omnishop.conversations import wire
from omnishop.kernel import outbox
from omnishop.kernel.settings import get_settings


def test_the_worker_registers_every_messengers_sender(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    async def no_loop(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setenv("OMNISHOP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/w.db")
    get_settings.cache_clear()
    monkeypatch.setattr(outbox, "run_forever", no_loop)
    saved = dict(wire._senders)
    wire._senders.clear()
    try:
        result = CliRunner().invoke(cli.app, ["worker"])
        assert result.exit_code == 0, result.output
        for platform in ("telegram", "whatsapp", "messenger", "sms", "webchat"):
            assert wire.sender_for(platform) is not None, platform
    finally:
        wire._senders.clear()
        wire._senders.update(saved)
        get_settings.cache_clear()
