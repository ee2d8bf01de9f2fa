"""Validators for Peruvian identifiers and periods. Each error says what is wrong, in the
user's language, with the offending value."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
RUC_PREFIXES = ("10", "15", "16", "17", "20")


def ruc_check_digit(first_ten: str) -> int:
    """The SUNAT check digit of a RUC's first ten digits (modulo 11 with weights 5432765432)."""
    s = sum(int(d) * w for d, w in zip(first_ten, RUC_WEIGHTS, strict=True)) % 11
    check = 11 - s
    return {10: 0, 11: 1}.get(check, check)


def ruc_problem(value: str) -> str | None:
    """Why ``value`` is not a valid RUC, or None if it is one (used by imports and forms)."""
    if not (isinstance(value, str) and len(value) == 11 and value.isdigit()):
        return _("RUC must have exactly 11 digits (got “%(value)s”).") % {"value": value}
    if value[:2] not in RUC_PREFIXES:
        return _("RUC must start with 10, 15, 16, 17 or 20 (got “%(value)s”).") % {"value": value}
    if ruc_check_digit(value[:10]) != int(value[10]):
        return _("RUC “%(value)s” fails its check digit.") % {"value": value}
    return None


def validate_ruc(value: str) -> None:
    problem = ruc_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_ruc", params={"value": value})


def validate_ubigeo(value: str) -> None:
    if not (isinstance(value, str) and len(value) == 6 and value.isdigit()):
        raise ValidationError(
            _("Ubigeo must have exactly 6 digits (got “%(value)s”)."),
            code="invalid_ubigeo",
            params={"value": value},
        )
    if not 1 <= int(value[:2]) <= 25:
        raise ValidationError(
            _("Ubigeo “%(value)s” does not start with a department code 01–25."),
            code="invalid_ubigeo",
            params={"value": value},
        )


def validate_period_in_past(value: dt.date) -> None:
    """A monthly record's period is the first day of a month that has already started."""
    if value.day != 1:
        raise ValidationError(
            _("A period is a month: use its first day (got %(value)s)."),
            code="invalid_period",
            params={"value": value},
        )
    today = timezone.localdate()
    if value > today.replace(day=1):
        raise ValidationError(
            _("Period %(value)s is in the future."), code="future_period", params={"value": value}
        )
