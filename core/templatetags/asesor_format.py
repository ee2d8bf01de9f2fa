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
    text = f"{float(value) * 100:.{int(decimals)}f}"
    # a tiny negative rounds to "-0.0": nothing fell, so no sign
    return f"{text.lstrip('-') if float(text) == 0 else text} %"


@register.filter
def month(value) -> str:
    """A period (first day of a month) as ``mm/yyyy``."""
    if not value:
        return "—"
    return date_format(value, "m/Y")


@register.filter
def signed_percent(value, decimals: int = 1) -> str:
    """A change: ``-0.153`` → ``−15.3 %``, ``0.08`` → ``+8.0 %`` (a real minus sign)."""
    if value is None or value == "":
        return "—"
    shown = round(float(value) * 100, int(decimals))  # the sign of what is shown, not of -0.01
    sign = "+" if shown > 0 else "−" if shown < 0 else ""
    return f"{sign}{abs(shown):.{int(decimals)}f} %"


@register.filter
def trend(value, threshold: float = 0.0) -> str:
    """A CSS class for a change: ``up``, ``down`` or ``flat`` (within ``threshold``)."""
    if value is None or value == "":
        return "flat"
    value = float(value)
    if value > float(threshold):
        return "up"
    if value < -float(threshold):
        return "down"
    return "flat"
