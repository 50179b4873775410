"""Search index upkeep: event handlers that re-index what changed."""

from __future__ import annotations
