"""REST API v1: the router every resource module adds itself to."""

from __future__ import annotations

from fastapi import APIRouter

from omnishop.api import (
    availability_routes,
    catalog_routes,
    channels_routes,
    checkout_complete_routes,
    checkout_routes,
    content_routes,
    inventory_routes,
    loyalty_routes,
    orders_routes,
    payments_routes,
    pickup_routes,
    pos_routes,
    pricing_routes,
    promotions_routes,
    qr_routes,
    returns_routes,
    reviews_routes,
    search_routes,
    tax_routes,
    webhooks_routes,
)

router = APIRouter(prefix="/api/v1")
# search_routes first: it owns GET /products (the listing); catalog_routes owns /products/{ref}.
router.include_router(search_routes.router)
router.include_router(channels_routes.router)
router.include_router(catalog_routes.router)
router.include_router(pricing_routes.router)
router.include_router(qr_routes.router)
router.include_router(promotions_routes.router)
router.include_router(tax_routes.router)
router.include_router(inventory_routes.router)
router.include_router(checkout_routes.router)
router.include_router(checkout_complete_routes.router)
router.include_router(payments_routes.router)
router.include_router(orders_routes.router)
router.include_router(webhooks_routes.router)
router.include_router(reviews_routes.router)
router.include_router(content_routes.router)
router.include_router(pickup_routes.router)
router.include_router(pos_routes.router)
router.include_router(availability_routes.router)
router.include_router(returns_routes.router)
router.include_router(loyalty_routes.router)
