"""Numbers as people write them: 3,913,000 and 40, never 3.913E+6 or 4E+1."""

from decimal import Decimal, InvalidOperation


def amount(value, places: int | None = None) -> str:
    """A quantity with thousands separators and no needless trailing zeros.

    ``places`` fixes the decimals (money: 2); by default at most two are shown
    and only when the value has them.
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return ""
    if places is None:
        number = number.quantize(Decimal("0.01"))
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{number:,.{places}f}"
    return "0" if text in ("-0", "") else text
