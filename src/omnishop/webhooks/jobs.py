"""Event handlers and periodic jobs of the webhooks domain."""

from __future__ import annotations
