"""The webchat Sender: the widget reads its thread over SSE, so "sending" only confirms.

The message is already stored in the thread when the outbox calls this; the browser's stream
(``routes.events``) picks it up from there, and catches up after a reconnect.
"""

from __future__ import annotations

from omnishop.conversations.wire import OutboundMessage, SendResult


async def send(message: OutboundMessage) -> SendResult:
    return SendResult(external_id=f"webchat:{message.message_id}")
