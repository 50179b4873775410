"""Events of the reviews domain."""

from __future__ import annotations

import dataclasses
import uuid

from omnishop.kernel.events import Event, event


@event
@dataclasses.dataclass(frozen=True)
class ReviewApproved(Event):
    """A review went live (e.g. loyalty may give a bonus once per review id)."""

    topic = "reviews.approved"
    public_topic = "review.approved"
    review_id: uuid.UUID
    product_id: uuid.UUID
    channel_id: uuid.UUID
    customer_id: str | None
    rating: int
    verified_purchase: bool
    photos: int
    photo_rights_consent: bool


@event
@dataclasses.dataclass(frozen=True)
class ReviewWithdrawn(Event):
    """An approved review left the shop (rejected by a moderator or requeued by reports)."""

    topic = "reviews.withdrawn"
    review_id: uuid.UUID
    product_id: uuid.UUID
    status: str
