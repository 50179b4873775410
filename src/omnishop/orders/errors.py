"""Errors of the orders domain with stable codes (problem details in the API)."""

from __future__ import annotations

from typing import ClassVar

from omnishop.kernel.errors import Conflict, ValidationFailed


class OrderExists(Conflict):
    """The cart already became an order (a double completion)."""

    code: ClassVar[str] = "order_exists"
    title: ClassVar[str] = "This cart already has an order"


class HoldsMismatch(ValidationFailed):
    """A draft line's holds are not the line's variant and quantity."""

    code: ClassVar[str] = "holds_mismatch"
    title: ClassVar[str] = "The stock held does not match the order line"
