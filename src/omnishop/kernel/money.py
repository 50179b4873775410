"""Money as integer minor units plus an ISO 4217 code; arithmetic in Decimal, never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

from omnishop.kernel.errors import ValidationFailed


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """Number of minor-unit digits of a currency (RUB 2, JPY 0, KWD 3), per CLDR."""
    return int(get_currency_precision(currency))


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_currency(code: str, *, field: str = "currency") -> str:
    """Return an upper-case ISO 4217 code or raise a field-named validation error."""
    upper = code.upper()
    if len(upper) != 3 or upper not in _known_currencies():
        raise ValidationFailed(f"unknown currency {code!r}", field=field)
    return upper


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    @classmethod
    def from_decimal(
        cls, value: Decimal | str | int, currency: str, rounding: str = ROUND_HALF_UP
    ) -> Money:
        """Quantize a major-unit value to the currency's minor unit."""
        exp = exponent(currency)
        minor = (Decimal(value) * (Decimal(10) ** exp)).quantize(Decimal(1), rounding=rounding)
        return cls(int(minor), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def multiply(self, factor: int | Decimal, rounding: str = ROUND_HALF_UP) -> Money:
        value = (Decimal(self.amount) * Decimal(factor)).quantize(Decimal(1), rounding=rounding)
        return Money(int(value), self.currency)

    def format(self, locale: str) -> str:
        """Display through Babel, e.g. ``1 299,00 ₽`` in ru or ``€12.99`` in en."""
        return _format(self.amount, self.currency, locale)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")


@lru_cache(maxsize=65536)
def _format(amount: int, currency: str, locale: str) -> str:
    # Babel re-reads the locale's pattern on every call; listings format the same prices
    # over and over, so the finished strings are kept.
    value = Decimal(amount).scaleb(-exponent(currency))
    return str(format_currency(value, currency, locale=locale))


def zero(currency: str) -> Money:
    return Money(0, currency)
