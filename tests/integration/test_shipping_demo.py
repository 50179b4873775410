"""The demo shipping set: seeded once, and it quotes sensible prices."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.checkout import service
from omnishop.checkout.demo import seed_shipping
from omnishop.checkout.schemas import CartUpdate
from tests.integration.test_cart_fixtures import KAZAN, MOSCOW, open_shop


async def test_demo_shipping_is_seeded_once_and_quotes_moscow_and_the_rest_of_russia(
    session: AsyncSession,
) -> None:
    shop = await open_shop(session)

    created, again = await seed_shipping(session), await seed_shipping(session)

    token = (await service.create_cart(session=session, channel=shop.channel)).token
    await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=1)
    quotes = {}
    for address in (MOSCOW, KAZAN):
        await service.update_cart(
            session=session,
            token=token,
            data=CartUpdate.model_validate({"shipping_address": address}),
        )
        options = await service.delivery_options(session=session, token=token)
        quotes[address["city"]] = [(o.method, o.amount) for o in options.shipping]
    await service.add_line(session=session, token=token, variant_id=shop.kettle, quantity=1)
    free = await service.delivery_options(session=session, token=token)

    assert (created, again) == (4, 0)
    assert quotes == {
        "Москва": [("moscow-courier", 39000), ("russian-post", 44000)],
        "Казань": [("russian-post", 44000)],
    }
    assert [(o.method, o.amount) for o in free.shipping] == [("russian-post", 0)]  # 5 000 ₽
