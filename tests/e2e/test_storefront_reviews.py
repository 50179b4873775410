"""The storefront shows CMS blocks on the home page and approved reviews on the product page."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.content import service as content
from omnishop.content.schemas import BlockCreate
from omnishop.kernel import clock
from omnishop.kernel.db import unit_of_work
from omnishop.reviews import moderation
from omnishop.reviews.models import Review
from tests.e2e.test_storefront import make_shop


async def test_product_page_shows_rating_and_approved_reviews_only(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await make_shop(sessions)
    async with unit_of_work(sessions) as session:
        product_id = await catalog.find_product_id(session=session, id_or_slug=shop.product_slug)
        rows = [
            Review(
                product_id=product_id,
                channel_id=shop.channel_id,
                author_name=name,
                rating=rating,
                title=title,
                text=f"{title} — text",
                locale="ru",
                status="pending",
                verified_purchase=True,
            )
            for name, rating, title in [
                ("Анна К.", 5, "Отличный чайник"),
                ("Иван", 4, "Хороший"),
                ("Спамер", 1, "Скрытый отзыв"),
            ]
        ]
        session.add_all(rows)
        await session.flush()
        for row in rows[:2]:
            await moderation.approve(session=session, review_id=row.id, actor="test")
        await moderation.reply(
            session=session, review_id=rows[0].id, text="Спасибо за отзыв!", actor="test"
        )

    ru = await client.get(f"/p/{shop.product_slug}?lang=ru")
    en = await client.get(f"/p/{shop.product_slug}?lang=en")

    assert ru.status_code == 200
    assert "Отличный чайник" in ru.text and "Хороший" in ru.text
    assert "Скрытый отзыв" not in ru.text
    assert "Спасибо за отзыв!" in ru.text
    assert "4,5 из 5" in ru.text and "2 отзыва" in ru.text
    assert "Проверенная покупка" in ru.text
    assert "4.5 out of 5" in en.text and "2 reviews" in en.text


async def test_a_product_without_reviews_invites_buyers(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await make_shop(sessions)

    page = await client.get(f"/p/{shop.product_slug}?lang=en")

    assert page.status_code == 200 and "No reviews yet" in page.text


async def test_home_shows_live_blocks_in_the_shoppers_language(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)
    async with unit_of_work(sessions) as session:
        await content.save_many(
            session=session,
            items=[
                BlockCreate.model_validate(
                    {
                        "key": "hero",
                        "placement": "home_hero",
                        "title": {"ru": "Осенняя распродажа", "ka": "შემოდგომის ფასდაკლება"},
                        "cta_label": {"ru": "Смотреть"},
                        "link_url": "/c/kitchen-chainik",
                        "image_url": "/static/hero.jpg",
                        "image_width": 1200,
                        "image_height": 600,
                    }
                ),
                BlockCreate.model_validate(
                    {
                        "key": "gone",
                        "placement": "home_promo",
                        "title": {"ru": "Прошедшая акция"},
                        "ends_at": (clock.now() - timedelta(days=1)).isoformat(),
                    }
                ),
                BlockCreate.model_validate(
                    {
                        "key": "tg",
                        "placement": "home_promo",
                        "title": {"ru": "Только в Telegram"},
                        "channel_codes": ["telegram"],
                    }
                ),
            ],
        )

    ka = await client.get("/?lang=ka")
    ru = await client.get("/?lang=ru")
    en = await client.get("/?lang=en")

    assert "შემოდგომის ფასდაკლება" in ka.text
    assert "Осенняя распродажа" in ru.text and 'href="/c/kitchen-chainik">Смотреть' in ru.text
    assert "Осенняя распродажа" in en.text  # no English title: the channel's Russian
    for page in (ka, ru, en):
        assert "Прошедшая акция" not in page.text and "Только в Telegram" not in page.text


async def test_content_api_serves_live_blocks_in_the_asked_language(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await make_shop(sessions)
    async with unit_of_work(sessions) as session:
        await content.save(
            session=session,
            data=BlockCreate.model_validate(
                {
                    "key": "hero",
                    "placement": "home_hero",
                    "title": {"ru": "Распродажа", "en": "Sale"},
                    "body": {"ru": "Только сегодня"},
                }
            ),
        )

    en = await client.get(
        "/api/v1/content/blocks?channel=web&placement=home_hero",
        headers={"Accept-Language": "en"},
    )
    unknown = await client.get("/api/v1/content/blocks?channel=web&placement=footer")

    assert en.status_code == 200
    ((block),) = en.json()
    assert (block["title"], block["body"], block["locale"]) == ("Sale", "Только сегодня", "en")
    assert unknown.status_code == 422
