"""Loading the synthetic demo panel (forecasting.engine.synthetic) into the registry, with demo
users for every role and a demo catalogue of support programmes."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from businesses.bulk import bulk_insert_rows
from businesses.models import (
    Business,
    DataImport,
    MarketIndicator,
    MonthlyRecord,
    Partner,
    PartnerGrant,
    Source,
    SupervisedRegion,
    SupportProgramme,
)
from businesses.partners import partner_create
from businesses.services import business_refresh_size_classes
from core import roles
from forecasting.engine import schema
from forecasting.engine.synthetic import SyntheticPanel, generate_panel

DEMO_PASSWORD = "asesor-demo-2026"  # noqa: S105 - printed by seed_demo; demo databases only
SATISFACTION_CODES = {0.0: "low", 1.0: "medium", 2.0: "high"}

# (username, full name, role, regions it covers: advisors get businesses there, supervisors
# coordinate them)
DEMO_USERS = [
    ("asesora.lima", "Rosa Quispe", roles.ADVISOR, ["15"]),
    ("asesor.lima", "Jorge Huamán", roles.ADVISOR, ["15", "07"]),
    ("asesora.arequipa", "Lucía Mamani", roles.ADVISOR, ["04", "18", "23"]),
    ("asesor.norte", "Carlos Ramírez", roles.ADVISOR, ["13", "14", "20", "06", "24"]),
    ("asesora.sur", "Ana Condori", roles.ADVISOR, ["08", "21", "05", "03", "09"]),
    ("asesor.oriente", "Miguel Sánchez", roles.ADVISOR, ["16", "22", "25", "17", "01", "10"]),
    ("coordinadora.lima", "Patricia Flores", roles.SUPERVISOR, ["15", "07"]),
    ("coordinador.sur", "Luis Torres", roles.SUPERVISOR, ["04", "08", "21", "18", "23"]),
    ("gestor.datos", "Elena Vargas", roles.STEWARD, []),
    ("analista.mercado", "Sofía Rojas", roles.ANALYST, []),
    # the demo partner (API only): DEMO_PARTNER_* below
]
ADVISOR_CASELOAD = 120

# The demo partner system, a regional government (GORE) that sees the businesses of its region:
# its API user is the README's ``aliado.gore``; ``manage.py partner_key aliado.gore`` issues a key.
DEMO_PARTNER_USERNAME = "aliado.gore"
DEMO_PARTNER_NAME = "Gobierno Regional de Arequipa (demo)"
DEMO_PARTNER_REGION = "04"

DEMO_PROGRAMMES = [
    (
        "tu-empresa",
        "Programa Nacional Tu Empresa",
        SupportProgramme.Axis.FORMALISATION,
        "Formalización, herramientas digitales y acceso a financiamiento para MYPE.",
    ),
    (
        "proinnovate",
        "ProInnóvate",
        SupportProgramme.Axis.INNOVATION,
        "Fondos no reembolsables para innovación y adopción de tecnología.",
    ),
    (
        "compras-a-myperu",
        "Compras a MYPErú",
        SupportProgramme.Axis.MARKETS,
        "Compras del Estado a las MYPE.",
    ),
    (
        "cite-asistencia",
        "Asistencia técnica de la Red CITE",
        SupportProgramme.Axis.INNOVATION,
        "Asistencia técnica y transferencia tecnológica de los Centros de Innovación "
        "Productiva y Transferencia Tecnológica.",
    ),
    (
        "cde-articulacion",
        "Articulación comercial de los CDE",
        SupportProgramme.Axis.ARTICULATION,
        "Articulación productiva y comercial desde los Centros de Desarrollo Empresarial.",
    ),
    (
        "tu-empresa-financiamiento",
        "Tu Empresa: acceso a financiamiento",
        SupportProgramme.Axis.FINANCING,
        "Orientación para acceder a crédito y productos financieros formales.",
    ),
]

# Who runs each demo programme and how an owner applies: printed on the owner's report.
# Demo text as well, for stewards to check against the real programmes.
DEMO_PROGRAMME_HOW_TO_APPLY = {
    "tu-empresa": (
        "PRODUCE — Programa Nacional Tu Empresa",
        "Inscríbase gratis en la plataforma de Tu Empresa o acuda con su RUC al Centro de "
        "Desarrollo Empresarial (CDE) más cercano.",
    ),
    "proinnovate": (
        "PRODUCE — ProInnóvate",
        "Postule a la convocatoria vigente en la web de ProInnóvate; su asesor le ayuda a "
        "preparar el proyecto y el presupuesto.",
    ),
    "compras-a-myperu": (
        "PRODUCE — Compras a MYPErú",
        "Inscríbase en el Registro Nacional de Proveedores (RNP) y en la convocatoria de "
        "su sector y región.",
    ),
    "cite-asistencia": (
        "Instituto Tecnológico de la Producción (ITP) — Red CITE",
        "Pida asistencia técnica en el CITE de su sector más cercano; su asesor puede derivarle.",
    ),
    "cde-articulacion": (
        "PRODUCE — Centros de Desarrollo Empresarial (CDE)",
        "Acuda al CDE de su región con su RUC; su asesor coordina la cita.",
    ),
    "tu-empresa-financiamiento": (
        "PRODUCE — Programa Nacional Tu Empresa",
        "Pida orientación financiera en el CDE o en la plataforma de Tu Empresa; lleve sus "
        "ventas de los últimos 12 meses.",
    ),
}

# The same prose in English (description, how to apply), for pages and reports in English.
DEMO_PROGRAMME_ENGLISH = {
    "tu-empresa": (
        "Formalisation, digital tools and access to financing for micro and small businesses.",
        "Register free of charge on the Tu Empresa platform, or go with your RUC to the nearest "
        "Business Development Centre (CDE).",
    ),
    "proinnovate": (
        "Non-repayable grants for innovation and the adoption of technology.",
        "Apply to the open call on the ProInnóvate website; your advisor helps you prepare the "
        "project and its budget.",
    ),
    "compras-a-myperu": (
        "Government purchases from micro and small businesses.",
        "Register in the National Register of Suppliers (RNP) and in the call for your sector "
        "and region.",
    ),
    "cite-asistencia": (
        "Technical assistance and technology transfer from the Productive Innovation and "
        "Technology Transfer Centres (CITE).",
        "Ask for technical assistance at the nearest CITE of your sector; your advisor can refer "
        "you.",
    ),
    "cde-articulacion": (
        "Productive and commercial linkage from the Business Development Centres (CDE).",
        "Go to the CDE of your region with your RUC; your advisor arranges the appointment.",
    ),
    "tu-empresa-financiamiento": (
        "Guidance on access to credit and formal financial products.",
        "Ask for financial guidance at a CDE or on the Tu Empresa platform; bring your sales of "
        "the last 12 months.",
    ),
}


@dataclass
class DemoLoad:
    data_import: DataImport
    businesses: int
    records: int
    indicators: int
    users: list[tuple[str, str]]  # (username, role)
    seconds: dict[str, float]


def demo_start_month(months: int, today: dt.date | None = None) -> str:
    """The first month of a demo panel of ``months`` months ending last month."""
    today = today or timezone.localdate()
    last = today.year * 12 + today.month - 2  # index of last month
    first = last - months + 1
    return f"{first // 12:04d}-{first % 12 + 1:02d}"


def demo_panel(parameters: dict) -> SyntheticPanel:
    """Rebuild the synthetic panel of a demo import from its recorded parameters (the oracle
    is deterministic in them)."""
    return generate_panel(
        parameters["businesses"], parameters["months"], parameters["seed"], parameters["start"]
    )


def demo_data_exists() -> bool:
    return Business.objects.filter(source=Source.DEMO).exists()


@transaction.atomic
def demo_data_delete() -> None:
    MonthlyRecord.objects.filter(business__source=Source.DEMO).delete()
    Business.objects.filter(source=Source.DEMO).delete()
    MarketIndicator.objects.filter(source_import__kind=DataImport.Kind.DEMO).delete()


@transaction.atomic
def demo_data_load(*, businesses: int, months: int, seed: int) -> DemoLoad:
    """Generate and load a demo panel, its market indicators, programmes and users."""
    import time

    t0 = time.perf_counter()
    params = {
        "businesses": businesses,
        "months": months,
        "seed": seed,
        "start": demo_start_month(months),
    }
    panel = demo_panel(params)
    t1 = time.perf_counter()
    data_import = DataImport.objects.create(
        kind=DataImport.Kind.DEMO,
        file_name=f"synthetic(businesses={businesses}, months={months}, seed={seed})",
        parameters={**params, "process": panel.params},
    )
    ids = _load_businesses(panel, data_import)
    t2 = time.perf_counter()
    n_records = _load_records(panel, ids, data_import)
    n_indicators = _load_indicators(panel, data_import)
    t3 = time.perf_counter()
    business_refresh_size_classes()
    users = _load_users_and_assign()
    _load_programmes()
    data_import.status = DataImport.Status.SUCCEEDED
    data_import.rows_read = data_import.rows_created = len(ids) + n_records + n_indicators
    data_import.finished_at = timezone.now()
    data_import.save()
    t4 = time.perf_counter()
    return DemoLoad(
        data_import=data_import,
        businesses=len(ids),
        records=n_records,
        indicators=n_indicators,
        users=users,
        seconds={
            "generate": round(t1 - t0, 2),
            "businesses": round(t2 - t1, 2),
            "records_and_indicators": round(t3 - t2, 2),
            "users_and_sizes": round(t4 - t3, 2),
            "total": round(t4 - t0, 2),
        },
    )


def _none_if_nan(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _load_businesses(panel: SyntheticPanel, data_import: DataImport) -> dict[int, int]:
    frame = panel.businesses
    founded = pd.to_datetime(frame[schema.FOUNDED])
    objects = [
        Business(
            ruc=row.ruc,
            legal_name=row.legal_name,
            trade_name=row.trade_name,
            sector_id=row.sector_division,
            region_id=row.region_code,
            ubigeo=row.ubigeo,
            founded=None if pd.isna(f) else f.date(),
            employees=_none_if_nan(row.employees),
            women_led=bool(row.women_led),
            sells_online=bool(row.sells_online),
            source=Source.DEMO,
            source_import=data_import,
        )
        for row, f in zip(frame.itertuples(index=False), founded, strict=True)
    ]
    for business in objects:
        business.fill_search_columns()  # bulk_create does not call save()
    Business.objects.bulk_create(objects, batch_size=2000)
    return dict(zip(frame[schema.BUSINESS_ID].tolist(), [b.pk for b in objects], strict=True))


def _load_records(panel: SyntheticPanel, ids: dict[int, int], data_import: DataImport) -> int:
    r = panel.records
    business = r[schema.BUSINESS_ID].map(ids).to_numpy()
    period = pd.to_datetime(r[schema.PERIOD]).dt.strftime("%Y-%m-%d").to_numpy()
    sales = np.round(r[schema.SALES].to_numpy(dtype=float), 2)
    costs = np.round(r[schema.COSTS].to_numpy(dtype=float), 2)
    employees = r[schema.EMPLOYEES].to_numpy(dtype=float)
    satisfaction = r[schema.SATISFACTION].map(SATISFACTION_CODES).fillna("").to_numpy()
    rows = (
        (
            int(business[i]),
            period[i],
            float(sales[i]),
            None if math.isnan(costs[i]) else float(costs[i]),
            None if math.isnan(employees[i]) else int(employees[i]),
            satisfaction[i],
            data_import.pk,
        )
        for i in range(len(r))
    )
    return bulk_insert_rows(
        MonthlyRecord,
        [
            "business_id",
            "period",
            "sales",
            "costs",
            "employees",
            "satisfaction",
            "source_import_id",
        ],
        rows,
    )


def _load_indicators(panel: SyntheticPanel, data_import: DataImport) -> int:
    ind = panel.indicators
    period = pd.to_datetime(ind[schema.PERIOD]).dt.strftime("%Y-%m-%d").tolist()
    rows = (
        (
            _none_if_nan(sector) or None,
            _none_if_nan(region) or None,
            p,
            name,
            float(value),
            data_import.pk,
        )
        for sector, region, p, name, value in zip(
            ind[schema.SECTOR_DIVISION].tolist(),
            ind[schema.REGION_CODE].tolist(),
            period,
            ind[schema.INDICATOR_NAME].tolist(),
            ind[schema.INDICATOR_VALUE].tolist(),
            strict=True,
        )
    )
    return bulk_insert_rows(
        MarketIndicator,
        ["sector_id", "region_id", "period", "name", "value", "source_import_id"],
        rows,
    )


def _load_users_and_assign() -> list[tuple[str, str]]:
    User = get_user_model()  # noqa: N806
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLES)}
    created = []
    for username, full_name, role, regions in DEMO_USERS:
        first, _, last = full_name.partition(" ")
        user, _new = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.pe"},
        )
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == roles.STEWARD
        user.save()
        user.groups.add(groups[role])
        if role == roles.SUPERVISOR:
            for code in regions:
                SupervisedRegion.objects.get_or_create(user=user, region_id=code)
        if role == roles.ADVISOR:
            ids = list(
                Business.objects.filter(
                    source=Source.DEMO, region_id__in=regions, advisor__isnull=True
                )
                .order_by("ruc")
                .values_list("pk", flat=True)[:ADVISOR_CASELOAD]
            )
            Business.objects.filter(pk__in=ids).update(advisor=user)
        created.append((username, role))
    demo_partner_ensure()
    created.append((DEMO_PARTNER_USERNAME, roles.PARTNER))
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@demo.pe", DEMO_PASSWORD)
    created.append(("admin", "superuser"))
    return created


@transaction.atomic
def demo_partner_ensure() -> Partner:
    """The demo partner system (``aliado.gore``), created if missing, with the demo businesses
    of its region granted (idempotent: ``make run`` calls it on every start, so a demo
    database loaded before the partner existed gets it too)."""
    partner = Partner.objects.filter(user__username=DEMO_PARTNER_USERNAME).first()
    if partner is None:
        partner = partner_create(
            name=DEMO_PARTNER_NAME,
            username=DEMO_PARTNER_USERNAME,
            contact_email=f"{DEMO_PARTNER_USERNAME}@demo.pe",
            notes="Demo partner system (seed_demo).",
        )
    region = Business.objects.filter(source=Source.DEMO, region_id=DEMO_PARTNER_REGION)
    PartnerGrant.objects.bulk_create(
        [
            PartnerGrant(partner=partner, business_id=pk, reason=PartnerGrant.Reason.GRANTED)
            for pk in region.exclude(partner_grants__partner=partner).values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    return partner


def demo_programmes_english_ensure() -> int:
    """The English texts of the demo catalogue's entries where they have none (a demo loaded
    before the catalogue had them; ``make run`` calls it on every start); a text a steward has
    written is kept. The number of entries filled in."""
    filled = 0
    entries = SupportProgramme.objects.filter(is_demo=True, code__in=DEMO_PROGRAMME_ENGLISH)
    for programme in entries:
        description, how_to_apply = DEMO_PROGRAMME_ENGLISH[programme.code]
        texts = {"description_en": description, "how_to_apply_en": how_to_apply}
        missing = {field: text for field, text in texts.items() if not getattr(programme, field)}
        if missing:
            SupportProgramme.objects.filter(pk=programme.pk).update(**missing)
            filled += 1
    return filled


def _load_programmes() -> None:
    for code, name, axis, description in DEMO_PROGRAMMES:
        agency, how_to_apply = DEMO_PROGRAMME_HOW_TO_APPLY.get(code, ("", ""))
        description_en, how_to_apply_en = DEMO_PROGRAMME_ENGLISH.get(code, ("", ""))
        SupportProgramme.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "axis": axis,
                "description": description,
                "agency": agency,
                "how_to_apply": how_to_apply,
                "description_en": description_en,
                "how_to_apply_en": how_to_apply_en,
                "is_demo": True,
            },
        )
