"""The back-office over HTTP: staff login, sessions, CSRF, rate limits and roles."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.app import create_app
from omnishop.catalog.models import Product
from omnishop.customers import staff
from omnishop.customers.models import StaffUser
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.outbox import OutboxEvent
from omnishop.kernel.runtime import Database
from omnishop.kernel.settings import Settings

PASSWORD = "correct-horse-battery"
MakeStaff = Callable[[str], Coroutine[Any, Any, str]]


@pytest.fixture
def make_staff(sessions: async_sessionmaker[AsyncSession]) -> MakeStaff:
    """Create a staff user with ``role``; returns the email."""

    async def make(role: str) -> str:
        email = f"{role}@shop.test"
        async with unit_of_work(sessions) as session:
            await staff.create_staff(
                session=session, email=email, name=role.title(), role=role, password=PASSWORD
            )
        return email

    return make


async def csrf_of(client: httpx.AsyncClient, path: str = "/admin/login") -> str:
    page = await client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )


def error_of(page: httpx.Response) -> str:
    match = re.search(r'class="alert alert-danger"[^>]*>([^<]+)<', page.text)
    return match.group(1) if match else ""


async def test_anonymous_visitor_is_sent_to_the_login_page(client: httpx.AsyncClient) -> None:
    for path in ("/admin/", "/admin/product/list", "/admin/staff-user/create"):
        response = await client.get(path)

        assert response.status_code == 302, path
        assert response.headers["location"].endswith("/admin/login")


async def test_login_and_list_pages_fit_a_phone_screen(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    login_page = await client.get("/admin/login")
    await sign_in(client, await make_staff("owner"))
    list_page = await client.get("/admin/product/list")

    for page in (login_page, list_page):
        assert page.status_code == 200
        assert 'name="viewport" content="width=device-width' in page.text
        assert "overflow-x: auto" in page.text  # wide tables scroll inside their card


async def test_staff_signs_in_and_lists_products(
    client: httpx.AsyncClient, make_staff: MakeStaff, session: AsyncSession
) -> None:
    session.add(Product(slug="lego-castle"))
    await session.commit()
    email = await make_staff("manager")

    signed_in = await sign_in(client, email.upper())  # emails match case-insensitively
    products = await client.get("/admin/product/list")

    assert signed_in.status_code == 302
    assert signed_in.headers["location"].endswith("/admin/")
    assert products.status_code == 200
    assert "lego-castle" in products.text
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/admin" in cookie


async def test_wrong_password_and_unknown_email_fail_alike(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    email = await make_staff("owner")

    wrong_password = await sign_in(client, email, "not-the-password")
    unknown_email = await sign_in(client, "nobody@shop.test", "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert error_of(wrong_password) == error_of(unknown_email) == "Wrong email or password."
    assert (await client.get("/admin/")).status_code == 302


async def test_inactive_staff_cannot_sign_in(
    client: httpx.AsyncClient, make_staff: MakeStaff, session: AsyncSession
) -> None:
    email = await make_staff("owner")
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    user.active = False
    await session.commit()

    refused = await sign_in(client, email)

    assert refused.status_code == 400
    assert error_of(refused) == "Wrong email or password."


async def test_deactivating_a_signed_in_user_ends_their_session(
    client: httpx.AsyncClient, make_staff: MakeStaff, session: AsyncSession
) -> None:
    email = await make_staff("manager")
    await sign_in(client, email)
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert user is not None
    user.active = False
    await session.commit()

    response = await client.get("/admin/product/list")

    assert response.status_code == 302
    assert response.headers["location"].endswith("/admin/login")


async def test_login_post_needs_the_csrf_token_of_its_own_session(
    client: httpx.AsyncClient, database: Database, make_staff: MakeStaff
) -> None:
    email = await make_staff("owner")
    async with _client_for(database) as other:
        foreign_token = await csrf_of(other)

    missing = await client.post("/admin/login", data={"email": email, "password": PASSWORD})
    foreign = await client.post(
        "/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": foreign_token}
    )

    assert missing.status_code == foreign.status_code == 403
    assert (await client.get("/admin/")).status_code == 302


async def test_a_cross_site_post_is_refused(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    email = await make_staff("owner")
    token = await csrf_of(client)

    response = await client.post(
        "/admin/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 403
    assert (await client.get("/admin/")).status_code == 302


async def test_sixth_attempt_in_a_minute_is_refused_even_with_the_right_password(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    email = await make_staff("owner")

    failures = [await sign_in(client, email, f"guess-{n}") for n in range(5)]
    sixth = await sign_in(client, email)

    assert [r.status_code for r in failures] == [400] * 5
    assert sixth.status_code == 429
    assert "Too many sign-in attempts" in error_of(sixth)
    assert (await client.get("/admin/")).status_code == 302


async def test_the_limit_counts_per_email_across_addresses_and_reveals_no_account(
    database: Database, make_staff: MakeStaff
) -> None:
    email = await make_staff("owner")
    app = create_app(Settings(worker_in_process=False), database=database)
    refusals: list[tuple[int, str]] = []
    for target in (email, "nobody@shop.test"):
        for n in range(6):
            # Every guess from a different address: only the per-email count can stop them.
            async with _client_for(database, app=app, ip=f"10.0.{len(refusals)}.{n}") as c:
                last = await sign_in(c, target, f"guess-{n}")
        refusals.append((last.status_code, error_of(last)))

    assert refusals[0] == refusals[1]
    assert refusals[0][0] == 429


async def test_analyst_reads_but_cannot_create_edit_or_delete(
    client: httpx.AsyncClient, make_staff: MakeStaff, session: AsyncSession
) -> None:
    product = Product(slug="lego-castle")
    session.add(product)
    await session.commit()
    await sign_in(client, await make_staff("analyst"))

    listed = await client.get("/admin/product/list")
    create_form = await client.get("/admin/product/create")
    created = await client.post("/admin/product/create", data={"slug": "sneaky"})
    edited = await client.post(f"/admin/product/edit/{product.id}", data={"slug": "renamed"})
    deleted = await client.delete(f"/admin/product/delete?pks={product.id}")

    assert listed.status_code == 200 and "lego-castle" in listed.text
    assert "/admin/product/create" not in listed.text  # no "New" button for a reader
    assert create_form.status_code == created.status_code == 403
    assert edited.status_code == deleted.status_code == 403
    await session.refresh(product)
    assert product.slug == "lego-castle"


async def test_operator_sees_customers_only(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    await sign_in(client, await make_staff("operator"))

    customers = await client.get("/admin/customer/list")
    products = await client.get("/admin/product/list")
    keys = await client.get("/admin/api-key/list")
    home = await client.get("/admin/")

    assert customers.status_code == 200
    assert products.status_code == keys.status_code == 403
    assert "/admin/customer/list" in home.text
    assert "/admin/product/list" not in home.text


async def test_manager_cannot_promote_staff_but_owner_can(
    client: httpx.AsyncClient, database: Database, make_staff: MakeStaff, session: AsyncSession
) -> None:
    manager = await make_staff("manager")
    owner = await make_staff("owner")
    await sign_in(client, manager)
    user = await session.scalar(select(StaffUser).where(StaffUser.email == manager))
    assert user is not None
    form = {"name": "Manager", "role": "owner", "active": "y", "password": ""}

    by_manager = await client.post(f"/admin/staff-user/edit/{user.id}", data=form)
    async with _client_for(database) as owner_client:
        await sign_in(owner_client, owner)
        by_owner = await owner_client.post(f"/admin/staff-user/edit/{user.id}", data=form)

    assert by_manager.status_code == 403
    assert by_owner.status_code == 302
    await session.refresh(user)
    assert user.role == "owner"


async def test_password_hash_never_appears_in_the_back_office(
    client: httpx.AsyncClient, make_staff: MakeStaff, session: AsyncSession
) -> None:
    email = await make_staff("owner")
    await sign_in(client, email)
    created = await client.post(
        "/admin/staff-user/create",
        data={"email": "new@shop.test", "name": "New", "role": "analyst", "password": PASSWORD},
    )
    users = list(await session.scalars(select(StaffUser)))
    hashes = [u.password_hash for u in users]

    pages = [created, await client.get("/admin/staff-user/list")]
    for user in users:
        pages.append(await client.get(f"/admin/staff-user/details/{user.id}"))
        pages.append(await client.get(f"/admin/staff-user/edit/{user.id}"))
    pages.append(await client.get("/admin/staff-user/export/csv"))
    pages.append(await client.get("/admin/staff-user/list?search=argon2"))

    assert len(users) == 2 and created.status_code == 302
    for page in pages:
        assert page.status_code == 200 or page is created
        assert "$argon2" not in page.text and "password_hash" not in page.text
        assert not any(h in page.text for h in hashes)


async def test_staff_created_in_the_back_office_can_sign_in(
    client: httpx.AsyncClient, database: Database, make_staff: MakeStaff
) -> None:
    await sign_in(client, await make_staff("owner"))
    too_short = await client.post(
        "/admin/staff-user/create",
        data={"email": "x@shop.test", "name": "X", "role": "analyst", "password": "short"},
    )
    await client.post(
        "/admin/staff-user/create",
        data={"email": "ana@shop.test", "name": "Ana", "role": "analyst", "password": PASSWORD},
    )

    async with _client_for(database) as other:
        signed_in = await sign_in(other, "ana@shop.test")

    assert too_short.status_code == 400
    assert signed_in.status_code == 302


async def test_api_key_secret_is_shown_once_and_then_works(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    await sign_in(client, await make_staff("manager"))

    created = await client.post(
        "/admin/api-key/create", data={"name": "pos", "scopes": ["channels:write"]}
    )
    secret = re.search(r'value="(osk_[^"]+)"', created.text)
    listed = await client.get("/admin/api-key/list")

    assert created.status_code == 200 and secret
    assert created.headers["cache-control"].startswith("no-store")
    assert secret.group(1) not in listed.text
    assert secret.group(1)[:12] in listed.text  # the prefix identifies it
    used = await client.post(
        "/api/v1/channels",
        json={
            "code": "pos",
            "name": "POS",
            "kind": "pos",
            "currency": "RUB",
            "default_locale": "ru",
            "country": "RU",
        },
        headers={"Authorization": f"Bearer {secret.group(1)}"},
    )
    assert used.status_code == 201, used.text


async def test_product_edited_in_the_back_office_is_announced_to_the_shop(
    client: httpx.AsyncClient, make_staff: MakeStaff, session: AsyncSession
) -> None:
    product = Product(slug="lego-castle")
    session.add(product)
    await session.commit()
    await sign_in(client, await make_staff("manager"))

    edited = await client.post(
        f"/admin/product/edit/{product.id}",
        data={"slug": "lego-castle-2", "status": "active", "attributes": "{}", "tax_class": "std"},
    )

    assert edited.status_code == 302, edited.text[-500:]
    topics = list(await session.scalars(select(OutboxEvent.payload)))
    assert {"product_id": str(product.id)} in topics


async def test_logout_needs_a_post_with_token_and_ends_the_session(
    client: httpx.AsyncClient, make_staff: MakeStaff
) -> None:
    await sign_in(client, await make_staff("owner"))
    token = await csrf_of(client, "/admin/")

    by_get = await client.get("/admin/logout")
    without_token = await client.post("/admin/logout")
    still_in = await client.get("/admin/")
    logged_out = await client.post("/admin/logout", data={"csrf_token": token})
    after = await client.get("/admin/")

    assert by_get.status_code == 405
    assert without_token.status_code == 302 and still_in.status_code == 200
    assert logged_out.headers["location"].endswith("/admin/login")
    assert after.status_code == 302


def _client_for(database: Database, *, app: Any = None, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    """A second browser: its own cookies, optionally from another address."""
    app = app or create_app(Settings(worker_in_process=False), database=database)
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")
