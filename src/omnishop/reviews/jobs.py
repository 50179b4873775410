"""Reactions of the reviews domain. None yet: importing this module at start-up registers the
reviews events, so the worker can decode them for webhooks (``review.approved``) and for
other domains' handlers (loyalty may reward an approved review)."""

from __future__ import annotations

from omnishop.reviews import events  # noqa: F401
