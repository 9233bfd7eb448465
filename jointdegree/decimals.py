"""Writing exact decimals the way people read them (pure; shared by the conversion modules)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal


def plain(value: Decimal) -> str:
    """Plain notation without trailing zeros: 4.0 → "4", 1E+2 → "100", 0.250 → "0.25"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def shortened(value: Decimal, places: int) -> str:
    """At most ``places`` decimals, then "…" when digits were cut: 5.454545 → "5.4545…"."""
    shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return plain(value) if shown == value else f"{plain(shown)}…"
