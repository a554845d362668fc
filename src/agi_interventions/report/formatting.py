"""Number formatting for the report: significant digits, scientific notation when needed."""

from __future__ import annotations

import math
from typing import Any

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

#: Magnitudes in ``[PLAIN_LOW, PLAIN_HIGH)`` are written in plain decimal notation.
PLAIN_LOW = 1e-3
PLAIN_HIGH = 1e5


def _as_float(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def fmt_num(x: Any, sig: int = 3) -> str:
    """Format a number with ``sig`` significant digits.

    Parameters
    ----------
    x
        Number (anything ``float()`` accepts); other values are returned as text.
    sig
        Significant digits.

    Returns
    -------
    str
        Plain decimals for magnitudes in ``[1e-3, 1e5)`` (``0.00123``, ``12,300``), otherwise
        scientific notation with a unicode exponent (``1.23×10⁻⁵``); ``n/a`` for NaN.

    """
    value = _as_float(x)
    if value is None:
        return "n/a" if x is None else str(x)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    rounded = float(f"{value:.{sig}g}")
    if PLAIN_LOW <= abs(rounded) < PLAIN_HIGH:
        decimals = max(0, sig - 1 - math.floor(math.log10(abs(rounded))))
        return f"{rounded:,.{decimals}f}"
    mantissa, exponent = f"{value:.{sig - 1}e}".split("e")
    return f"{mantissa}×10{superscript(exponent)}"


def superscript(n: int) -> str:
    """Return an integer in unicode superscript digits (``-4`` as ``⁻⁴``)."""
    return str(int(n)).translate(_SUPERSCRIPT)


def fmt_pct(p: Any, sig: int = 3) -> str:
    """Format a probability or share as a percentage, e.g. ``0.6234 -> 62.3%``.

    Parameters
    ----------
    p
        Proportion in [0, 1].
    sig
        Significant digits of the percentage.

    Returns
    -------
    str
        The percentage, ``n/a`` for NaN or non-numbers.

    """
    value = _as_float(p)
    if value is None or math.isnan(value):
        return "n/a"
    return f"{fmt_num(100.0 * value, sig)}%"


def fmt_interval(low: Any, high: Any, *, percent: bool = False) -> str:
    """Format an interval as ``[low, high]``.

    Parameters
    ----------
    low, high
        Bounds.
    percent
        Format the bounds as percentages.

    Returns
    -------
    str
        The bracketed interval.

    """
    fmt = fmt_pct if percent else fmt_num
    return f"[{fmt(low)}, {fmt(high)}]"


def fmt_count(n: Any) -> str:
    """Format a count with thousands separators (``1234 -> 1,234``)."""
    value = _as_float(n)
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{round(value):,}"
