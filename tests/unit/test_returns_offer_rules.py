"""How the units of a return come back: to the store an order was collected at (or bought at
its counter), else by carrier with a return label."""

from __future__ import annotations

import uuid

from omnishop.orders.return_rules import ReturnMethod
from omnishop.orders.returns_offer import method_for

STORE = uuid.UUID(int=5)


def test_a_collected_order_goes_back_to_its_store() -> None:
    pickup = {"kind": "pickup", "pickup_location_id": str(STORE)}
    counter = {"kind": "pickup", "location_id": str(STORE)}  # a store counter sale
    assert method_for(pickup) == (ReturnMethod.DROP_OFF, STORE)
    assert method_for(counter) == (ReturnMethod.DROP_OFF, STORE)


def test_a_delivered_order_or_a_broken_pickup_record_travels_back_by_carrier() -> None:
    assert method_for({"kind": "shipping", "method": "courier"}) == (ReturnMethod.SHIP, None)
    assert method_for({}) == (ReturnMethod.SHIP, None)
    assert method_for({"kind": "pickup"}) == (ReturnMethod.SHIP, None)
    assert method_for({"kind": "pickup", "pickup_location_id": "junk"}) == (ReturnMethod.SHIP, None)
