"""What an advisor may record about a business, said once: the models apply these rules in
``full_clean`` (every service, the admin and any API go through it) and the portal's forms apply
the same functions, so that a wrong value is refused beside its field before anything is saved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# A business cannot lose more than all its sales (−100 %); a reported rise beyond ten times the
# earlier sales (+1,000 %) is far more often a slip of the keyboard than a fact.
SALES_CHANGE_MIN = Decimal("-100")
SALES_CHANGE_MAX = Decimal("1000")


def validate_sales_change(value: Decimal | None) -> None:
    """A reported sales change, in percent, between −100 % and +1,000 %."""
    if value is None:
        return
    if value < SALES_CHANGE_MIN:
        raise ValidationError(
            _(
                "The sales change cannot be below −100 %: a business cannot lose more than all "
                "its sales."
            ),
            code="sales_change_below_min",
        )
    if value > SALES_CHANGE_MAX:
        raise ValidationError(
            _(
                "The sales change cannot be above +1,000 % (eleven times the sales before): "
                "check the figure."
            ),
            code="sales_change_above_max",
        )


def validate_recorded_date(value: dt.date | None, *, business, future_message: str) -> None:
    """The date of something that happened to ``business``: not after today (Lima time), and
    not before the business started trading (its founding date or month, when it is known)."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(future_message, code="future")
    founded = business.founded if business is not None else None
    if founded is not None and value < founded:
        raise ValidationError(
            _("The date is before the business started trading (%(founded)s).")
            % {"founded": business.founded_text()},
            code="before_founding",
        )


def outcome_date_rule(value: dt.date | None, *, business) -> None:
    validate_recorded_date(
        value, business=business, future_message=_("An outcome cannot be in the future.")
    )


def visit_date_rule(value: dt.date | None, *, business) -> None:
    validate_recorded_date(
        value, business=business, future_message=_("A visit cannot be in the future.")
    )
