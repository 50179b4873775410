"""Catalog use cases on SQLite and PostgreSQL: edits, moves, and the events they announce."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service
from omnishop.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    ProductCreate,
    ProductUpdate,
    PublicationIn,
    TranslationIn,
    VariantCreate,
    VariantUpdate,
)
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.kernel.errors import Conflict, NotFound, ValidationFailed
from omnishop.kernel.outbox import OutboxEvent


async def topics(session: AsyncSession) -> list[str]:
    await session.flush()
    return list(await session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.created_at)))


async def make_category(
    session: AsyncSession, slug: str, parent: uuid.UUID | None = None
) -> uuid.UUID:
    data = CategoryCreate(
        slug=slug, parent_id=parent, translations={"ru": TranslationIn(name=slug)}
    )
    return (await service.create_category(session=session, data=data)).id


async def make_product(session: AsyncSession, slug: str = "chainik") -> uuid.UUID:
    data = ProductCreate(
        slug=slug,
        translations={"ru": TranslationIn(name="Чайник")},
        variants=[VariantCreate(sku=f"{slug}-1")],
    )
    return (await service.create_product(session=session, data=data)).id


async def test_update_product_merges_translations_and_announces_the_change(
    session: AsyncSession,
) -> None:
    product_id = await make_product(session)
    category_id = await make_category(session, "kitchen")

    bundle = await service.update_product(
        session=session,
        product_id=product_id,
        data=ProductUpdate(
            category_id=category_id, translations={"en": TranslationIn(name="Kettle")}
        ),
    )

    assert bundle.names == {"ru": "Чайник", "en": "Kettle"}
    assert bundle.category_ids == [category_id]
    assert (await topics(session)).count("catalog.product_changed") == 2


async def test_archive_product_sets_the_status(session: AsyncSession) -> None:
    product_id = await make_product(session)

    bundle = await service.archive_product(session=session, product_id=product_id)

    assert bundle.status == "archived"
    with pytest.raises(NotFound):
        await service.archive_product(session=session, product_id=uuid.uuid4())


async def test_variants_keep_skus_unique_across_products(session: AsyncSession) -> None:
    first = await make_product(session, "a")
    second = await make_product(session, "b")

    added = await service.add_variant(
        session=session, product_id=second, data=VariantCreate(sku="b-2", options={"size": "M"})
    )
    with pytest.raises(Conflict) as exc:
        await service.add_variant(session=session, product_id=second, data=VariantCreate(sku="a-1"))
    updated = await service.update_variant(
        session=session, variant_id=added.id, data=VariantUpdate(active=False)
    )

    assert exc.value.field == "sku"
    assert (updated.active, updated.options) == (False, {"size": "M"})
    assert await service.existing_variant_ids(
        session=session, variant_ids=[added.id, uuid.uuid4()]
    ) == {added.id}
    assert first != second


async def test_moving_a_category_re_paths_descendants_and_announces_each(
    session: AsyncSession,
) -> None:
    games = await make_category(session, "games")
    consoles = await make_category(session, "consoles", games)
    ps4 = await make_category(session, "ps4", consoles)
    electronics = await make_category(session, "electronics")
    before = len(await topics(session))

    moved = await service.update_category(
        session=session, category_id=consoles, data=CategoryUpdate(parent_id=electronics)
    )
    infos = await service.categories_by_ids(session=session, category_ids=[ps4, games])

    assert moved.path == "electronics/consoles"
    assert infos[ps4].path == "electronics/consoles/ps4"
    assert infos[games].path == "games"
    assert len(await topics(session)) - before == 2  # consoles and ps4


async def test_a_category_cannot_move_into_its_own_subtree(session: AsyncSession) -> None:
    games = await make_category(session, "games")
    ps4 = await make_category(session, "ps4", games)

    for target in (games, ps4):
        with pytest.raises(ValidationFailed) as exc:
            await service.update_category(
                session=session, category_id=games, data=CategoryUpdate(parent_id=target)
            )
        assert exc.value.field == "parent_id"


async def test_renaming_a_slug_renames_the_paths_below(session: AsyncSession) -> None:
    games = await make_category(session, "games")
    ps4 = await make_category(session, "ps4", games)

    await service.update_category(
        session=session, category_id=games, data=CategoryUpdate(slug="play")
    )

    infos = await service.categories_by_ids(session=session, category_ids=[ps4])
    assert infos[ps4].path == "play/ps4"


async def test_category_pages_are_keyset_on_path(session: AsyncSession) -> None:
    for slug in ("c", "a", "b", "d"):
        await make_category(session, slug)
    hidden = await make_category(session, "bb")
    await service.update_category(
        session=session, category_id=hidden, data=CategoryUpdate(active=False)
    )

    first = await service.list_categories_page(session=session, after_path=None, limit=2)
    second = await service.list_categories_page(session=session, after_path=first[-1].path, limit=2)
    rest = await service.list_categories_page(session=session, after_path="d", limit=2)

    assert [c.path for c in first + second] == ["a", "b", "c", "d"]
    assert rest == []


async def test_publication_by_channel_code(session: AsyncSession) -> None:
    product_id = await make_product(session)
    channel = await channels.create(
        session=session,
        data=ChannelCreate(
            code="web", name="Web", kind="web", currency="RUB", default_locale="ru", country="RU"
        ),
    )

    info = await service.set_publication(
        session=session, product_id=product_id, channel_code="web", data=PublicationIn()
    )
    with pytest.raises(NotFound) as exc:
        await service.set_publication(
            session=session, product_id=product_id, channel_code="nope", data=PublicationIn()
        )

    assert (info.channel_id, info.visible) == (channel.id, True)
    assert exc.value.field == "channel"
