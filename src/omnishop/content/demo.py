"""Demo content: the home page's hero and promo blocks in ru, en and ka (idempotent by key)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.content import service
from omnishop.content.schemas import BlockCreate

DEMO: list[dict[str, Any]] = [
    {
        "key": "demo-hero-games",
        "placement": "home_hero",
        "kind": "banner",
        "title": {
            "ru": "Новые игры для PS4 и Xbox One",
            "en": "New games for PS4 and Xbox One",
            "ka": "ახალი თამაშები PS4-ისა და Xbox One-ისთვის",
        },
        "body": {
            "ru": "Предзаказы, хиты сезона и коллекционные издания — с доставкой или самовывозом.",
            "en": "Pre-orders, this season's hits and collector's editions — delivered or "
            "ready for pickup.",
            "ka": "წინასწარი შეკვეთები, სეზონის ჰიტები და საკოლექციო გამოცემები — მიწოდებით "
            "ან მაღაზიიდან გატანით.",
        },
        "cta_label": {"ru": "Смотреть игры", "en": "Browse games", "ka": "თამაშების ნახვა"},
        "link_url": "/search?q=PS4",
        "position": 0,
    },
    {
        "key": "demo-promo-pickup",
        "placement": "home_promo",
        "kind": "promo",
        "title": {
            "ru": "Заберите заказ в магазине",
            "en": "Collect your order in store",
            "ka": "გაიტანეთ შეკვეთა მაღაზიიდან",
        },
        "body": {
            "ru": "Закажите онлайн — мы отложим товар и пришлём код для получения.",
            "en": "Order online — we put it aside and send you a pickup code.",
            "ka": "შეუკვეთეთ ონლაინ — გადავდებთ ნივთს და გამოგიგზავნით მიღების კოდს.",
        },
        "channel_codes": ["web", "web-en", "telegram"],
        "position": 10,
    },
    {
        "key": "demo-promo-telegram",
        "placement": "home_promo",
        "kind": "promo",
        "title": {
            "ru": "Бонусы за покупки в Telegram",
            "en": "Earn points when you shop in Telegram",
            "ka": "დააგროვეთ ქულები Telegram-ში ყიდვისას",
        },
        "body": {
            "ru": "Копите баллы в чате и тратьте их на сайте или в магазине.",
            "en": "Collect points in the chat, spend them on the web or in store.",
            "ka": "დააგროვეთ ქულები ჩატში და დახარჯეთ საიტზე ან მაღაზიაში.",
        },
        "channel_codes": ["telegram"],
        "position": 20,
    },
    {
        "key": "demo-promo-tbilisi",
        "placement": "home_promo",
        "kind": "promo",
        "title": {
            "ka": "მიწოდება თბილისში მეორე დღეს",
            "ru": "Доставка по Тбилиси на следующий день",
            "en": "Next-day delivery in Tbilisi",
        },
        "channel_codes": ["web-ge"],
        "position": 20,
    },
    {
        "key": "demo-promo-new-year",
        "placement": "home_promo",
        "kind": "promo",
        "title": {
            "ru": "Новогодняя распродажа: до −30%",
            "en": "New Year sale: up to 30% off",
            "ka": "საახალწლო ფასდაკლება: 30%-მდე",
        },
        "cta_label": {"ru": "К распродаже", "en": "Shop the sale", "ka": "ფასდაკლებაზე"},
        "link_url": "/search?sort=price_asc",
        "starts_at": datetime(2026, 12, 20, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 9, tzinfo=UTC),
        "position": 5,
    },
]


async def seed_content(session: AsyncSession) -> int:
    """Create or refresh the demo blocks; how many."""
    return await service.save_many(
        session=session, items=[BlockCreate.model_validate(item) for item in DEMO]
    )
