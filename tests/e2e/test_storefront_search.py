"""Storefront pages backed by the search service: /search, category and home grids, paging,
sorting, the stock filter and forgiving parameters (a friendly page, never a 500)."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.test_search import build_shop

# build_shop: channel "web" (RUB, ru) with categories games > ps4 and books; published:
# witcher (ps4, 1 999 ₽, 5 in stock), fifa (ps4, 3 999 ₽, none), witcher-book and thrones
# (books); "draft" is unpublished and "archived" archived.


def product_links(page: httpx.Response) -> list[str]:
    return re.findall(r'<li class="card"><a href="/p/([^"]+)"', page.text)


def next_link(page: httpx.Response) -> str | None:
    match = re.search(r'rel="next" href="([^"]+)"', page.text)
    return html.unescape(match.group(1)) if match else None


async def test_search_finds_a_product_by_another_russian_word_form(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    page = await client.get("/search", params={"q": "охоту"})

    assert page.status_code == 200
    assert product_links(page) == ["witcher"]
    assert "Ведьмак 3: Дикая Охота" in page.text
    assert "Результаты по запросу «охоту»" in page.text
    assert "Возможно, вы имели в виду" not in page.text


async def test_a_typo_still_finds_products_and_says_did_you_mean(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    page = await client.get("/search", params={"q": "ведьмк", "lang": "en"})

    assert page.status_code == 200
    assert set(product_links(page)) == {"witcher", "witcher-book"}
    assert 'Did you mean: <a href="/search?q=%D0%B2%D0%B5%D0%B4%D1%8C%D0%BC%D0%B0%D0%BA">' in (
        page.text
    )


async def test_no_results_is_a_200_page_with_categories_and_new_arrivals(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    page = await client.get("/search", params={"q": "пылесос"})

    assert page.status_code == 200
    assert "По запросу «пылесос» ничего не найдено." in page.text
    assert 'href="/c/games"' in page.text and 'href="/c/books"' in page.text
    assert "Новинки" in page.text
    # Alternatives are real, visible products: never the unpublished or archived ones.
    assert set(product_links(page)) == {"witcher", "witcher-book", "thrones", "fifa"}


async def test_empty_search_asks_what_to_look_for(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    page = await client.get("/search", params={"q": "   "})

    assert page.status_code == 200
    assert "Введите, что вы ищете." in page.text
    assert product_links(page) == []


async def test_category_page_lists_products_of_its_subcategories_only(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    games = await client.get("/c/games")
    books = await client.get("/c/books")

    assert games.status_code == 200
    assert set(product_links(games)) == {"witcher", "fifa"}  # both live in the ps4 child
    assert 'href="/c/ps4"' in games.text  # the subcategory chip
    assert set(product_links(books)) == {"witcher-book", "thrones"}


async def test_category_sorts_by_price_and_filters_in_stock(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    cheap_first = await client.get("/c/games", params={"sort": "price_asc"})
    dear_first = await client.get("/c/games", params={"sort": "price_desc"})
    stocked = await client.get("/c/games", params={"in_stock": "1"})

    assert product_links(cheap_first) == ["witcher", "fifa"]
    assert product_links(dear_first) == ["fifa", "witcher"]
    assert product_links(stocked) == ["witcher"]
    assert 'name="in_stock" value="1" checked' in stocked.text
    assert '<option value="price_desc" selected>' in dear_first.text


async def test_next_page_link_walks_the_whole_category_without_repeats(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    first = await client.get("/c/games", params={"sort": "price_asc", "limit": "1"})
    url = next_link(first)
    assert url is not None and "cursor=" in url and "sort=price_asc" in url
    second = await client.get(url)

    assert product_links(first) == ["witcher"]
    assert second.status_code == 200
    assert product_links(second) == ["fifa"]
    assert next_link(second) is None  # the last page offers no next link


async def test_search_results_page_through_with_next_links(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    first = await client.get("/search", params={"q": "ведьмак", "limit": "1"})
    url = next_link(first)
    assert url is not None
    second = await client.get(url)

    assert len(product_links(first)) == len(product_links(second)) == 1
    assert {*product_links(first), *product_links(second)} == {"witcher", "witcher-book"}


async def test_home_grid_comes_from_the_index_and_pages(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    seen: list[str] = []
    url: str | None = "/?limit=3"
    while url is not None:
        page = await client.get(url)
        assert page.status_code == 200
        seen += product_links(page)
        url = next_link(page)

    assert sorted(seen) == ["fifa", "thrones", "witcher", "witcher-book"]


async def test_every_page_has_a_search_box_in_the_header(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    for url in ("/", "/c/games", "/p/witcher", "/search?q=игра", "/p/nope"):
        page = await client.get(url)
        assert '<form class="search" role="search" action="/search" method="get">' in page.text, url
        assert 'name="q"' in page.text


async def test_bad_listing_parameters_fall_back_to_defaults(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    for params in (
        {"limit": "abc"},
        {"limit": "0"},
        {"limit": "100000"},
        {"sort": "bogus"},
        {"in_stock": "maybe"},
        {"q": "x" * 5000},
    ):
        page = await client.get("/c/games", params=params)
        assert page.status_code == 200, params
        assert set(product_links(page)) == {"witcher", "fifa"}, params
    search = await client.get("/search", params={"q": "ведьмак", "sort": "bogus", "limit": "-5"})
    assert search.status_code == 200
    assert "witcher" in product_links(search)


async def test_a_broken_or_foreign_cursor_is_a_friendly_400_page(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)
    first = await client.get("/c/games", params={"sort": "price_asc", "limit": "1"})
    url = next_link(first)
    assert url is not None
    cursor = httpx.URL(url).params["cursor"]

    garbage = await client.get("/search", params={"q": "ведьмак", "cursor": "!!not-base64"})
    foreign = await client.get("/c/games", params={"sort": "name", "cursor": cursor})
    home = await client.get("/", params={"cursor": "e30", "lang": "en"})  # "{}"

    for page in (garbage, foreign, home):
        assert page.status_code == 400
        assert page.headers["content-type"].startswith("text/html")
        assert 'href="/"' in page.text
    assert "This link does not work" in home.text
