"""Reviews over HTTP: verified buyers write them (JSON or multipart with photos), shoppers
read approved ones and the rating, staff moderate; problems for every refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.customers import tokens
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings
from tests.e2e.conftest import MakeKey
from tests.reviews_fixtures import Purchase, new_customer, purchase

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 60


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def client(database: Database, media: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its media folder in the test's temporary directory."""
    settings = Settings(worker_in_process=False, api_cache_seconds=0, media_dir=media)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def buyer(
    sessions: async_sessionmaker[AsyncSession], code: str, *, delivered: bool = True
) -> tuple[Purchase, dict[str, str]]:
    async with unit_of_work(sessions) as session:
        p = await purchase(session, code, delivered=delivered)
        token = await tokens.issue(session=session, customer_id=p.customer_id)
    return p, {"Authorization": f"Bearer {token}"}


async def stranger(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with unit_of_work(sessions) as session:
        row = await new_customer(session, "Nino", "Beridze")
        token = await tokens.issue(session=session, customer_id=row.id)
    return {"X-Customer-Token": token}


def files_in(folder: Path) -> list[Path]:
    return list(folder.rglob("*.*")) if folder.exists() else []


def body(**extra: Any) -> dict[str, Any]:
    return {"rating": 5, "text": "Boils fast and stays quiet.", **extra}


async def test_no_delivered_order_is_403_with_a_clear_problem(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p, not_yet = await buyer(sessions, "web-e1", delivered=False)
    other = await stranger(sessions)

    undelivered = await client.post(
        f"/api/v1/products/{p.kettle_slug}/reviews", json=body(), headers=not_yet
    )
    never = await client.post(
        f"/api/v1/products/{p.product_id}/reviews", json=body(), headers=other
    )
    anonymous = await client.post(f"/api/v1/products/{p.kettle_slug}/reviews", json=body())
    eligibility = await client.get(
        f"/api/v1/customer/reviews/eligibility?product={p.kettle_slug}", headers=other
    )

    assert undelivered.status_code == 403
    assert undelivered.headers["content-type"] == "application/problem+json"
    assert undelivered.json()["code"] == "review_requires_delivered_order"
    assert undelivered.json()["reason"] == "no_delivered_order"
    assert never.status_code == 403
    assert anonymous.status_code == 401
    assert eligibility.json() == {"eligible": False, "reason": "no_delivered_order"}


async def test_a_second_review_is_409_and_bad_input_is_422(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    p, auth = await buyer(sessions, "web-e2")
    url = f"/api/v1/products/{p.kettle_slug}/reviews"

    bad = [
        await client.post(url, json=body(rating=6), headers=auth),
        await client.post(url, json=body(rating="5"), headers=auth),
        await client.post(url, json=body(surprise=1), headers=auth),
        await client.post(url, json=body(text=" "), headers=auth),
    ]
    first = await client.post(url, json=body(title="Great"), headers=auth)
    second = await client.post(url, json=body(), headers=auth)

    assert [r.status_code for r in bad] == [422, 422, 422, 422]
    assert bad[0].json()["errors"][0]["field"] == "rating"
    mine = await client.get("/api/v1/customer/reviews", headers=auth)
    assert [(r["title"], r["status"]) for r in mine.json()["data"]] == [("Great", "pending")]
    assert "reject_reason" not in mine.json()["data"][0]
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["verified_purchase"]) == ("pending", True)
    assert second.status_code == 409 and second.json()["code"] == "review_exists"


async def test_photos_are_stored_served_and_a_non_image_is_refused(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], media: Path
) -> None:
    p, auth = await buyer(sessions, "web-e3")
    url = f"/api/v1/products/{p.kettle_slug}/reviews"
    fields = {"rating": "4", "text": "Looks like the photo.", "photo_rights_consent": "on"}

    fake = await client.post(
        url,
        data=fields,
        files=[
            ("photos", ("a.png", PNG, "image/png")),
            ("photos", ("kettle.jpg", b"#!/bin/sh\necho not an image\n" * 3, "image/jpeg")),
        ],
        headers=auth,
    )
    stored_after_refusal = files_in(media)
    created = await client.post(
        url, data=fields, files=[("photos", ("a.png", PNG, "image/png"))], headers=auth
    )

    assert fake.status_code == 422
    assert (fake.json()["code"], fake.json()["errors"][0]["field"]) == (
        "unsupported_photo",
        "photos[1]",
    )
    assert stored_after_refusal == []
    assert created.status_code == 201, created.text
    review = created.json()
    assert review["photo_rights_consent"] is True and review["rating"] == 4
    photo_url = review["photos"][0]["url"]
    assert photo_url.startswith("/media/reviews/") and photo_url.endswith(".png")
    served = await client.get(photo_url)
    assert (served.status_code, served.content) == (200, PNG)
    assert (await client.get("/media/reviews/../../etc/passwd")).status_code == 404
    huge = await client.post(
        url,
        content=b"x",
        headers={
            **auth,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(26 * 1024 * 1024),
        },
    )
    assert (huge.status_code, huge.json()["code"]) == (413, "payload_too_large")


async def test_moderation_publishes_counts_replies_and_lists_consented_photos(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    api_key: MakeKey,
) -> None:
    p, auth = await buyer(sessions, "web-e4")
    created = (
        await client.post(
            f"/api/v1/products/{p.kettle_slug}/reviews",
            data={"rating": "4", "text": "Nice.", "photo_rights_consent": "true"},
            files=[("photos", ("a.png", PNG, "image/png"))],
            headers=auth,
        )
    ).json()
    staff = await api_key("reviews:read", "reviews:write")
    reader = await api_key("reviews:read")
    rid = created["id"]

    queue = await client.get("/api/v1/reviews?status=pending", headers=staff)
    before = await client.get(f"/api/v1/products/{p.kettle_slug}/reviews")
    forbidden = await client.post(f"/api/v1/reviews/{rid}/approve", headers=reader)
    approved = await client.post(f"/api/v1/reviews/{rid}/approve", headers=staff)
    again = await client.post(f"/api/v1/reviews/{rid}/approve", headers=staff)
    reply = await client.post(
        f"/api/v1/reviews/{rid}/reply", json={"text": "Thank you, Anna!"}, headers=staff
    )
    listed = await client.get(f"/api/v1/products/{p.kettle_slug}/reviews")
    rating = await client.get(f"/api/v1/products/{p.product_id}/rating")
    photos = await client.get("/api/v1/reviews/photos?consented=true", headers=reader)
    no_reason = await client.post(f"/api/v1/reviews/{rid}/reject", json={}, headers=staff)
    rejected = await client.post(
        f"/api/v1/reviews/{rid}/reject", json={"reason": "Shows a competitor"}, headers=staff
    )
    after = await client.get(f"/api/v1/products/{p.kettle_slug}/rating")

    assert [r["id"] for r in queue.json()["data"]] == [rid]
    assert before.json()["data"] == []
    assert forbidden.status_code == 403
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert again.status_code == 409 and again.json()["code"] == "invalid_review_transition"
    assert reply.status_code == 200
    (shown,) = listed.json()["data"]
    assert shown["verified_purchase"] is True and shown["reply"]["text"] == "Thank you, Anna!"
    assert shown["author_name"] == "Anna K." and "customer_id" not in shown
    assert rating.json()["count"] == 1 and rating.json()["average"] == 400
    assert [ph["review_id"] for ph in photos.json()["data"]] == [rid]
    assert no_reason.status_code == 422
    assert rejected.json()["reject_reason"] == "Shows a competitor"
    assert after.json() == {
        "product_id": str(p.product_id),
        "count": 0,
        "average": 0,
        "histogram": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }


async def test_reports_are_counted_once_per_customer(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    api_key: MakeKey,
) -> None:
    p, auth = await buyer(sessions, "web-e5")
    rid = (
        await client.post(f"/api/v1/products/{p.kettle_slug}/reviews", json=body(), headers=auth)
    ).json()["id"]
    staff = await api_key("reviews:read", "reviews:write")
    reporter = await stranger(sessions)

    pending = await client.post(
        f"/api/v1/reviews/{rid}/reports", json={"reason": "spam"}, headers=reporter
    )
    await client.post(f"/api/v1/reviews/{rid}/approve", headers=staff)
    first = await client.post(
        f"/api/v1/reviews/{rid}/reports", json={"reason": "spam"}, headers=reporter
    )
    repeat = await client.post(
        f"/api/v1/reviews/{rid}/reports", json={"reason": "offensive"}, headers=reporter
    )
    unknown_reason = await client.post(
        f"/api/v1/reviews/{rid}/reports", json={"reason": "meh"}, headers=reporter
    )
    seen = await client.get(f"/api/v1/reviews/{rid}", headers=staff)

    assert pending.status_code == 404  # only published reviews can be reported
    assert (first.status_code, repeat.status_code, unknown_reason.status_code) == (201, 200, 422)
    assert seen.json()["report_count"] == 1
