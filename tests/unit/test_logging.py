"""Logs go to whatever stderr is now, even after the stream seen at configure time closed."""

from __future__ import annotations

import io
import sys

import pytest

from omnishop.kernel import logging as kernel_logging


def test_a_log_after_stderr_was_swapped_and_closed_reaches_the_new_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    kernel_logging.configure("INFO")
    log = kernel_logging.get_logger("test")
    log.info("before")
    first.close()  # e.g. a test's captured stream, closed when that test ended
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)

    log.warning("after", reason="swapped")

    assert "after" in second.getvalue() and "reason=swapped" in second.getvalue()
