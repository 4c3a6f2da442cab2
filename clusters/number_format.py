"""Numbers as the dashboard, the charts and the report pages show them: thousands
separators, budgets in euro ("€4.30 M" as programmes publish them), compact axis labels."""

from __future__ import annotations

from decimal import Decimal

Number = int | float | Decimal
MISSING = "\u2013"  # an en dash where there is no value


def format_number(value: Number | None) -> str:
    """1234567 -> "1,234,567"; a fraction keeps two decimals ("2.50")."""
    if value is None:
        return MISSING
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return MISSING
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def format_compact(value: Number) -> str:
    """Axis labels: 2500 -> "2.5k", 4300000 -> "4.3M", 0.5 -> "0.5"."""
    number = float(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            return f"{number / size:.2f}".rstrip("0").rstrip(".") + suffix
    if number == int(number):
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


def format_euro(value: Number | None) -> str:
    """Budgets: "€4,300,000"."""
    return MISSING if value is None else f"€{format_number(round(Decimal(str(value))))}"


def format_euro_short(value: Number | None) -> str:
    """Big budgets as programmes publish them: "€4.30 M"; smaller ones in full."""
    if value is not None and abs(Decimal(str(value))) >= 1_000_000:
        return f"€{Decimal(str(value)) / 1_000_000:,.2f} M"
    return format_euro(value)
