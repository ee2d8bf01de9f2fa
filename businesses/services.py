"""Services that write to the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils.translation import gettext_lazy as _

from businesses.models import (
    Business,
    DatePrecision,
    MonthlyRecord,
    Sector,
    SizeClass,
    Source,
    UITValue,
)

# Ley 30056 thresholds in UIT of annual sales.
MICRO_MAX_UIT = 150
SMALL_MAX_UIT = 1700
MEDIUM_MAX_UIT = 2300


def size_class_for_sales(annual_sales: Decimal | float | None, uit: Decimal | float | None) -> str:
    """The Ley 30056 size class of a business with ``annual_sales`` soles in a year whose UIT is
    ``uit`` soles: micro <= 150 UIT < small <= 1,700 UIT < medium <= 2,300 UIT < large."""
    if annual_sales is None or not uit:
        return SizeClass.UNKNOWN
    in_uit = Decimal(str(annual_sales)) / Decimal(str(uit))
    if in_uit <= MICRO_MAX_UIT:
        return SizeClass.MICRO
    if in_uit <= SMALL_MAX_UIT:
        return SizeClass.SMALL
    if in_uit <= MEDIUM_MAX_UIT:
        return SizeClass.MEDIUM
    return SizeClass.LARGE


def _uit_for_year(uit_by_year: dict[int, Decimal], year: int) -> Decimal | None:
    """The UIT of ``year``, or of the latest earlier year on file (the table may lag a year)."""
    if year in uit_by_year:
        return uit_by_year[year]
    earlier = [y for y in uit_by_year if y <= year]
    return uit_by_year[max(earlier)] if earlier else None


@transaction.atomic
def business_refresh_size_classes(*, business_ids: Iterable[int] | None = None) -> int:
    """Derive each business's size class from its last 12 months of sales (the 12 months up to
    its latest record) and the UIT of that latest record's year. Returns how many changed.

    A business with fewer than 12 months on record has its annual sales estimated as the mean
    of the months it has, times 12; a business with no records is "unknown".
    """
    uit_by_year = dict(UITValue.objects.values_list("year", "value"))
    businesses = Business.objects.all()
    if business_ids is not None:
        businesses = businesses.filter(pk__in=list(business_ids))
    latest = dict(
        MonthlyRecord.objects.filter(business__in=businesses)
        .order_by()
        .values("business")
        .annotate(last=Max("period"))
        .values_list("business", "last")
    )
    # One aggregate query per distinct latest month (few), not one per business.
    annual: dict[int, tuple[Decimal, int]] = {}
    by_last: dict[dt.date, list[int]] = {}
    for business_id, last in latest.items():
        by_last.setdefault(last, []).append(business_id)
    for last, ids in by_last.items():
        start = _months_before(last, 11)
        rows = (
            MonthlyRecord.objects.filter(business_id__in=ids, period__gte=start, period__lte=last)
            .order_by()
            .values("business")
            .annotate(total=Sum("sales"), months=Count("id"))
            .values_list("business", "total", "months")
        )
        for business_id, total, months in rows:
            annual[business_id] = (total * 12 / months, last.year)

    new_class: dict[int, str] = {}
    for business_id, current in businesses.values_list("pk", "size_class"):
        if business_id in annual:
            sales, year = annual[business_id]
            new = size_class_for_sales(sales, _uit_for_year(uit_by_year, year))
        else:
            new = SizeClass.UNKNOWN
        if new != current:
            new_class[business_id] = new
    # One UPDATE per class and chunk of ids, not one per business.
    by_class: dict[str, list[int]] = {}
    for business_id, size_class in new_class.items():
        by_class.setdefault(size_class, []).append(business_id)
    for size_class, ids in by_class.items():
        for start in range(0, len(ids), 5000):
            Business.objects.filter(pk__in=ids[start : start + 5000]).update(size_class=size_class)
    return len(new_class)


def _months_before(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + period.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


# Fields a caller may set on a business (the size class is derived, the RUC fixed at creation).
BUSINESS_EDITABLE_FIELDS = (
    "legal_name", "trade_name", "sector", "ubigeo", "founded", "founded_precision", "employees",
    "women_led", "sells_online",
)  # fmt: skip


def _ruc_taken_error(ruc: str) -> ValidationError:
    # One answer whether or not the existing business is in the caller's scope.
    return ValidationError(
        {
            "ruc": ValidationError(
                _(
                    "A business with RUC %(ruc)s is already registered. Update it if it is in "
                    "your scope; otherwise ask PRODUCE's data stewards to grant it to you."
                ),
                code="ruc_taken",
                params={"ruc": ruc},
            )
        }
    )


@transaction.atomic
def business_create(
    *,
    user,
    ruc: str,
    legal_name: str,
    sector: Sector,
    ubigeo: str,
    trade_name: str = "",
    founded: dt.date | None = None,
    founded_precision: str = DatePrecision.DAY,
    employees: int | None = None,
    women_led: bool = False,
    sells_online: bool = False,
    source: str = Source.API,
) -> Business:
    """Register a business (its region is the ubigeo's department). A partner that creates a
    business gets it in its scope (a "submitted" grant)."""
    from businesses.models import Partner, PartnerGrant
    from core.roles import PARTNER, has_role

    if Business.objects.filter(ruc=ruc).exists():
        raise _ruc_taken_error(ruc)
    business = Business(
        ruc=ruc,
        legal_name=legal_name,
        trade_name=trade_name,
        sector=sector,
        ubigeo=ubigeo,
        region_id=ubigeo[:2],
        founded=founded,
        founded_precision=founded_precision,
        employees=employees,
        women_led=women_led,
        sells_online=sells_online,
        source=source,
    )
    business.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            business.save()
    except IntegrityError:  # created meanwhile by another request
        raise _ruc_taken_error(ruc) from None
    if has_role(user, PARTNER):
        partner = Partner.objects.get(user=user)
        PartnerGrant.objects.create(
            partner=partner, business=business, reason=PartnerGrant.Reason.SUBMITTED
        )
    return business


@transaction.atomic
def business_update(*, business: Business, user, **changes) -> Business:
    """Change the editable fields of ``business`` (loaded through ``user``'s scope). A change
    that would move the business out of the user's own scope (a supervisor moving it to
    another region) is refused."""
    from businesses.scoping import visible_businesses

    unknown = set(changes) - set(BUSINESS_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(business, name, value)
    if "ubigeo" in changes:
        business.region_id = business.ubigeo[:2]
    business.full_clean(validate_unique=False)
    business.save()
    if not visible_businesses(user).filter(pk=business.pk).exists():
        raise ValidationError(
            {
                "ubigeo": ValidationError(
                    _("This change would take the business out of your scope."),
                    code="out_of_scope",
                )
            }
        )
    return business


@transaction.atomic
def business_reassign(*, user, business_ids: Iterable[int], advisor, reason: str) -> int:
    """Assign businesses to ``advisor`` (a supervisor, for businesses of the regions they
    coordinate), recording who moved each one, from whom, when and why. Returns how many
    changed hands (a business already with ``advisor`` is left as it is).

    A business outside the supervisor's regions does not exist for them (``Http404``); a user
    who is not a supervisor is refused (``PermissionDenied``).
    """
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from businesses import scoping
    from businesses.models import BusinessAssignment
    from core import roles

    if not roles.is_supervisor(user):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the businesses change advisor.")})
    if not (advisor.is_active and roles.has_role(advisor, roles.ADVISOR)):
        message = _("%(user)s is not an active advisor.") % {"user": advisor}
        raise ValidationError({"advisor": message})
    ids = {int(pk) for pk in business_ids}
    if not ids:
        raise ValidationError(_("Choose at least one business."), code="none_chosen")
    scope = scoping.visible_businesses(user)
    if not user.is_superuser:
        scope = scope.filter(region_id__in=scoping.supervised_region_codes(user))
    businesses = list(scope.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(businesses) != len(ids):
        raise Http404
    moved = [b for b in businesses if b.advisor_id != advisor.pk]
    BusinessAssignment.objects.bulk_create(
        BusinessAssignment(
            business=b,
            from_advisor_id=b.advisor_id,
            to_advisor=advisor,
            reason=reason,
            created_by=user,
        )
        for b in moved
    )
    # ``update`` leaves ``updated_at`` alone on purpose: the assignment history records the
    # change, and the scoring data (whose signature reads ``updated_at``) did not move.
    Business.objects.filter(pk__in=[b.pk for b in moved]).update(advisor=advisor)
    if moved:  # ``update`` sends no signal: the audit log is written here (core.audit)
        from core.audit import ADVISOR_CHANGED, audit_record

        audit_record(
            user,
            ADVISOR_CHANGED,
            f"{len(moved)} businesses → {advisor.username}",
            {"to": advisor.username, "count": len(moved), "reason": reason,
             "rucs": [b.ruc for b in moved[:200]]},
        )  # fmt: skip
    return len(moved)
