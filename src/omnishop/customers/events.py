"""Events of the customers domain."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class SignInCodeRequested(Event):
    """A one-time code must reach the buyer. It travels in the event because the sender (mail
    or SMS gateway) needs it; the database keeps only its hash."""

    topic = "customers.sign_in_code_requested"
    code_id: uuid.UUID
    kind: str
    destination: str
    code: str
    locale: str
