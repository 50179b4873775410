"""The programme's settings (environment ``OMNISHOP_LOYALTY_*``): its currency, how long
points live, how much of an order points may pay, the rolling window of tiers."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LoyaltySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OMNISHOP_LOYALTY_", env_file=".env", extra="ignore"
    )

    # 1 point is worth one major unit of this currency (1 ₽ by default).
    currency: str = "RUB"
    # Earned points expire this many days after the order was paid (0: never).
    points_lifetime_days: int = Field(default=365, ge=0)
    # Points may pay at most this share of an order, so a payment always remains.
    max_share: Decimal = Field(default=Decimal("0.5"), gt=0, lt=1)
    # Tiers count the spend of this many days.
    rolling_days: int = Field(default=365, gt=0)
    # "Expiring soon" on the balance looks this far ahead.
    expiring_soon_days: int = Field(default=30, gt=0)


@lru_cache
def get() -> LoyaltySettings:
    return LoyaltySettings()
