"""Back-office of Telegram payments that need a refund: money Telegram Payments took in a chat
for an order we could not place (the cart changed or was already ordered, a duplicate charge).
Staff give it back in the payment provider's dashboard, then press "Refunded at the provider"
with a note; the record moves only through ``payments.telegram.mark_refunded``.

Owner and manager act; analysts only read (``admin.auth.role_allows``)."""

from __future__ import annotations

from typing import Any, ClassVar

from markupsafe import Markup
from sqladmin import action, expose
from sqladmin.authorization import custom_action
from sqladmin.flash import flash
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from omnishop.admin.auth import CSRF_FIELD, csrf_valid
from omnishop.admin.base import ShopView, StatusFiltered, parse_ids
from omnishop.admin.sales_views import SALES, ReadOnlyView
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.payments import telegram
from omnishop.payments.models import TelegramRefund

ACTION = "refunded"


def _chat_link(model: Any, attribute: Any) -> Markup | str:
    if model.conversation_id is None:
        return ""
    return Markup('<a href="/admin/inbox/c/{0}">{0}</a>').format(model.conversation_id)


class TelegramRefundAdmin(StatusFiltered, ReadOnlyView, model=TelegramRefund):
    """Telegram payments to give back, oldest waiting first."""

    category = SALES
    status_default = telegram.REFUND_REQUIRED
    status_values = (telegram.REFUND_REQUIRED, telegram.REFUNDED)
    name = "Telegram refund"
    name_plural = "Telegram payments to refund"
    icon = "fa-brands fa-telegram"
    column_list: ClassVar[list[Any]] = [
        TelegramRefund.created_at,
        TelegramRefund.status,
        TelegramRefund.amount,
        TelegramRefund.currency,
        TelegramRefund.charge_id,
        TelegramRefund.provider_charge_id,
        TelegramRefund.customer_id,
        TelegramRefund.conversation_id,
        TelegramRefund.reason,
        TelegramRefund.refunded_by,
        TelegramRefund.refunded_at,
    ]
    column_searchable_list: ClassVar[list[Any]] = [
        TelegramRefund.charge_id,
        TelegramRefund.provider_charge_id,
    ]
    column_sortable_list: ClassVar[list[Any]] = [TelegramRefund.created_at]
    column_default_sort: ClassVar[list[Any]] = [(TelegramRefund.created_at, False)]
    column_labels: ClassVar[dict[Any, str]] = {
        TelegramRefund.created_at: "When",
        TelegramRefund.amount: "Amount (minor units)",
        TelegramRefund.charge_id: "telegram_payment_charge_id",
        TelegramRefund.provider_charge_id: "provider_payment_charge_id",
        TelegramRefund.customer_id: "Customer",
        TelegramRefund.conversation_id: "Chat",
        TelegramRefund.reason: "Why",
    }
    column_formatters: ClassVar[dict[Any, Any]] = {TelegramRefund.conversation_id: _chat_link}
    column_formatters_detail: ClassVar[dict[Any, Any]] = {
        TelegramRefund.conversation_id: _chat_link
    }

    @action(name=ACTION, label="Refunded at the provider…", add_in_list=True, add_in_detail=True)
    async def refunded(self, request: Request) -> Response:
        """The note form (the money moves in the provider's dashboard, not here)."""
        ids = parse_ids(request.query_params.get("pks", ""))
        if not ids:
            return RedirectResponse(_list_url(request), status_code=302)
        return await self.templates.TemplateResponse(
            request,
            "telegram_refunded.html",
            {"pks": ",".join(str(i) for i in ids), "back": _list_url(request)},
        )

    @expose("/refunded", methods=["POST"])
    async def record(self, request: Request) -> Response:
        """The form's POST: CSRF-checked and role-checked like the action itself."""
        form = await request.form()
        if not csrf_valid(request, form.get(CSRF_FIELD)) or not self.has_permission(
            request, custom_action(ACTION)
        ):
            return Response("not allowed", status_code=403)
        actor = f"staff:{request.session.get('staff_id', 'unknown')}"
        done, failed = 0, []
        for payment_id in parse_ids(str(form.get("pks", ""))):
            try:
                async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
                    await telegram.mark_refunded(
                        session=session,
                        payment_id=payment_id,
                        actor=actor,
                        note=str(form.get("note", "")),
                    )
                done += 1
            except DomainError as exc:
                failed.append(exc.detail)
        if done:
            flash(request, f"{done} payment(s) recorded as refunded at the provider.", "success")
        if failed:
            flash(request, "; ".join(sorted(set(failed))), "warning")
        return RedirectResponse(_list_url(request), status_code=302)


def _list_url(request: Request) -> str:
    return str(request.url_for("admin:list", identity="telegram-refund"))


PAYMENT_VIEWS: list[type[ShopView]] = [TelegramRefundAdmin]
