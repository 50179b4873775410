"""Fixtures shared by the integration tests (found by pytest through this module)."""

from __future__ import annotations

from tests.integration.conversations_fixtures import without_bot

__all__ = ["without_bot"]
