"""Formatting for es-PE pages: money in soles, percentages, months."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def soles(value, decimals: int = 2) -> str:
    """``12345.678`` → ``S/ 12,345.68``; empty for a missing amount."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}S/ {abs(amount):,.{int(decimals)}f}"


@register.filter
def percent(value, decimals: int = 1) -> str:
    """``0.1234`` → ``12.3 %``."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(decimals)}f} %"


@register.filter
def month(value) -> str:
    """A period (first day of a month) as ``mm/yyyy``."""
    if not value:
        return "—"
    return date_format(value, "m/Y")
