"""Product listing and autocomplete over HTTP: summaries with prices, facets, typo report,
cursor pages, and clear 4xx answers for bad parameters."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.test_search import build_shop


async def test_listing_returns_priced_summaries_in_the_requested_language(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    response = await client.get(
        "/api/v1/products",
        params={"channel": "web", "q": "ведьмак дикая", "limit": 1},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    body = response.json()
    first = body["data"][0]
    assert first["slug"] == "witcher"
    assert first["name"] == "The Witcher 3: Wild Hunt"
    assert first["price"]["amount"] == 199900 and first["price"]["currency"] == "RUB"
    assert "1,999.00" in first["price"]["formatted"]
    assert first["in_stock"] is True
    assert first["category"]["slug"] == "ps4"
    assert body["next_cursor"] is not None
    assert body["facets"]["total"] == 2


async def test_typo_is_reported_as_did_you_mean(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    body = (await client.get("/api/v1/products", params={"channel": "web", "q": "ведьмк"})).json()

    assert body["corrected_query"] == "ведьмак"
    assert {p["slug"] for p in body["data"]} == {"witcher", "witcher-book"}


async def test_attribute_and_price_filters_with_facets(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    body = (
        await client.get(
            "/api/v1/products",
            params={"channel": "web", "attr.platform": "PS4", "price_min": 200000},
        )
    ).json()

    assert [p["slug"] for p in body["data"]] == ["fifa"]
    assert body["facets"]["attributes"] == {"platform": [{"value": "PS4", "count": 1}]}


async def test_cursor_walks_the_listing_without_repeats(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)
    params: dict[str, str | int] = {"channel": "web", "sort": "price_desc", "limit": 3}

    first = (await client.get("/api/v1/products", params=params)).json()
    second = (
        await client.get("/api/v1/products", params={**params, "cursor": first["next_cursor"]})
    ).json()

    amounts = [p["price"]["amount"] for p in first["data"] + second["data"]]
    assert amounts == [399900, 199900, 89900, 59900]
    assert second["next_cursor"] is None and second["facets"] is None


async def test_suggest_returns_names_and_categories(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)

    response = await client.get("/api/v1/search/suggest", params={"channel": "web", "q": "игр"})

    assert response.status_code == 200
    texts = {(s["kind"], s["text"]) for s in response.json()["data"]}
    assert {("product", "Игра престолов"), ("category", "Игры")} <= texts


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"price_min": -1}, "price_min"),
        ({"sort": "cheapest"}, "sort"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"colour": "red"}, "colour"),
        ({"attr.bad code!": "x"}, "attr.bad code!"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    params: dict[str, str | int],
    field: str,
) -> None:
    await build_shop(sessions)

    response = await client.get("/api/v1/products", params={"channel": "web", **params})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_cursor_of_another_sort_is_rejected(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_shop(sessions)
    first = (await client.get("/api/v1/products", params={"channel": "web", "limit": 1})).json()

    response = await client.get(
        "/api/v1/products",
        params={"channel": "web", "sort": "newest", "cursor": first["next_cursor"]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/search/suggest"])
async def test_unknown_channel_is_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, params={"channel": "nowhere", "q": "x"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
