"""Search on SQLite (FTS5) and PostgreSQL (tsvector + pg_trgm): ranking, morphology, typos,
filters with facet counts, visibility, and re-indexing driven by outbox events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.catalog import service as catalog
from omnishop.catalog.schemas import (
    CategoryCreate,
    ProductCreate,
    PublicationIn,
    TranslationIn,
    VariantCreate,
)
from omnishop.channels import service as channels
from omnishop.channels.schemas import ChannelCreate
from omnishop.inventory import service as inventory
from omnishop.inventory.schemas import LocationCreate
from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.pricing import service as pricing
from omnishop.search import jobs as _jobs  # noqa: F401  (registers the handlers)
from omnishop.search import service as search
from omnishop.search.schemas import SearchPage, SearchQuery


@dataclass
class Shop:
    web: uuid.UUID
    web_en: uuid.UUID
    games: uuid.UUID
    ps4: uuid.UUID
    books: uuid.UUID
    products: dict[str, uuid.UUID]
    variants: dict[str, uuid.UUID]


async def _product(
    session: AsyncSession,
    slug: str,
    ru: str,
    en: str | None,
    category: uuid.UUID,
    attributes: dict[str, str] | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    translations = {"ru": TranslationIn(name=ru)}
    if en:
        translations["en"] = TranslationIn(name=en)
    product = await catalog.create_product(
        session=session,
        data=ProductCreate(
            slug=slug,
            category_id=category,
            attributes=attributes or {},
            translations=translations,
            variants=[VariantCreate(sku=f"{slug}-1")],
        ),
    )
    bundle = await catalog.get_bundle(session=session, id_or_slug=slug)
    return product.id, bundle.variants[0].id


async def build_shop(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    """A small games-and-books shop in two channels, indexed through the outbox."""
    async with unit_of_work(sessions) as session:
        web = await channels.create(
            session=session,
            data=ChannelCreate(
                code="web",
                name="Web",
                kind="web",
                currency="RUB",
                default_locale="ru",
                country="RU",
            ),
        )
        web_en = await channels.create(
            session=session,
            data=ChannelCreate(
                code="web-en",
                name="Web EN",
                kind="web",
                currency="EUR",
                default_locale="en",
                country="DE",
            ),
        )
        games = await catalog.create_category(
            session=session,
            data=CategoryCreate(
                slug="games",
                translations={"ru": TranslationIn(name="Игры"), "en": TranslationIn(name="Games")},
            ),
        )
        ps4 = await catalog.create_category(
            session=session,
            data=CategoryCreate(
                slug="ps4", parent_id=games.id, translations={"ru": TranslationIn(name="PS4")}
            ),
        )
        books = await catalog.create_category(
            session=session,
            data=CategoryCreate(slug="books", translations={"ru": TranslationIn(name="Книги")}),
        )
        location = await inventory.create_location(
            session=session,
            data=LocationCreate(code="main", name="Main", kind="warehouse", country="RU"),
        )
        specs = [
            (
                "witcher",
                "Ведьмак 3: Дикая Охота",
                "The Witcher 3: Wild Hunt",
                ps4.id,
                {"platform": "PS4"},
                199900,
                5,
            ),
            (
                "witcher-book",
                "Ведьмак. Последнее желание",
                "The Last Wish",
                books.id,
                None,
                59900,
                0,
            ),
            ("thrones", "Игра престолов", "A Game of Thrones", books.id, None, 89900, 2),
            ("fifa", "FIFA 23", "FIFA 23", ps4.id, {"platform": "PS4"}, 399900, 0),
            ("draft", "Ведьмак 2: Убийцы королей", None, ps4.id, None, 99900, 1),
            ("archived", "Ведьмак: Первая часть", None, ps4.id, None, 49900, 1),
        ]
        products, variants = {}, {}
        for slug, ru, en, category, attrs, price, stock in specs:
            pid, vid = await _product(session, slug, ru, en, category, attrs)
            products[slug], variants[slug] = pid, vid
            await pricing.set_price(
                session=session, variant_id=vid, channel_id=web.id, amount=price
            )
            await inventory.set_on_hand(
                session=session, variant_id=vid, location_id=location.id, quantity=stock
            )
            if slug != "draft":
                for channel in (web, web_en):
                    await catalog.publish(
                        session=session, product_id=pid, channel_id=channel.id, data=PublicationIn()
                    )
        await catalog.archive_product(session=session, product_id=products["archived"])
    await outbox.drain(sessions)
    return Shop(web.id, web_en.id, games.id, ps4.id, books.id, products, variants)


async def run(
    sessions: async_sessionmaker[AsyncSession],
    channel_id: uuid.UUID,
    locale: str = "ru",
    **kw: object,
) -> SearchPage:
    async with unit_of_work(sessions) as session:
        channel = await channels.get(session=session, channel_id=channel_id)
        return await search.search(
            session=session, channel=channel, query=SearchQuery.model_validate(kw), locale=locale
        )


def slugs(page: SearchPage) -> list[str]:
    return [p.slug for p in page.data]


async def test_exact_title_match_ranks_first(sessions: async_sessionmaker[AsyncSession]) -> None:
    shop = await build_shop(sessions)

    page = await run(sessions, shop.web, q="ведьмак 3 дикая охота")

    assert slugs(page)[0] == "witcher"
    assert "witcher-book" in slugs(page)  # shares one word: still found, ranked lower


async def test_russian_morphology_matches_other_word_forms(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await build_shop(sessions)

    games = await run(sessions, shop.web, q="игры")
    hunting = await run(sessions, shop.web, q="охоту")

    assert "thrones" in slugs(games)  # "Игра престолов"
    assert slugs(hunting) == ["witcher"]
    assert games.corrected_query is None


async def test_english_stemming_in_an_english_channel(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await build_shop(sessions)

    page = await run(sessions, shop.web_en, locale="en", q="hunting witchers")

    assert slugs(page)[0] == "witcher"
    assert page.data[0].name == "The Witcher 3: Wild Hunt"


async def test_a_typo_is_corrected_and_reported(sessions: async_sessionmaker[AsyncSession]) -> None:
    shop = await build_shop(sessions)

    page = await run(sessions, shop.web, q="ведьмк")

    assert page.corrected_query == "ведьмак"
    assert set(slugs(page)) == {"witcher", "witcher-book"}


async def test_filters_narrow_the_list_and_facets_count_the_filtered_set(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await build_shop(sessions)

    subtree = await run(sessions, shop.web, category="games", sort="price_asc")
    cheap = await run(sessions, shop.web, category=str(shop.games), price_max=300000)
    attr = await run(sessions, shop.web, attributes={"platform": ["PS4"]}, in_stock=False)
    stocked = await run(sessions, shop.web, in_stock=True)

    assert slugs(subtree) == ["witcher", "fifa"]
    assert slugs(cheap) == ["witcher"]
    assert slugs(attr) == ["fifa"]
    assert sorted(slugs(stocked)) == ["thrones", "witcher"]
    facets = subtree.facets
    assert facets is not None
    assert (facets.total, facets.in_stock) == (2, 1)
    assert (facets.price.min, facets.price.max, facets.price.currency) == (199900, 399900, "RUB")
    assert {c.slug: c.count for c in facets.categories} == {"games": 2, "ps4": 2}
    assert [(v.value, v.count) for v in facets.attributes["platform"]] == [("PS4", 2)]


async def test_unpublished_and_archived_products_are_absent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await build_shop(sessions)

    browse = await run(sessions, shop.web, limit=100)
    found = await run(sessions, shop.web, q="ведьмак")

    assert sorted(slugs(browse)) == ["fifa", "thrones", "witcher", "witcher-book"]
    assert {"draft", "archived"}.isdisjoint(slugs(found))


async def test_browse_pages_cover_everything_once_in_name_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await build_shop(sessions)

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = await run(sessions, shop.web, limit=3, cursor=cursor)
        seen += [p.name for p in page.data]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == sorted(seen, key=str.lower)
    assert len(seen) == len(set(seen)) == 4


async def test_price_change_reindexes_through_the_outbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await build_shop(sessions)
    async with unit_of_work(sessions) as session:
        await pricing.set_price(
            session=session, variant_id=shop.variants["fifa"], channel_id=shop.web, amount=100
        )
        await catalog.archive_product(session=session, product_id=shop.products["thrones"])

    before = await run(sessions, shop.web, sort="price_asc")
    await outbox.drain(sessions)
    after = await run(sessions, shop.web, sort="price_asc")

    assert slugs(before)[0] == "witcher-book"
    assert slugs(after) == ["fifa", "witcher-book", "witcher"]
    assert after.data[0].price is not None and after.data[0].price.amount == 100


async def test_suggest_completes_the_last_word(sessions: async_sessionmaker[AsyncSession]) -> None:
    shop = await build_shop(sessions)
    async with unit_of_work(sessions) as session:
        channel = await channels.get(session=session, channel_id=shop.web)
        witch = await search.suggest(session=session, channel=channel, q="Ведь", locale="ru")
        two_words = await search.suggest(
            session=session, channel=channel, q="ведьмак дик", locale="ru"
        )
        game = await search.suggest(session=session, channel=channel, q="игр", locale="ru")

    assert {s.slug for s in witch.data} == {"witcher", "witcher-book"}
    assert [s.slug for s in two_words.data] == ["witcher"]
    assert ("category", "Игры") in {(s.kind, s.text) for s in game.data}
    assert ("product", "Игра престолов") in {(s.kind, s.text) for s in game.data}


async def test_reindex_is_idempotent(sessions: async_sessionmaker[AsyncSession]) -> None:
    shop = await build_shop(sessions)
    async with unit_of_work(sessions) as session:
        await search.reindex_products(session, list(shop.products.values()))
        await search.reindex_products(session, list(shop.products.values()))

    page = await run(sessions, shop.web, q="ведьмак")

    assert sorted(slugs(page)) == ["witcher", "witcher-book"]
    assert page.facets is not None and page.facets.total == 2


async def test_facet_counts_follow_a_reindex(sessions: async_sessionmaker[AsyncSession]) -> None:
    shop = await build_shop(sessions)
    before = await run(sessions, shop.web)
    async with unit_of_work(sessions) as session:
        await catalog.archive_product(session=session, product_id=shop.products["fifa"])
    await outbox.drain(sessions)

    after = await run(sessions, shop.web)

    assert before.facets is not None and after.facets is not None
    assert (before.facets.total, after.facets.total) == (4, 3)


async def test_a_rare_query_word_outweighs_a_common_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Given five mugs (a common word) indexed before a longer name with the rare word: a rank
    # blind to rarity (ts_rank_cd) ties them all and the earlier mugs come first.
    shop = await build_shop(sessions)
    async with unit_of_work(sessions) as session:
        names = [("mug-" + c, "Кружка " + ru) for c, ru in [("w", "белая"), ("b", "синяя")]]
        names += [("mug-r", "Кружка красная"), ("mug-k", "Кружка черная"), ("mug-g", "Кружка")]
        names.append(("plaid", "Плед Игра престолов большой"))
        for slug, name in names:
            pid, _ = await _product(session, slug, name, None, shop.books)
            await catalog.publish(
                session=session, product_id=pid, channel_id=shop.web, data=PublicationIn()
            )
    await outbox.drain(sessions)

    # When both words are searched
    page = await run(sessions, shop.web, q="кружка престолов")

    # Then the two products with the rare word lead, the mugs follow
    assert set(slugs(page)[:2]) == {"thrones", "plaid"}
    assert {"mug-w", "mug-b", "mug-r", "mug-k", "mug-g"} <= set(slugs(page)[2:])
