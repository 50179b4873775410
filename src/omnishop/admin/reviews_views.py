"""Back-office moderation of reviews: the queue (pending first), approve in one click, reject
with a reason or reply publicly through a small form, and the abuse reports.

Reviews change status only through ``reviews.moderation`` (the rating summary and the
``review.approved`` event move with them), so the views are read-only and the actions call it.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from markupsafe import Markup
from sqladmin import action, expose
from sqladmin.authorization import custom_action
from sqladmin.flash import flash
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from omnishop.admin.auth import CSRF_FIELD, csrf_valid
from omnishop.admin.base import ShopView, StatusFiltered, parse_ids
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError
from omnishop.reviews import moderation, photos
from omnishop.reviews.models import Review, ReviewReport
from omnishop.reviews.rules import ReviewStatus

REVIEWS = "Reviews"


def _flash(request: Request, message: str, category: str) -> None:
    flash(request, message, category=category)


class ReviewAdmin(StatusFiltered, ShopView, model=Review):
    category = REVIEWS
    status_default = ReviewStatus.PENDING.value
    status_values = frozenset(ReviewStatus)
    icon = "fa-solid fa-star-half-stroke"
    name = "Review"
    name_plural = "Reviews (queue)"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list: ClassVar[list[Any]] = [
        Review.created_at,
        Review.status,
        Review.rating,
        Review.title,
        Review.text,
        Review.flags,
        Review.report_count,
        Review.verified_purchase,
        Review.photo_rights_consent,
        Review.product_id,
    ]
    column_searchable_list: ClassVar[list[Any]] = [Review.title, Review.text]
    column_sortable_list: ClassVar[list[Any]] = [Review.created_at, Review.rating]
    column_default_sort: ClassVar[list[Any]] = [(Review.created_at, False)]
    column_formatters: ClassVar[dict[Any, Any]] = {
        Review.text: lambda m, a: (m.text[:120] + "…") if len(m.text) > 120 else m.text,
    }
    # The moderator sees the photos themselves, not their file records.
    column_formatters_detail: ClassVar[dict[Any, Any]] = {
        Review.photos: lambda m, a: _thumbnails(m.photos),
    }

    @action(name="approve", label="Approve", add_in_list=True, add_in_detail=True)
    async def approve(self, request: Request) -> Response:
        done, failed = 0, []
        for review_id in _pks(request):
            try:
                async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
                    await moderation.approve(
                        session=session, review_id=review_id, actor=_actor(request)
                    )
                done += 1
            except DomainError as exc:
                failed.append(exc.detail)
        if done:
            _flash(request, f"Approved {done} review(s).", "success")
        if failed:
            _flash(request, "; ".join(sorted(set(failed))), "warning")
        return RedirectResponse(_back(request), status_code=302)

    @action(name="reject", label="Reject…", add_in_list=True, add_in_detail=True)
    async def reject(self, request: Request) -> Response:
        return await self._form(request, "reject")

    @action(name="reply", label="Reply…", add_in_list=False, add_in_detail=True)
    async def reply(self, request: Request) -> Response:
        return await self._form(request, "reply")

    async def _form(self, request: Request, decision: str) -> Response:
        ids = _pks(request)
        if not ids:
            return RedirectResponse(_back(request), status_code=302)
        return await self.templates.TemplateResponse(
            request,
            "review_decide.html",
            {
                "decision": decision,
                "pks": ",".join(str(i) for i in ids),
                "back": _back(request),
                "title": "Reject reviews" if decision == "reject" else "Reply publicly",
            },
        )

    @expose("/decide", methods=["POST"])
    async def decide(self, request: Request) -> Response:
        """The reject / reply form's POST: CSRF-checked, role-checked like the actions."""
        form = await request.form()
        decision = str(form.get("decision", ""))
        if (
            decision not in ("reject", "reply")
            or not csrf_valid(request, form.get(CSRF_FIELD))
            or not self.has_permission(request, custom_action(decision))
        ):
            return Response("not allowed", status_code=403)
        text = str(form.get("text", ""))
        done, failed = 0, []
        for review_id in parse_ids(str(form.get("pks", ""))):
            try:
                async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
                    if decision == "reject":
                        await moderation.reject(
                            session=session, review_id=review_id, reason=text, actor=_actor(request)
                        )
                    else:
                        await moderation.reply(
                            session=session, review_id=review_id, text=text, actor=_actor(request)
                        )
                done += 1
            except DomainError as exc:
                failed.append(exc.detail)
        if done:
            verb = "Rejected" if decision == "reject" else "Replied to"
            _flash(request, f"{verb} {done} review(s).", "success")
        if failed:
            _flash(request, "; ".join(sorted(set(failed))), "warning")
        back = str(form.get("back", ""))
        return RedirectResponse(back if back.startswith("/admin/") else "/admin/", status_code=302)


class ReviewReportAdmin(ShopView, model=ReviewReport):
    category = REVIEWS
    icon = "fa-solid fa-flag"
    name = "Abuse report"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list: ClassVar[list[Any]] = [
        ReviewReport.created_at,
        ReviewReport.review_id,
        ReviewReport.reason,
        ReviewReport.note,
    ]
    column_default_sort: ClassVar[list[Any]] = [(ReviewReport.created_at, True)]


def _thumbnails(records: list[Any]) -> Markup:
    links = [
        Markup(
            '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="" width="120"></a>'
        ).format(photos.url(record))
        for record in records
    ]
    return Markup(" ").join(links)


def _pks(request: Request) -> list[uuid.UUID]:
    return parse_ids(request.query_params.get("pks", ""))


def _actor(request: Request) -> str:
    return f"staff:{request.session.get('staff_id', 'unknown')}"


def _back(request: Request) -> str:
    referer = request.headers.get("referer", "")
    path = "/" + referer.split("://", 1)[-1].split("/", 1)[-1] if "://" in referer else ""
    if path.startswith("/admin/") and "/action/" not in path:
        return path
    return str(request.url_for("admin:list", identity="review"))


REVIEW_VIEWS: list[type[ShopView]] = [ReviewAdmin, ReviewReportAdmin]
