"""The base of every back-office model view: phone-friendly pages, readable labels, events.

The back-office is the accepted exception to "a domain's tables are its own": SQLAdmin edits
rows directly. So that the rest of the shop still hears about those edits (search re-indexing,
channel syncs), a view that changes something shoppers see emits the domain's own event after
SQLAdmin commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any, ClassVar

from sqladmin import ModelView
from sqlalchemy import Select, func, select
from starlette.requests import Request

from omnishop.kernel import outbox
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.events import Event


def choices(values: Any) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in values]


def parse_ids(raw: str, *, limit: int = 100) -> list[uuid.UUID]:
    """The row ids of an action (``pks=a,b,c``); junk parts are skipped."""
    found = []
    for part in raw.split(","):
        try:
            found.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return found[:limit]


class StatusFiltered:
    """A list filtered by ``?status=``: ``status_default`` without it, any of
    ``status_values``, or every row for anything else ("all"). Put before ShopView."""

    STATUS_PARAM: ClassVar[str] = "status"
    model: ClassVar[Any]
    # The column's name: a mapped attribute on the view class would act as a descriptor.
    status_column: ClassVar[str] = "status"
    status_default: ClassVar[str]
    status_values: ClassVar[Collection[str]]

    def status_of(self, request: Request) -> str | None:
        asked = request.query_params.get(self.STATUS_PARAM, self.status_default)
        return asked if asked in self.status_values else None

    def list_query(self, request: Request) -> Select[Any]:
        return self._filtered(request, select(self.model))

    def count_query(self, request: Request) -> Select[Any]:
        return self._filtered(request, select(func.count()).select_from(self.model))

    def _filtered(self, request: Request, query: Select[Any]) -> Select[Any]:
        status = self.status_of(request)
        return query.where(getattr(self.model, self.status_column) == status) if status else query


class ShopView(ModelView):
    """Defaults shared by every back-office view: page sizes, readable labels, change events."""

    page_size = 25
    page_size_options: ClassVar[list[int]] = [25, 50, 100]
    # Foreign keys have no ORM relationships here, so their id columns are edited as text.
    form_include_pk = True

    def __init__(self) -> None:
        super().__init__()
        # Headings read "Default locale", not "default_locale", unless a view names them.
        for name in self._prop_names:
            self._column_labels.setdefault(name, name.replace("_", " ").capitalize())
        self._column_labels_value_by_key = {v: k for k, v in self._column_labels.items()}

    async def after_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        await self._announce(model)

    async def after_model_delete(self, model: Any, request: Request) -> None:
        await self._announce(model)

    def change_events(self, model: Any) -> list[Event]:
        """The domain events that announce a change to ``model``; none unless a view says."""
        return []

    async def _announce(self, model: Any) -> None:
        events = self.change_events(model) if model is not None else []
        if not events:
            return
        # SQLAdmin has committed the row already; the event follows in its own transaction.
        async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
            for event in events:
                await outbox.emit(session, event)
