"""Formatting for es-PE pages: money in soles, percentages, months, durations."""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import date_format
from django.utils.timesince import timesince

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


@register.filter
def signed_percent(value, decimals: int = 1) -> str:
    """A change: ``-0.153`` → ``−15.3 %``, ``0.08`` → ``+8.0 %`` (a real minus sign)."""
    if value is None or value == "":
        return "—"
    number = float(value) * 100
    sign = "+" if number > 0 else "−" if number < 0 else ""
    return f"{sign}{abs(number):.{int(decimals)}f} %"


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


@register.filter
def duration(value: timedelta | None) -> str:
    """``timedelta(minutes=90)`` → ``1 hora, 30 minutos`` in the active language."""
    if not value:
        return ""
    start = datetime(2000, 1, 1)
    return timesince(start, start + value)
