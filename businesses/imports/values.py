"""Reading one cell the way Peruvian spreadsheets write it: decimal commas with thousands dots
(``1.234,50``) or the English way (``1,234.50``), dd/mm/yyyy dates, periods as yyyy-mm or mm/yyyy,
satisfaction in Spanish or English, headers with accents and spaces.

Every parser takes what the reader gives (a string from a CSV, or a str/int/float/date from an
xlsx cell) and returns a Python value, or raises :class:`CellValueError` with a message, in the
active language, that names the offending value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from django.utils.translation import gettext as _

Cell = str | int | float | dt.date | dt.datetime | None


class CellValueError(ValueError):
    """A cell that cannot be read; ``str(problem)`` is the translated reason."""


def normalise_header(text: object) -> str:
    """``" Satisfacción  Cliente "`` → ``"satisfaccion_cliente"``: lower case, no accents, runs
    of anything but letters and digits become one underscore."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").replace("\ufeff", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def cell_text(value: Cell) -> str:
    """A cell as the text a person would read in it (an integral float loses its ``.0``)."""
    if type(value) is str:  # the common case (every CSV cell), first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY = re.compile(r"^(s/\.?|pen)", re.IGNORECASE)
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_COMMA_DECIMAL = re.compile(r"^(\d+,?\d*|,\d+)$")
_DOT_DECIMAL = re.compile(r"^(\d+\.?\d*|\.\d+)$")
_ONE_GROUP = re.compile(r"^\d{1,3}[.,]\d{3}$")
# Unambiguous whatever the convention: no separator, or one separator followed by 1, 2 or 4+
# digits.
_PLAIN = re.compile(r"^\d+([.,](\d{1,2}|\d{4,}))?$")


def parse_number(value: Cell, *, decimal_comma: bool) -> Decimal:
    """A number written ``1.234,50``, ``1234,5``, ``1,234.50`` or ``1234.50`` (optionally with a
    sign or an ``S/`` prefix).

    ``1.234`` and ``1,234`` are ambiguous; ``decimal_comma`` settles them: True (a ``;``-separated
    file, the Peruvian Excel default) reads them as 1234 and 1.234; False reads 1.234 and 1234.
    """
    if isinstance(value, bool):
        raise CellValueError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellValueError(_("“%(value)s” is not a number.") % {"value": value})
        return Decimal(repr(value))
    original = cell_text(value)
    if _PLAIN.match(original):  # fast path: 1234, 1234.5, 1234,50
        return Decimal(original.replace(",", "."))
    text = _SPACES.sub("", original)
    sign = ""
    if text[:1] in "+-":
        sign, text = text[0], text[1:]
    text = _CURRENCY.sub("", text)
    if text[:1] in "+-" and not sign:
        sign, text = text[0], text[1:]
    if "." in text and "," in text:
        if text.rfind(",") > text.rfind("."):
            ok = _DOT_THOUSANDS.match(text)
            normal = text.replace(".", "").replace(",", ".")
        else:
            ok = _COMMA_THOUSANDS.match(text)
            normal = text.replace(",", "")
    elif "," in text:
        if _ONE_GROUP.match(text):
            ok, normal = True, text.replace(",", ".") if decimal_comma else text.replace(",", "")
        elif text.count(",") > 1:
            ok, normal = _COMMA_THOUSANDS.match(text), text.replace(",", "")
        else:
            ok, normal = _COMMA_DECIMAL.match(text), text.replace(",", ".")
    elif "." in text:
        if _ONE_GROUP.match(text):
            ok, normal = True, text.replace(".", "") if decimal_comma else text
        elif text.count(".") > 1:
            ok, normal = _DOT_THOUSANDS.match(text), text.replace(".", "")
        else:
            ok, normal = _DOT_DECIMAL.match(text), text
    else:
        ok, normal = text.isdigit(), text
    if not ok or not normal.strip("."):
        raise CellValueError(_("“%(value)s” is not a number.") % {"value": original})
    try:
        return Decimal(sign + normal)
    except InvalidOperation:
        raise CellValueError(_("“%(value)s” is not a number.") % {"value": original}) from None


# The largest count a PositiveIntegerField holds on every database we run on.
MAX_COUNT = 2_147_483_647


def parse_count(value: Cell, *, decimal_comma: bool) -> int:
    """A whole number of people or things, not negative (``3``, ``3,0`` or ``1.200``), and
    small enough to store."""
    number = parse_number(value, decimal_comma=decimal_comma)
    if number != number.to_integral_value() or number < 0:
        raise CellValueError(
            _("“%(value)s” is not a whole number of zero or more.") % {"value": cell_text(value)}
        )
    if number > MAX_COUNT:
        raise CellValueError(_("%(value)s is too large a number.") % {"value": cell_text(value)})
    return int(number)


_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_YYYYMM = re.compile(r"^(\d{4})(\d{2})$")


def _date(year: str | int, month: str | int, day: str | int = 1) -> dt.date | None:
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date if date.year >= 1900 else None


def parse_date(value: Cell) -> dt.date:
    """A day written dd/mm/yyyy (also with ``-`` or ``.``) or yyyy-mm-dd, or a date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _TIME_SUFFIX.sub("", cell_text(value))
    date = None
    if match := _DMY.match(text):
        day, month, year = match.groups()
        date = _date(year, month, day)
    elif match := _YMD.match(text):
        date = _date(*match.groups())
    if date is None:
        raise CellValueError(
            _("“%(value)s” is not a date: use dd/mm/yyyy or yyyy-mm-dd.")
            % {"value": cell_text(value)}
        )
    return date


class DayOrMonth(NamedTuple):
    """A date and how much of it is known: ``"day"``, or ``"month"`` when only the month was
    given (the date is then its first day). The values are ``businesses.models.DatePrecision``'s.
    """

    date: dt.date
    precision: str


def parse_day_or_month(value: Cell) -> DayOrMonth:
    """A day (as :func:`parse_date` reads it) or, when the day is not known, a month (as
    :func:`parse_period` reads it: yyyy-mm, mm/yyyy, yyyymm), read as its first day and said to
    be known to the month. For dates a business owner may remember only to the month, such as
    when they started trading."""
    try:
        return DayOrMonth(parse_date(value), "day")
    except CellValueError:
        pass
    try:
        return DayOrMonth(parse_period(value), "month")
    except CellValueError:
        raise CellValueError(
            _(
                "“%(value)s” is not a date: use dd/mm/yyyy or yyyy-mm-dd, or yyyy-mm when the "
                "day is not known."
            )
            % {"value": cell_text(value)}
        ) from None


@lru_cache(maxsize=4096)  # a file has few distinct periods and many rows
def parse_period(value: Cell) -> dt.date:
    """A month written yyyy-mm, mm/yyyy, yyyymm, or any day in it (dd/mm/yyyy, yyyy-mm-dd, a
    date cell); returns its first day."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = _TIME_SUFFIX.sub("", cell_text(value))
    date = None
    if match := _YM.match(text):
        date = _date(*match.groups())
    elif match := _MY.match(text):
        month, year = match.groups()
        date = _date(year, month)
    elif match := _YYYYMM.match(text):
        date = _date(*match.groups())
    elif _DMY.match(text) or _YMD.match(text):
        try:
            date = parse_date(text).replace(day=1)
        except CellValueError:
            date = None
    if date is None:
        raise CellValueError(
            _("“%(value)s” is not a month: use yyyy-mm, mm/yyyy or dd/mm/yyyy.")
            % {"value": cell_text(value)}
        )
    return date


_SATISFACTION = {
    "low": "low", "baja": "low", "bajo": "low", "1": "low",
    "medium": "medium", "media": "medium", "medio": "medium", "2": "medium",
    "high": "high", "alta": "high", "alto": "high", "3": "high",
}  # fmt: skip


def parse_satisfaction(value: Cell) -> str:
    """Customer satisfaction: low/medium/high, baja/media/alta or 1–3; empty is unknown ("")."""
    if type(value) is str and (known := _SATISFACTION.get(value.strip().lower())):
        return known
    text = normalise_header(cell_text(value))
    if not text:
        return ""
    if text not in _SATISFACTION:
        raise CellValueError(
            _("“%(value)s” is not a satisfaction level (baja/media/alta, low/medium/high, 1–3).")
            % {"value": cell_text(value)}
        )
    return _SATISFACTION[text]


_TRUE = {"1", "x", "s", "si", "y", "yes", "true", "verdadero"}
_FALSE = {"0", "n", "no", "false", "falso"}


def parse_flag(value: Cell) -> bool | None:
    """Yes/no: sí/no, yes/no, true/false, 1/0, x; empty is "not given" (None)."""
    if isinstance(value, bool):
        return value
    text = normalise_header(cell_text(value))
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellValueError(_("“%(value)s” is not yes or no (sí/no).") % {"value": cell_text(value)})
