"""Event handlers of the customers domain: deliver sign-in codes.

The demo has no mail or SMS gateway: a code is written to the outbound messages table (shown
in the back-office) and to the server log. Idempotent: one message per code event.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omnishop.customers.account_models import OutboundMessage
from omnishop.customers.events import SignInCodeRequested
from omnishop.kernel import i18n
from omnishop.kernel.events import handles
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)


def _(message: str) -> str:  # marks a string for extraction; translated per buyer below
    return message


CODE_TEXT = _("Your omnishop sign-in code: %(code)s. It works for 10 minutes.")


@handles(SignInCodeRequested)
async def deliver_sign_in_code(session: AsyncSession, event: SignInCodeRequested) -> None:
    """Send the code (here: store and log it)."""
    source = f"sign-in:{event.code_id}"
    if await session.scalar(select(OutboundMessage.id).where(OutboundMessage.source_id == source)):
        return
    body = i18n.gettext(CODE_TEXT, event.locale) % {"code": event.code}
    session.add(
        OutboundMessage(source_id=source, kind=event.kind, destination=event.destination, body=body)
    )
    log.info("sign-in code sent (demo outbox)", to=event.destination, body=body)
