"""Money amounts are Decimals in a currency's minor-unit precision; never floats."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

# Won has no minor unit; euro and dollar have cents.
CURRENCY_EXPONENTS = {"KRW": 0, "JPY": 0, "USD": 2, "EUR": 2, "GBP": 2}


class Currency(models.TextChoices):
    KRW = "KRW", "KRW (₩)"
    USD = "USD", "USD ($)"
    EUR = "EUR", "EUR (€)"
    GBP = "GBP", "GBP (£)"
    JPY = "JPY", "JPY (¥)"


SYMBOLS = {"KRW": "₩", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money_round(amount: Decimal, currency: str) -> Decimal:
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def money_format(amount: Decimal, currency: str) -> str:
    rounded = money_round(amount, currency)
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    return f"{SYMBOLS.get(currency, currency + ' ')}{rounded:,.{exponent}f}"


def MoneyField(**kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    """Amounts up to 10^12 with two decimals cover every currency we bill in."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(**kwargs)
