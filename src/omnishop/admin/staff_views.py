"""Back-office views of staff accounts and API keys: secrets never leave their hashes.

Passwords are set through ``customers.staff`` (argon2) and never shown, not even hashed. An API
key's secret is shown once, in a modal, right after it is created; lists show only its prefix.
Keys can also be issued with ``omnishop apikey create``.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqladmin import ModelView, action
from sqladmin.secret import Secret
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import (  # type: ignore[import-untyped]
    BooleanField,
    EmailField,
    Form,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms import SelectField as WTSelectField  # type: ignore[import-untyped]
from wtforms.validators import (  # type: ignore[import-untyped]
    InputRequired,
    Length,
    Optional,
)

from omnishop.admin.base import ShopView
from omnishop.customers import apikeys, staff
from omnishop.customers.models import ApiKey, StaffRole, StaffUser
from omnishop.kernel.db import unit_of_work
from omnishop.kernel.errors import DomainError

ACCESS = "Access"
_ROLES = [(role.value, role.value.capitalize()) for role in StaffRole]


class StaffCreateForm(Form):  # type: ignore[misc]
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    role = WTSelectField("Role", choices=_ROLES)
    password = PasswordField(
        "Password", validators=[InputRequired(), Length(min=staff.MIN_PASSWORD_LENGTH)]
    )


class StaffEditForm(Form):  # type: ignore[misc]
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    role = WTSelectField("Role", choices=_ROLES)
    active = BooleanField("Active")
    password = PasswordField(
        "New password (leave empty to keep the current one)",
        validators=[Optional(), Length(min=staff.MIN_PASSWORD_LENGTH)],
    )


class StaffUserAdmin(ShopView, model=StaffUser):
    category = ACCESS
    icon = "fa-solid fa-user-shield"
    name = "Staff user"
    # Accounts are deactivated, not deleted: API keys and history point at them.
    can_delete = False
    column_list: ClassVar[list[Any]] = [
        StaffUser.email,
        StaffUser.name,
        StaffUser.role,
        StaffUser.active,
        StaffUser.last_login_at,
    ]
    column_details_list: ClassVar[list[Any]] = [*column_list, StaffUser.created_at]
    column_export_list: ClassVar[list[Any]] = list(column_list)
    column_searchable_list: ClassVar[list[Any]] = [StaffUser.email, StaffUser.name]
    column_sortable_list: ClassVar[list[Any]] = [
        StaffUser.email,
        StaffUser.role,
        StaffUser.last_login_at,
    ]
    # Only these are read back into the edit form: the hash never reaches a template.
    form_columns: ClassVar[list[Any]] = [StaffUser.name, StaffUser.role, StaffUser.active]
    form_create_rules: ClassVar[list[str]] = ["email", "name", "role", "password"]
    form_edit_rules: ClassVar[list[str]] = ["name", "role", "active", "password"]

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        return StaffCreateForm if rules and "email" in rules else StaffEditForm

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
            return await staff.create_staff(
                session=session,
                email=data["email"],
                name=data["name"],
                role=data["role"],
                password=data["password"],
            )

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
            return await staff.update_staff(
                session=session,
                staff_id=uuid.UUID(pk),
                name=data["name"],
                role=data["role"],
                active=bool(data.get("active")),
                password=data.get("password") or None,
            )


class ApiKeyCreateForm(Form):  # type: ignore[misc]
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    scopes = SelectMultipleField(
        "Scopes", choices=[(s, s) for s in apikeys.SCOPES], validators=[InputRequired()]
    )


class ApiKeyAdmin(ShopView, model=ApiKey):
    category = ACCESS
    icon = "fa-solid fa-key"
    name = "API key"
    # A key is revoked, never edited or deleted, so its history stays readable.
    can_edit = False
    can_delete = False
    column_list: ClassVar[list[Any]] = [
        ApiKey.name,
        ApiKey.prefix,
        ApiKey.scopes,
        ApiKey.created_at,
        ApiKey.last_used_at,
        ApiKey.revoked_at,
    ]
    column_details_list: ClassVar[list[Any]] = [*column_list, ApiKey.created_by_id]
    column_export_list: ClassVar[list[Any]] = list(column_list)
    column_searchable_list: ClassVar[list[Any]] = [ApiKey.name, ApiKey.prefix]
    column_sortable_list: ClassVar[list[Any]] = [ApiKey.name, ApiKey.created_at]
    column_default_sort: ClassVar[list[Any]] = [(ApiKey.created_at, True)]
    column_labels: ClassVar[dict[Any, str]] = {ApiKey.prefix: "Key starts with"}
    form_columns: ClassVar[list[Any]] = [ApiKey.name, ApiKey.scopes]

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        return ApiKeyCreateForm

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        staff_id = request.session.get("staff_id")
        async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
            issued = await apikeys.create(
                session=session,
                name=data["name"],
                scopes=list(data["scopes"]),
                created_by_id=uuid.UUID(staff_id) if staff_id else None,
            )
            key = await session.get(ApiKey, issued.id)
        Secret.reveal_once(
            request,
            issued.secret,
            title="API key created",
            label="Copy this key now: it is stored only hashed and will not be shown again.",
        )
        return key

    @action(
        name="revoke",
        label="Revoke",
        confirmation_message="Revoke the selected keys? Clients using them stop working at once.",
    )
    async def revoke(self, request: Request) -> Response:
        pks = [pk for pk in request.query_params.get("pks", "").split(",") if pk]
        try:
            async with unit_of_work(self.session_maker) as session:  # type: ignore[arg-type]
                for pk in pks:
                    await apikeys.revoke(session=session, key_id=uuid.UUID(pk))
        except (ValueError, DomainError):
            return RedirectResponse(
                request.url_for("admin:list", identity=self.identity).include_query_params(
                    error="no such API key"
                ),
                status_code=302,
            )
        return RedirectResponse(
            request.url_for("admin:list", identity=self.identity), status_code=302
        )


ACCESS_VIEWS: tuple[type[ModelView], ...] = (StaffUserAdmin, ApiKeyAdmin)
