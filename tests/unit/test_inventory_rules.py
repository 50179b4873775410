"""Inventory rules that need no database: error codes, ledger comparison, input limits."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from omnishop.inventory.errors import OutOfStock, StockChangedConcurrently
from omnishop.inventory.ledger import LedgerCheck
from omnishop.inventory.schemas import Adjustment, LevelSet, TransferCreate

V, L = uuid.uuid4(), uuid.uuid4()


def test_out_of_stock_is_a_409_naming_the_variant() -> None:
    error = OutOfStock(V, 3)

    assert (error.status, error.code, error.field) == (409, "out_of_stock", "quantity")
    assert str(V) in error.detail and error.extra["variant_id"] == str(V)


def test_a_stale_count_has_its_own_stable_code() -> None:
    assert (StockChangedConcurrently.status, StockChangedConcurrently.code) == (
        409,
        "stock_mismatch",
    )


def test_the_ledger_check_fails_when_any_quantity_differs() -> None:
    same = {"on_hand": 5, "reserved": 1, "committed": 0}

    assert LedgerCheck(level=same, ledger=dict(same)).ok
    assert not LedgerCheck(level=same, ledger={**same, "reserved": 0}).ok


@pytest.mark.parametrize(
    "build",
    [
        lambda: LevelSet(variant_id=V, location_id=L, on_hand=-1),
        lambda: LevelSet(variant_id=V, location_id=L, on_hand=1, expected_on_hand=-1),
        lambda: LevelSet.model_validate(
            {"variant_id": V, "location_id": L, "on_hand": 1, "colour": "red"}
        ),
        lambda: Adjustment(variant_id=V, location_id=L, delta=1, reason=""),
        lambda: TransferCreate(variant_id=V, from_location_id=L, to_location_id=V, quantity=0),
    ],
    ids=["negative count", "negative expected", "unknown field", "empty reason", "zero move"],
)
def test_staff_input_outside_the_rules_is_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValidationError):
        build()
