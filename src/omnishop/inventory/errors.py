"""Inventory errors with stable codes (they become problem details in the API)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from omnishop.kernel.errors import Conflict


class OutOfStock(Conflict):
    """Not enough available stock of a variant for the requested quantity."""

    code: ClassVar[str] = "out_of_stock"
    title: ClassVar[str] = "Out of stock"

    def __init__(self, variant_id: uuid.UUID, requested: int, *, field: str = "quantity") -> None:
        super().__init__(
            f"variant {variant_id} has fewer than {requested} available",
            field=field,
            variant_id=str(variant_id),
        )
        self.variant_id = variant_id


class StockChangedConcurrently(Conflict):
    """A compare-and-set found a different quantity than the caller expected."""

    code: ClassVar[str] = "stock_mismatch"
    title: ClassVar[str] = "Stock changed since it was read"


class HoldReleased(Conflict):
    """The hold was already released (expired or abandoned): its stock is back on sale."""

    code: ClassVar[str] = "reservation_released"
    title: ClassVar[str] = "Reservation no longer held"
