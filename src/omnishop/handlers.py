"""Imports every domain's event handlers and periodic jobs so the worker knows them (one place,
at start-up)."""

from __future__ import annotations

import importlib

HANDLER_MODULES: tuple[str, ...] = (
    "omnishop.search.jobs",
    "omnishop.inventory.jobs",
    "omnishop.payments.jobs",
    "omnishop.orders.jobs",
    "omnishop.checkout.jobs",
    "omnishop.webhooks.jobs",
    "omnishop.reviews.jobs",
    "omnishop.loyalty.jobs",
    "omnishop.customers.jobs",
    "omnishop.orders.pickup_jobs",
    "omnishop.orders.push_jobs",
    "omnishop.conversations.jobs",
    "omnishop.conversations.bot.jobs",
    "omnishop.conversations.notification_jobs",
)


def register() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
