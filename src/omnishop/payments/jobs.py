"""Event handlers and periodic jobs of the payments domain."""

from __future__ import annotations
