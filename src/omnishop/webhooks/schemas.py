"""Webhook API shapes: endpoint create/update/read, deliveries with their attempts, topics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from omnishop.webhooks.models import DeliveryStatus

Url = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Topic = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Topics = Annotated[list[Topic], Field(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=500)]


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    topics: Topics
    description: Description | None = None
    active: bool = True


class EndpointUpdate(BaseModel):
    """Change an endpoint; ``{"active": true}`` re-enables one that was switched off."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    topics: Topics | None = None
    description: Description | None = None
    active: bool | None = None


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    topics: list[str]
    description: str | None
    active: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    """Returned at creation and on rotation only: the one time the secret is shown."""

    secret: str


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str | None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRead] = Field(default_factory=list)


class TopicRead(BaseModel):
    topic: str
    fields: list[str]
