"""QR codes for print and screens (staff): a product, a category, a cart preset or a campaign
landing, each URL carrying ``utm_medium=qr``, ``utm_source=<placement>`` and ``utm_content``
so the storefront can count scans per placement. Rendered by segno as SVG or PNG."""

from __future__ import annotations

import io
import re
from typing import Annotated, Literal
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from omnishop.api.auth import require_scope
from omnishop.api.deps import SessionDep
from omnishop.catalog import service as catalog
from omnishop.kernel.errors import NotFound, ValidationFailed
from omnishop.kernel.settings import Settings

router = APIRouter(tags=["marketing"])
SLUG = r"^[a-z0-9][a-z0-9-]{0,199}$"
PRESET_ITEM = re.compile(r"^[A-Za-z0-9._/-]{1,64}(:[1-9][0-9]{0,2})?$")


class QrRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Literal["product", "category", "cart_preset", "campaign"]
    ref: str = Field(
        min_length=1,
        max_length=300,
        description="product slug or GTIN; category slug; cart preset `SKU[:qty],…`; "
        "campaign landing path such as `/c/summer`.",
    )
    placement: str = Field(
        min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$", description="utm_source"
    )
    content: str | None = Field(default=None, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    campaign: str | None = Field(default=None, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    format: Literal["svg", "png"] = "svg"
    scale: int = Field(default=8, ge=1, le=40, description="pixels per module")


async def _path(session: SessionDep, data: QrRequest) -> tuple[str, dict[str, str]]:
    """The storefront path (and its own query) the code opens; refuses unknown targets."""
    ref = data.ref.strip()
    if data.target == "product":
        if ref.isdigit() and len(ref) in (8, 12, 13, 14):
            return f"/01/{ref.zfill(14)}", {}  # GS1 Digital Link: resolves to the product
        bundle = await catalog.get_bundle(session=session, id_or_slug=ref)
        return f"/p/{bundle.slug}", {}
    if data.target == "category":
        if not any(c.slug == ref for c in await catalog.list_categories(session=session)):
            raise NotFound(f"category {ref!r} not found", field="ref")
        return f"/c/{ref}", {}
    if data.target == "cart_preset":
        items = [item.strip() for item in ref.split(",") if item.strip()]
        if not items or len(items) > 20 or not all(PRESET_ITEM.match(i) for i in items):
            raise ValidationFailed("cart preset is `SKU[:qty],…` (up to 20 items)", field="ref")
        return "/cart/preset", {"items": ",".join(items)}
    if not ref.startswith("/") or ref.startswith("//") or not re.match(r"^/[\w\-/.%]*$", ref):
        raise ValidationFailed("campaign landing must be a path of this shop", field="ref")
    return ref, {}


@router.post(
    "/qr",
    dependencies=[Depends(require_scope("catalog:read"))],
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
async def make_qr(
    request: Request, session: SessionDep, data: Annotated[QrRequest, Body()]
) -> Response:
    """A QR code image; the encoded URL is in the ``X-QR-URL`` header."""
    settings: Settings = request.app.state.settings
    path, query = await _path(session, data)
    utm = {"utm_medium": "qr", "utm_source": data.placement}
    if data.content:
        utm["utm_content"] = data.content
    if data.campaign:
        utm["utm_campaign"] = data.campaign
    url = f"{settings.base_url.rstrip('/')}{path}?{urlencode({**query, **utm})}"
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    if data.format == "svg":
        code.save(buffer, kind="svg", scale=data.scale, xmldecl=False, title=data.placement)
        media = "image/svg+xml"
    else:
        code.save(buffer, kind="png", scale=data.scale)
        media = "image/png"
    return Response(buffer.getvalue(), media_type=media, headers={"X-QR-URL": url})
