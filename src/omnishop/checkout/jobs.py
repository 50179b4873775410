"""Event handlers and periodic jobs of the checkout domain."""

from __future__ import annotations
