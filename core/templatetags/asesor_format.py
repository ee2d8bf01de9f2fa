"""Formatting for es-PE pages: money in soles, percentages, months, durations."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
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


def _rounded(value, decimals: int) -> Decimal:
    """Half away from zero, as people round (62.5 → 63), whatever the float's binary digits:
    a figure shown on the page and in the PDF or an export is rounded the same way."""
    return Decimal(str(float(value))).quantize(Decimal(1).scaleb(-int(decimals)), ROUND_HALF_UP)


@register.filter
def percent(value, decimals: int = 1) -> str:
    """``0.1234`` → ``12.3 %``."""
    if value is None or value == "":
        return "—"
    shown = _rounded(float(value) * 100, decimals)
    # a tiny negative rounds to "-0.0": nothing fell, so no sign
    return f"{abs(shown) if shown == 0 else shown} %"


@register.filter
def rank(value) -> str:
    """A percentile rank (0–100) as a whole number: ``62.5`` → ``63``."""
    if value is None or value == "":
        return "—"
    return str(_rounded(value, 0))


@register.filter
def month(value) -> str:
    """A period (first day of a month) as ``mm/yyyy``."""
    if not value:
        return "—"
    return date_format(value, "m/Y")


@register.filter
def local_datetime(value, seconds: bool = False) -> str:
    """An instant as the clock in ``TIME_ZONE`` (America/Lima) reads it: ``07/12/2026 10:05``
    (``07/12/2026 10:05:09`` with ``seconds``).

    Every time a person reads goes through here or :func:`log_stamp`, so no page shows UTC
    beside local time: the admin's object names (an audit entry, a worker's heartbeat, an owner
    report), the commands' summaries."""
    if not value:
        return "—"
    return date_format(timezone.localtime(value), "d/m/Y H:i:s" if seconds else "d/m/Y H:i")


def log_stamp(value) -> str:
    """An instant for a line of a stored log: local clock with its offset, ``10:05:09-05:00``
    (the text is read later, perhaps in another time zone, so it says which clock)."""
    return timezone.localtime(value).isoformat(timespec="seconds")[11:]


@register.filter
def signed_percent(value, decimals: int = 1) -> str:
    """A change: ``-0.153`` → ``−15.3 %``, ``0.08`` → ``+8.0 %`` (a real minus sign)."""
    if value is None or value == "":
        return "—"
    shown = _rounded(float(value) * 100, decimals)  # the sign of what is shown, not of -0.01
    sign = "+" if shown > 0 else "−" if shown < 0 else ""
    return f"{sign}{abs(shown)} %"


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
