"""The back-office list of Telegram payments to refund: a manager sees what waits (charge ids,
chat, why), records one refunded at the provider through a CSRF-checked note form, and it
leaves the queue; an analyst only looks."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from omnishop.payments.models import Payment, TelegramRefund
from tests.e2e.test_admin import MakeStaff, make_staff, sign_in
from tests.integration.test_telegram_refunds import unplaced

__all__ = ["make_staff"]
LIST = "/admin/telegram-refund/list"


async def _note_form(client: httpx.AsyncClient, payment_id: uuid.UUID) -> tuple[int, str]:
    form = await client.get(f"/admin/telegram-refund/action/refunded?pks={payment_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    return form.status_code, token.group(1) if token else ""


async def test_a_manager_records_a_telegram_payment_refunded_at_the_provider(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    payment_id = await unplaced(sessions, "tga-1", "charge-adm-1")
    await sign_in(client, await make_staff("manager"))

    queue = await client.get(LIST)
    status, token = await _note_form(client, payment_id)
    forged = await client.post(
        "/admin/telegram-refund/refunded",
        data={"pks": str(payment_id), "note": "r-1", "csrf_token": "nope"},
    )
    blank = await client.post(
        "/admin/telegram-refund/refunded",
        data={"pks": str(payment_id), "note": " ", "csrf_token": token},
    )
    after_blank = await client.get(LIST)
    done = await client.post(
        "/admin/telegram-refund/refunded",
        data={"pks": str(payment_id), "note": "YooKassa refund 77", "csrf_token": token},
    )
    queue_after = await client.get(LIST)
    refunded = await client.get(f"{LIST}?status=refunded")

    assert queue.status_code == 200
    for shown in ("charge-adm-1", "psp-charge-adm-1", "already", "/admin/inbox/c/"):
        assert shown in queue.text
    assert status == 200 and token
    assert forged.status_code == 403
    assert blank.status_code == 302 and "charge-adm-1" in after_blank.text
    assert done.status_code == 302
    assert "charge-adm-1" not in queue_after.text
    assert "charge-adm-1" in refunded.text
    async with sessions() as session:
        row = await session.get(TelegramRefund, payment_id)
        payment = await session.get(Payment, payment_id)
        assert row is not None and payment is not None
        assert (row.status, row.note) == ("refunded", "YooKassa refund 77")
        assert row.refunded_by is not None and row.refunded_by.startswith("staff:")
        assert row.refunded_at is not None
        assert payment.failure_code == "refunded_at_provider"


async def test_an_analyst_sees_the_list_but_cannot_record_a_refund(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], make_staff: MakeStaff
) -> None:
    payment_id = await unplaced(sessions, "tga-2", "charge-adm-2")
    await sign_in(client, await make_staff("analyst"))

    seen = await client.get(LIST)
    form_status, _ = await _note_form(client, payment_id)
    # A token from a page the analyst may open: the role, not the token, refuses.
    token = re.search(r'name="csrf_token" value="([^"]+)"', seen.text)
    posted = await client.post(
        "/admin/telegram-refund/refunded",
        data={
            "pks": str(payment_id),
            "note": "x",
            "csrf_token": token.group(1) if token else "",
        },
    )

    assert seen.status_code == 200 and "charge-adm-2" in seen.text
    assert form_status == 403
    assert posted.status_code == 403
    async with sessions() as session:
        row = await session.get(TelegramRefund, payment_id)
        assert row is not None and row.status == "refund_required"
