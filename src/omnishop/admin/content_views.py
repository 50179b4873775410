"""Back-office editing of content blocks (home hero and promo banners, text blocks)."""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.requests import Request
from wtforms import SelectField  # type: ignore[import-untyped]

from omnishop.admin.base import ShopView, choices
from omnishop.content import rules
from omnishop.content.models import BlockKind, ContentBlock, Placement

CONTENT = "Content"


class ContentBlockAdmin(ShopView, model=ContentBlock):
    category = CONTENT
    icon = "fa-solid fa-panorama"
    column_list: ClassVar[list[Any]] = [
        ContentBlock.placement,
        ContentBlock.position,
        ContentBlock.kind,
        ContentBlock.title,
        ContentBlock.channel_codes,
        ContentBlock.starts_at,
        ContentBlock.ends_at,
        ContentBlock.active,
    ]
    column_searchable_list: ClassVar[list[Any]] = [ContentBlock.key, ContentBlock.placement]
    column_sortable_list: ClassVar[list[Any]] = [
        ContentBlock.placement,
        ContentBlock.position,
        ContentBlock.starts_at,
    ]
    column_default_sort: ClassVar[list[Any]] = [(ContentBlock.placement, False)]
    form_columns: ClassVar[list[Any]] = [
        ContentBlock.key,
        ContentBlock.placement,
        ContentBlock.kind,
        ContentBlock.title,
        ContentBlock.body,
        ContentBlock.cta_label,
        ContentBlock.link_url,
        ContentBlock.image_url,
        ContentBlock.image_width,
        ContentBlock.image_height,
        ContentBlock.channel_codes,
        ContentBlock.starts_at,
        ContentBlock.ends_at,
        ContentBlock.position,
        ContentBlock.active,
    ]
    form_overrides: ClassVar[dict[str, Any]] = {"placement": SelectField, "kind": SelectField}
    form_args: ClassVar[dict[str, dict[str, Any]]] = {
        "placement": {"choices": choices(Placement)},
        "kind": {"choices": choices(BlockKind)},
    }
    column_labels: ClassVar[dict[Any, str]] = {
        ContentBlock.title: 'Title by locale ({"ru": …, "en": …, "ka": …})',
        ContentBlock.body: "Text by locale",
        ContentBlock.cta_label: "Button label by locale",
        ContentBlock.channel_codes: 'Channel codes (["web"]; [] = every channel)',
        ContentBlock.link_url: "Link (/c/… or https://…)",
    }

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        """Refuse a malformed block before it is saved (SQLAdmin shows the message)."""
        fields: dict[str, Any] = {
            name: data.get(name, getattr(model, name, None))
            for name in rules.BlockData.__dataclass_fields__
        }
        for name in ("title", "body", "cta_label"):
            fields[name] = fields[name] or {}
        fields["channel_codes"] = fields["channel_codes"] or []
        fields["position"] = fields["position"] or 0
        fields["active"] = bool(fields["active"])
        rules.check(rules.BlockData(**fields))


CONTENT_VIEWS: list[type[ShopView]] = [ContentBlockAdmin]
