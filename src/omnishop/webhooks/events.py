"""Events of the webhooks domain (internal: merchants are not sent webhooks about webhooks)."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class WebhookEndpointDisabled(Event):
    """An endpoint failed for a day and was switched off; the merchant should be told."""

    topic = "webhooks.endpoint_disabled"
    endpoint_id: uuid.UUID
    url: str
    reason: str
