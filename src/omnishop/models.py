"""Every table, gathered for Alembic and for test schemas."""

from __future__ import annotations

from omnishop.catalog import models as catalog  # noqa: F401
from omnishop.channels import models as channels  # noqa: F401
from omnishop.checkout import models as checkout  # noqa: F401
from omnishop.content import models as content  # noqa: F401
from omnishop.conversations import models as conversations  # noqa: F401
from omnishop.conversations import note_models as conversation_notes  # noqa: F401
from omnishop.customers import (  # noqa: F401
    account_models,
    identity_models,
    push_models,
    token_models,
    visit_models,
)
from omnishop.customers import models as customers  # noqa: F401
from omnishop.inventory import models as inventory  # noqa: F401
from omnishop.kernel import idempotency, outbox  # noqa: F401
from omnishop.kernel.db import Base
from omnishop.loyalty import models as loyalty  # noqa: F401
from omnishop.orders import models as orders  # noqa: F401
from omnishop.orders import pickup_models  # noqa: F401
from omnishop.orders import returns_models as order_returns  # noqa: F401
from omnishop.payments import models as payments  # noqa: F401
from omnishop.pricing import models as pricing  # noqa: F401
from omnishop.pricing import (
    promotion_models,  # noqa: F401
    tax_models,  # noqa: F401
)
from omnishop.reviews import models as reviews  # noqa: F401
from omnishop.search import models as search  # noqa: F401
from omnishop.webhooks import models as webhooks  # noqa: F401

metadata = Base.metadata
