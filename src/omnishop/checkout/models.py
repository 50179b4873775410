"""Carts, cart lines, shipping zones and methods (filled in by the transactions issue)."""

from __future__ import annotations
