"""Event handlers and periodic jobs of the orders domain."""

from __future__ import annotations
