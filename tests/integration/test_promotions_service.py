"""Promotions against real carts and a real database: category targeting through the tree,
first order only, per-customer voucher limits, giving a use back, flash-sale prices."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.catalog import service as catalog
from omnishop.catalog.models import Product, Variant
from omnishop.catalog.schemas import CategoryCreate, TranslationIn
from omnishop.channels import service as channels
from omnishop.checkout import service as carts
from omnishop.checkout import totals as cart_totals
from omnishop.checkout import vouchers
from omnishop.checkout.models import Cart, CartLine
from omnishop.kernel import clock
from omnishop.orders.models import Order
from omnishop.pricing import promotion_service, promotion_staff
from omnishop.pricing import service as pricing
from omnishop.pricing.promotion_models import Voucher
from omnishop.pricing.promotion_schemas import PromotionCreate, SalePriceSet, VoucherCreate
from omnishop.pricing.promotion_service import VoucherNotFound, VoucherUnavailable
from omnishop.pricing.schemas import PriceInfo
from tests.integration.test_cart_fixtures import Shop, open_shop


async def cart_with(session: AsyncSession, shop: Shop, *lines: tuple[uuid.UUID, int]) -> str:
    view = await carts.create_cart(session=session, channel=shop.channel)
    for variant_id, quantity in lines:
        await carts.add_line(
            session=session, token=view.token, variant_id=variant_id, quantity=quantity
        )
    return view.token


async def totals_of(session: AsyncSession, token: str) -> cart_totals.CartTotals:
    cart = await session.scalar(select(Cart).where(Cart.token == token))
    assert cart is not None
    lines = list(await session.scalars(select(CartLine).where(CartLine.cart_id == cart.id)))
    channel = await channels.get(session=session, channel_id=cart.channel_id)
    return await cart_totals.compute(session, cart=cart, lines=lines, channel=channel)


@pytest.fixture
async def shop(session: AsyncSession) -> Shop:
    return await open_shop(session)


async def promo(session: AsyncSession, **data: object) -> uuid.UUID:
    made = await promotion_staff.create_promotion(
        session=session, data=PromotionCreate.model_validate(data)
    )
    return made.id


async def test_a_category_promotion_covers_products_in_its_subcategories(
    session: AsyncSession, shop: Shop
) -> None:
    kitchen = await catalog.create_category(
        session=session,
        data=CategoryCreate(slug="kitchen", translations={"ru": TranslationIn(name="Кухня")}),
    )
    kettles = await catalog.create_category(
        session=session,
        data=CategoryCreate(
            slug="kettles", parent_id=kitchen.id, translations={"ru": TranslationIn(name="Чайники")}
        ),
    )
    product_id = await session.scalar(select(Variant.product_id).where(Variant.id == shop.kettle))
    product = await session.get(Product, product_id)
    assert product is not None
    product.category_id = kettles.id
    await session.flush()
    await promo(session, name="Kitchen 20%", reward="percent_items", value="20",
                category_ids=[str(kitchen.id)])  # fmt: skip
    token = await cart_with(session, shop, (shop.kettle, 1), (shop.mug, 1))

    totals = await totals_of(session, token)

    kettle_line = next(k for k, v in totals.lines.items() if v.subtotal == 250_000)
    assert totals.discount == 50_000
    assert totals.lines[kettle_line].discount == 50_000
    assert totals.total == 250_000 + 99_000 - 50_000


async def test_a_first_order_promotion_says_why_a_returning_buyer_does_not_get_it(
    session: AsyncSession, shop: Shop
) -> None:
    await promo(session, name="First", reward="percent_order", value="10", first_order_only=True)
    token = await cart_with(session, shop, (shop.mug, 1))
    cart = await session.scalar(select(Cart).where(Cart.token == token))
    assert cart is not None
    cart.email = "anna@example.com"
    cart.locale = "ka"  # reasons are said in the cart's language
    await session.flush()
    first = await totals_of(session, token)
    session.add(  # an earlier order of the same buyer (the email in another case)
        Order(
            number="WEB-999999", channel_id=shop.channel.id, cart_id=uuid.uuid4(), token="t" * 20,
            email="ANNA@example.com", locale="ru", status="placed", payment_status="paid",
            payment_method="card", currency="RUB", subtotal=1, shipping_amount=0, total=1,
        )
    )  # fmt: skip
    await session.flush()
    again = await totals_of(session, token)

    assert first.discount == 9_900
    assert again.discount == 0
    assert [r.reason for r in again.rejected] == ["აქცია მხოლოდ პირველი შეკვეთისთვისაა"]


async def test_a_per_customer_limit_is_enforced_and_a_released_use_comes_back(
    session: AsyncSession, shop: Shop
) -> None:
    promotion_id = await promo(session, name="Once each", reward="percent_order", value="5",
                               needs_voucher=True)  # fmt: skip
    await promotion_staff.create_voucher(
        session=session, promotion_id=promotion_id,
        data=VoucherCreate(code="each1", usage_limit=10, per_customer_limit=1),
    )  # fmt: skip
    first_cart, second_cart = uuid.uuid4(), uuid.uuid4()
    me = "email:anna@example.com"

    await promotion_service.redeem(
        session=session, cart_id=first_cart, amounts={"EACH1": 100}, customer_key=me
    )
    await promotion_service.redeem(  # the same cart again (a retried payment): no second use
        session=session, cart_id=first_cart, amounts={"EACH1": 100}, customer_key=me
    )
    with pytest.raises(VoucherUnavailable, match="already used"):
        async with session.begin_nested():
            await promotion_service.redeem(
                session=session, cart_id=second_cart, amounts={"EACH1": 100}, customer_key=me
            )
    with pytest.raises(VoucherUnavailable, match="already used"):
        await promotion_service.check_code(session=session, code="each1", customer_key=me)
    used = await session.scalar(select(Voucher.used_count).where(Voucher.code == "EACH1"))
    released = await promotion_service.release(session=session, cart_id=first_cart)
    await promotion_service.redeem(
        session=session, cart_id=second_cart, amounts={"EACH1": 100}, customer_key=me
    )

    assert used == 1 and released == 1
    assert await session.scalar(select(Voucher.used_count).where(Voucher.code == "EACH1")) == 1


async def test_typing_codes_on_a_cart(session: AsyncSession, shop: Shop) -> None:
    promotion_id = await promo(session, name="Ten off", reward="fixed_order", value="1000",
                               needs_voucher=True, currency="RUB")  # fmt: skip
    await promotion_staff.create_voucher(
        session=session, promotion_id=promotion_id, data=VoucherCreate(code="TEN")
    )
    token = await cart_with(session, shop, (shop.mug, 1))

    with pytest.raises(VoucherNotFound):
        await vouchers.apply_voucher(session=session, token=token, code="nine")
    applied = await vouchers.apply_voucher(session=session, token=token, code="ten")
    removed = await vouchers.remove_voucher(session=session, token=token, code="Ten")

    assert applied.vouchers == ["TEN"] and applied.discount is not None
    assert applied.discount.amount == 1_000 and applied.promotions[0].code == "TEN"
    assert removed.vouchers == [] and removed.discount is not None
    assert removed.discount.amount == 0


async def test_a_flash_sale_price_is_the_price_only_in_its_window(
    session: AsyncSession, shop: Shop
) -> None:
    now = clock.now()
    await promotion_staff.set_sale_price(
        session=session,
        data=SalePriceSet(
            variant_id=shop.mug, channel="web", amount=49_000,
            starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2),
        ),
    )  # fmt: skip

    async def price_at(at_hours: float) -> dict[uuid.UUID, PriceInfo]:
        clock.freeze(now + timedelta(hours=at_hours))
        return await pricing.prices_for_variants(
            session=session, variant_ids=[shop.mug], channel_id=shop.channel.id
        )

    try:
        before = (await price_at(0.5))[shop.mug]
        during = (await price_at(1.5))[shop.mug]
        after = (await price_at(2))[shop.mug]
    finally:
        clock.freeze(None)

    assert (before.amount, before.compare_at_amount) == (99_000, None)
    assert (during.amount, during.compare_at_amount) == (49_000, 99_000)
    assert after.amount == 99_000
