"""Every table, gathered for Alembic and for test schemas."""

from __future__ import annotations

from omnishop.channels import models as channels  # noqa: F401
from omnishop.customers import models as customers  # noqa: F401
from omnishop.kernel import idempotency, outbox  # noqa: F401
from omnishop.kernel.db import Base

metadata = Base.metadata
