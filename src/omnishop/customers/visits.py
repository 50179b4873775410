"""Recording visits that carry UTM parameters (a QR code scanned, a campaign link opened)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.visit_models import Visit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def utm_of(params: Mapping[str, str]) -> dict[str, str]:
    """The UTM parameters among ``params``, trimmed to what the table keeps (pure)."""
    return {k: params[k].strip()[:100] for k in UTM_KEYS if params.get(k, "").strip()}


async def record(
    *,
    session: AsyncSession,
    path: str,
    utm: Mapping[str, str],
    channel_code: str | None = None,
    referrer_host: str | None = None,
    customer_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """One visit row, if the visit carries any UTM parameter (else nothing is written)."""
    utm = utm_of(utm)
    if not utm:
        return None
    visit = Visit(
        path=path[:300],
        channel_code=(channel_code or None) and channel_code[:40],
        referrer_host=(referrer_host or None) and referrer_host[:200],
        customer_id=customer_id,
        **utm,
    )
    session.add(visit)
    await session.flush()
    return visit.id


async def counts_by_source(
    *, session: AsyncSession, since: datetime, medium: str | None = None
) -> dict[str, int]:
    """Visits per ``utm_source`` since a time (e.g. per QR placement with medium ``qr``)."""
    query = (
        select(Visit.utm_source, func.count())
        .where(Visit.created_at >= since, Visit.utm_source.is_not(None))
        .group_by(Visit.utm_source)
    )
    if medium:
        query = query.where(Visit.utm_medium == medium)
    return {str(source): int(n) for source, n in (await session.execute(query)).all()}
