from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class ChannelChanged(Event):
    topic = "channel.changed"
    channel_id: uuid.UUID
    code: str
