"""The BCRPData connector: the Banco Central de Reserva del Perú's public statistics API.

A request names up to ten series codes joined by ``-``, the output format, the first and last
period and the language of the labels::

    https://estadisticas.bcrp.gob.pe/estadisticas/series/api/PN01755AM-PN01758AM/json/2024-1/2024-12/esp

and a JSON answer carries a ``config`` block (``title``; ``series``: one ``{"name", "dec"}`` per
requested code, in the order asked) and a ``periods`` list, one entry per month, whose ``name``
is a month label — ``Ene.2024`` in Spanish, ``Jan.2024`` in English (September is ``Set`` or
``Sep``; some answers use a two-digit year, ``Ene.24``) — and whose ``values`` are strings, one per
series, ``n.d.`` where there is no data.

:func:`bcrp_parse` turns one answer into values or refuses it whole with a message naming the
series and the period it could not read; nothing of a refused answer is used.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

DEFAULT_BASE_URL = "https://estadisticas.bcrp.gob.pe/estadisticas/series/api"
MAX_CODES_PER_REQUEST = 10  # the API's own limit

_MONTHS = {
    # Spanish (the API's "esp" labels; Peru writes "setiembre")
    "ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8,
    "set": 9, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dic": 12,
    # English (the "ing" labels)
    "jan": 1, "apr": 4, "aug": 8, "dec": 12,
}  # fmt: skip
_LABEL = re.compile(r"^([a-z]{3,4})[.\-/ ]?\s*(\d{4}|\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# "no data" as the API writes it (and the spellings a hand-edited answer might use).
_NO_DATA = {"n.d.", "n.d", "nd", "n/d", "-", "—", ""}


class BCRPParseError(ValueError):
    """An answer the connector cannot use; the message says which series and period."""


@dataclass(frozen=True)
class BCRPValue:
    code: str
    period: dt.date
    value: float


@dataclass
class BCRPAnswer:
    values: list[BCRPValue]
    missing: int  # n.d. cells
    periods: int
    series_names: dict[str, str]  # code -> the API's name of the series


def bcrp_urls(*, base: str, codes: list[str], start: dt.date, end: dt.date, language: str):
    """The request URLs for ``codes`` (in groups of ten) over [start, end], months inclusive.

    Yields (codes of the request, URL).
    """
    base = (base or DEFAULT_BASE_URL).rstrip("/")
    for i in range(0, len(codes), MAX_CODES_PER_REQUEST):
        group = codes[i : i + MAX_CODES_PER_REQUEST]
        yield (
            group,
            f"{base}/{'-'.join(group)}/json/{start.year}-{start.month}/"
            f"{end.year}-{end.month}/{language or 'esp'}",
        )


def parse_period_label(label: object, *, code: str) -> dt.date:
    """``Ene.2024``, ``Jan.2024``, ``Set.24``, ``sep-2024``, ``2024-1`` → 2024-xx-01."""
    text = unicodedata.normalize("NFKD", str(label or "")).encode("ascii", "ignore").decode()
    text = text.strip().lower()
    year = month = None
    if match := _LABEL.match(text):
        month = _MONTHS.get(match.group(1))
        year = int(match.group(2))
        if len(match.group(2)) == 2:
            # A two-digit year is this century unless that would be in the future.
            year += 2000 if year <= dt.date.today().year % 100 + 1 else 1900
    elif match := _ISO_MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
    if not month or not year or not 1 <= month <= 12 or year < 1900:
        raise BCRPParseError(
            _(
                "Series %(code)s: the period “%(label)s” is not a month label the connector "
                "knows (such as Ene.2024 or Jan.2024); nothing was stored."
            )
            % {"code": code, "label": str(label)[:40]}
        )
    return dt.date(year, month, 1)


def parse_value(raw: object, *, code: str, label: str) -> float | None:
    """A value string: ``"123.456"``, ``"-1.2"``, ``"1,234.5"``; ``"n.d."`` (no data) is None."""
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = str(raw if raw is not None else "").strip()
        if text.lower() in _NO_DATA:
            return None
        try:  # the common case first: a plain decimal string
            number = float(text) if _NUMBER.match(text) else math.nan
        except ValueError:
            number = math.nan
        if math.isnan(number) and _THOUSANDS.match(text):
            number = float(text.replace(",", ""))
    if not math.isfinite(number):
        raise BCRPParseError(
            _(
                "Series %(code)s, period %(label)s: “%(value)s” is not a number or n.d.; nothing "
                "was stored."
            )
            % {"code": code, "label": label, "value": str(raw)[:40]}
        )
    return number


def bcrp_parse(payload: bytes, *, codes: list[str]) -> BCRPAnswer:
    """Read one JSON answer for ``codes`` (in the order they were requested).

    Refuses the whole answer — an HTML error page, a series count that does not match, an
    unreadable period label or value, a month given twice — with a message naming the series and
    the period.
    """
    listed = ", ".join(codes)
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = payload.decode("latin-1")
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        shown = " ".join(stripped[:80].split())
        raise BCRPParseError(
            _(
                "Series %(codes)s: the answer is not JSON (it begins “%(start)s”); the API "
                "may not know a code or the period asked for. Nothing was stored."
            )
            % {"codes": listed, "start": shown or "—"}
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        raise BCRPParseError(
            _("Series %(codes)s: the JSON answer cannot be read (%(error)s); nothing was stored.")
            % {"codes": listed, "error": error}
        ) from None
    config = data.get("config") if isinstance(data, dict) else None
    periods = data.get("periods") if isinstance(data, dict) else None
    series = config.get("series") if isinstance(config, dict) else None
    if not isinstance(series, list) or not isinstance(periods, list):
        raise BCRPParseError(
            _(
                "Series %(codes)s: the answer has no “config.series” and “periods” lists; "
                "nothing was stored."
            )
            % {"codes": listed}
        )
    if len(series) != len(codes):
        raise BCRPParseError(
            _(
                "Series %(codes)s: %(asked)d series were asked for but the answer describes "
                "%(got)d; nothing was stored."
            )
            % {"codes": listed, "asked": len(codes), "got": len(series)}
        )
    names = {
        code: str(entry.get("name", "")) if isinstance(entry, dict) else ""
        for code, entry in zip(codes, series, strict=True)
    }
    values: list[BCRPValue] = []
    seen: dict[dt.date, str] = {}
    missing = 0
    for entry in periods:
        if not isinstance(entry, dict):
            raise BCRPParseError(
                _("Series %(codes)s: a period entry is not an object; nothing was stored.")
                % {"codes": listed}
            )
        label = str(entry.get("name", ""))
        period = parse_period_label(label, code=listed)
        if period in seen:
            raise BCRPParseError(
                _(
                    "Series %(codes)s: the month of “%(label)s” comes twice (also as "
                    "“%(first)s”); nothing was stored."
                )
                % {"codes": listed, "label": label, "first": seen[period]}
            )
        seen[period] = label
        cells = entry.get("values")
        if isinstance(cells, str):
            cells = [cells]
        if not isinstance(cells, list) or len(cells) != len(codes):
            raise BCRPParseError(
                _(
                    "Series %(codes)s, period %(label)s: expected %(n)d values, found "
                    "%(found)s; nothing was stored."
                )
                % {
                    "codes": listed,
                    "label": label,
                    "n": len(codes),
                    "found": len(cells) if isinstance(cells, list) else "—",
                }
            )
        for code, raw in zip(codes, cells, strict=True):
            value = parse_value(raw, code=code, label=label)
            if value is None:
                missing += 1
            else:
                values.append(BCRPValue(code=code, period=period, value=value))
    return BCRPAnswer(values=values, missing=missing, periods=len(periods), series_names=names)
