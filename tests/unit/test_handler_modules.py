"""The handler registry names each module once (shared file, edited by many)."""

from __future__ import annotations

from collections import Counter

from omnishop.handlers import HANDLER_MODULES


def test_every_handler_module_is_listed_once() -> None:
    assert [m for m, n in Counter(HANDLER_MODULES).items() if n > 1] == []
