"""The three imports — businesses, monthly records, market indicators — as upserts: each chunk
of valid rows is matched against what is stored with one query per chunk (never one per row),
then new rows are inserted in bulk and changed rows updated in bulk. A row identical to the
stored one counts as unchanged and is not written.

A key that appears twice in one file keeps its first valid row; the later one is rejected as a
"duplicate of line N" (last-wins would silently depend on the order of the rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.bulk import bulk_insert_rows
from businesses.imports.rows import Column, ParsedRow, RowImporter
from businesses.imports.values import (
    Cell,
    CellValueError,
    DayOrMonth,
    cell_text,
    parse_count,
    parse_day_or_month,
    parse_flag,
    parse_number,
    parse_satisfaction,
)
from businesses.models import (
    Business,
    DataImport,
    IndicatorRevision,
    MarketIndicator,
    MonthlyRecord,
    Region,
    Sector,
    Source,
)
from businesses.search import search_columns
from businesses.services import business_refresh_size_classes
from businesses.validators import validate_ubigeo

# Keeps every IN (...) under SQLite's historical 999-parameter limit.
LOOKUP_CHUNK = 900


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def update_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
    """``UPDATE table SET columns... WHERE id = ?`` for each row (values, then the id), in one
    executemany: much faster than ``bulk_update``'s CASE expressions for many rows."""
    if not rows:
        return
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {qn('id')} = %s"  # noqa: S608 - identifiers only
    with connection.cursor() as cursor:
        for batch in _chunks(rows, 20_000):
            cursor.executemany(sql, batch)


def _digits(cell: Cell) -> str:
    return cell_text(cell).replace(" ", "")


class BusinessImporter(RowImporter):
    """Businesses, unique on RUC. An empty optional cell means "not given": it leaves the stored
    value alone (a partner's file without founding dates does not erase them)."""

    kind = DataImport.Kind.BUSINESSES
    columns = (
        Column("ruc", ("nro_ruc", "numero_ruc", "numero_de_ruc"), True, True),
        Column("name", ("legal_name", "razon_social", "nombre"), True, True),
        Column("sector_code", ("sector", "ciiu", "codigo_ciiu"), True, True),
        Column("ubigeo", ("codigo_ubigeo",), True, True),
        Column("founded_on", ("founded", "fecha_inicio", "fecha_de_inicio")),
        Column("employees", ("empleados", "trabajadores")),
        Column("trade_name", ("nombre_comercial",)),
        Column("women_led", ("liderada_por_mujer", "liderado_por_mujer")),
        Column("sells_online", ("vende_en_linea", "vende_online")),
    )
    # column key -> Business field (attname) it fills
    fields = {
        "name": "legal_name",
        "trade_name": "trade_name",
        "sector_code": "sector_id",
        "ubigeo": "ubigeo",
        "founded_on": "founded",
        "employees": "employees",
        "women_led": "women_led",
        "sells_online": "sells_online",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.divisions = set(
            Sector.objects.filter(section__isnull=False).values_list("code", flat=True)
        )
        self.regions = set(Region.objects.values_list("code", flat=True))
        self.seen: dict[str, int] = {}

    def read_name(self, cell: Cell) -> str:
        return self.text(cell, max_length=200)

    def read_trade_name(self, cell: Cell) -> str:
        return self.text(cell, max_length=200)

    def read_sector_code(self, cell: Cell) -> str:
        """A CIIU Rev.4 division; a 4-digit class (4711) stands for its division (47), and a
        leading zero that Excel dropped (7, 111) is put back."""
        code = _digits(cell)
        if code.isdigit() and len(code) in (1, 3):
            code = "0" + code
        if code.isdigit() and len(code) == 4:
            code = code[:2]
        if code not in self.divisions:
            raise CellValueError(
                _("“%(value)s” is not a CIIU Rev.4 division (two digits, 01–99).")
                % {"value": cell_text(cell)}
            )
        return code

    def read_ubigeo(self, cell: Cell) -> str:
        code = _digits(cell)
        if code.isdigit() and len(code) == 5:
            code = "0" + code  # Excel dropped the leading zero of 01xxxx–09xxxx
        try:
            validate_ubigeo(code)
        except Exception:
            raise CellValueError(
                _("“%(value)s” is not a ubigeo (6 digits, department 01–25).")
                % {"value": cell_text(cell)}
            ) from None
        if code[:2] not in self.regions:
            raise CellValueError(
                _("“%(value)s” is not in a known region.") % {"value": cell_text(cell)}
            )
        return code

    def read_founded_on(self, cell: Cell) -> DayOrMonth:
        """The founding date, or only its month (``2019-01``, ``01/2019``): stored as its
        first day with ``founded_precision`` "month"."""
        founded = parse_day_or_month(cell)
        if founded.date > self.today:
            shown = (
                f"{founded.date:%m/%Y}"
                if founded.precision == "month"
                else f"{founded.date:%d/%m/%Y}"
            )
            raise CellValueError(_("The date %(value)s is in the future.") % {"value": shown})
        return founded

    def read_employees(self, cell: Cell) -> int:
        return parse_count(cell, decimal_comma=self.decimal_comma)

    def read_women_led(self, cell: Cell) -> bool | None:
        return parse_flag(cell)

    read_sells_online = read_women_led

    def flush(self, rows: list[ParsedRow]) -> None:
        fresh: list[ParsedRow] = []
        for row in rows:
            ruc = row.values["ruc"]
            if ruc in self.seen:
                self._duplicate(row, "ruc", ruc, self.seen[ruc])
                continue
            self.seen[ruc] = row.line
            fresh.append(row)
        rucs = [r.values["ruc"] for r in fresh]
        names = ["pk", "ruc", "region_id", "founded_precision", *self.fields.values()]
        stored = {}
        for part in _chunks(rucs):
            for values in Business.objects.filter(ruc__in=part).values(*names):
                stored[values["ruc"]] = values
        now = timezone.now()
        creates, updates = [], []
        for row in fresh:
            given = {
                self.fields[k]: v
                for k, v in row.values.items()
                if k in self.fields and v is not None and v != ""
            }
            if "ubigeo" in given:
                given["region_id"] = given["ubigeo"][:2]
            if "founded" in given:
                given["founded"], given["founded_precision"] = given["founded"]
            current = stored.get(row.values["ruc"])
            if current is None:
                self.created += 1
                business = Business(
                    ruc=row.values["ruc"],
                    source=Source.IMPORT,
                    source_import=self.data_import,
                    **given,
                )
                business.fill_search_columns()  # bulk_create does not call save()
                creates.append(business)
            elif any(current.get(f, given[f]) != given[f] for f in given if f != "region_id"):
                self.updated += 1
                merged = {**current, **given}
                merged.update(
                    search_columns(
                        ruc=merged["ruc"],
                        legal_name=merged["legal_name"],
                        trade_name=merged["trade_name"],
                    )
                )
                updates.append(
                    (*(merged[f] for f in self._update_columns[:-2]),
                     self.data_import.pk if self.data_import else None, now, current["pk"])
                )  # fmt: skip
            else:
                self.unchanged += 1
        if self.dry_run:
            return
        Business.objects.bulk_create(creates, batch_size=1000)
        update_rows(Business, self._update_columns, updates)

    _update_columns = (
        "legal_name", "trade_name", "sector_id", "region_id", "ubigeo", "founded",
        "founded_precision", "employees", "women_led", "sells_online", "search_text", "sort_name",
        "source_import_id", "updated_at",
    )  # fmt: skip

    def _duplicate(self, row: ParsedRow, key: str, value: str, first: int) -> None:
        self.reject(
            row.line, [(key, value, _("Duplicate of line %(line)d (same RUC).") % {"line": first})]
        )


class MonthlyImporter(RowImporter):
    """Monthly records, unique on (business, period). A row states the whole month: an empty
    costs, employees or satisfaction cell stores "unknown"; a column absent from the file
    leaves stored values alone. After the import the touched businesses' size classes are
    recomputed."""

    kind = DataImport.Kind.MONTHLY
    columns = (
        Column("ruc", ("nro_ruc", "numero_ruc", "numero_de_ruc"), True, True),
        Column("period", ("periodo", "mes", "month"), True, True),
        Column("sales", ("ventas",), True, True),
        Column("costs", ("costos", "costo", "cost")),
        Column("employees", ("empleados", "trabajadores")),
        Column(
            "customer_satisfaction",
            ("satisfaction", "satisfaccion", "satisfaccion_cliente", "satisfaccion_del_cliente"),
        ),
    )
    # column key -> MonthlyRecord column, in write order
    fields = {
        "sales": "sales",
        "costs": "costs",
        "employees": "employees",
        "customer_satisfaction": "satisfaction",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.business_ids: dict[str, int | None] = {}
        self.seen: dict[tuple[int, dt.date], int] = {}
        self.touched: set[int] = set()

    def read_sales(self, cell: Cell):
        return self.amount(cell)

    read_costs = read_sales

    def read_employees(self, cell: Cell) -> int:
        return parse_count(cell, decimal_comma=self.decimal_comma)

    def read_customer_satisfaction(self, cell: Cell) -> str:
        return parse_satisfaction(cell)

    # The businesses a RUC may name; the API narrows it to the caller's scope.
    businesses = None

    def unknown_ruc_reason(self, ruc: str) -> str:
        return _("No business with RUC %(ruc)s: import the business first.") % {"ruc": ruc}

    def duplicate_reason(self, first: int) -> str:
        return _("Duplicate of line %(line)d (same RUC and period).") % {"line": first}

    def flush(self, rows: list[ParsedRow]) -> None:
        unknown = sorted({r.values["ruc"] for r in rows} - self.business_ids.keys())
        businesses = Business.objects.all() if self.businesses is None else self.businesses
        for part in _chunks(unknown):
            self.business_ids.update(dict.fromkeys(part))
            self.business_ids.update(businesses.filter(ruc__in=part).values_list("ruc", "pk"))
        fresh: list[tuple[ParsedRow, tuple[int, dt.date]]] = []
        for row in rows:
            ruc, period = row.values["ruc"], row.values["period"]
            business_id = self.business_ids[ruc]
            if business_id is None:
                self.reject(row.line, [("ruc", ruc, self.unknown_ruc_reason(ruc))])
                continue
            key = (business_id, period)
            if key in self.seen:
                reason = self.duplicate_reason(self.seen[key])
                self.reject(row.line, [("period", f"{period:%Y-%m}", reason)])
                continue
            self.seen[key] = row.line
            fresh.append((row, key))
        ids = sorted({key[0] for _row, key in fresh})
        periods = sorted({key[1] for _row, key in fresh})
        stored: dict[tuple[int, dt.date], tuple] = {}
        for part in _chunks(ids):
            query = MonthlyRecord.objects.filter(business_id__in=part, period__in=periods)
            for pk, business_id, period, *values in query.values_list(
                "pk", "business_id", "period", *self.fields.values()
            ):
                stored[(business_id, period)] = (pk, *values)
        source = self.data_import.pk if self.data_import else None
        present = [k for k in self.fields if self.has(k)]
        creates, updates = [], []
        for row, key in fresh:
            given = dict(row.values)
            if given.get("customer_satisfaction") is None and self.has("customer_satisfaction"):
                given["customer_satisfaction"] = ""
            current = stored.get(key)
            if current is None:
                self.created += 1
                creates.append(
                    (*key, *(given.get(k, "" if k == "customer_satisfaction" else None)
                             for k in self.fields), source)
                )  # fmt: skip
                self.touched.add(key[0])
                continue
            before = dict(zip(self.fields, current[1:], strict=True))
            if all(before[k] == given[k] for k in present):
                self.unchanged += 1
                continue
            self.updated += 1
            merged = {**before, **{k: given[k] for k in present}}
            updates.append((*(merged[k] for k in self.fields), source, current[0]))
            self.touched.add(key[0])
        if self.dry_run:
            return
        bulk_insert_rows(
            MonthlyRecord,
            ["business_id", "period", *self.fields.values(), "source_import_id"],
            creates,
        )
        update_rows(MonthlyRecord, [*self.fields.values(), "source_import_id"], updates)

    def finish(self) -> None:
        if self.touched and not self.dry_run:
            business_refresh_size_classes(business_ids=sorted(self.touched))


class IndicatorImporter(RowImporter):
    """Market indicator values, unique on (sector, region, period, name); an empty sector or
    ubigeo means the series covers all sectors or the whole country.

    A changed value is not silently overwritten: the old one is kept as an
    :class:`~businesses.models.IndicatorRevision`. A pull of a data source sets ``data_source``
    and ``pulled_at`` so that every value it writes knows where and when it came from.
    """

    data_source = None  # businesses.models.DataSource of a pull
    pulled_at = None

    kind = DataImport.Kind.INDICATORS
    columns = (
        Column("period", ("periodo", "mes", "month"), True, True),
        Column("name", ("indicator", "indicador", "nombre"), True, True),
        Column("value", ("valor",), True, True),
        Column("sector_code", ("sector", "ciiu", "codigo_ciiu")),
        Column("ubigeo", ("region", "codigo_region", "codigo_ubigeo")),
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sectors = set(Sector.objects.values_list("code", flat=True))
        self.regions = set(Region.objects.values_list("code", flat=True))
        self.seen: dict[tuple[str, str, dt.date, str], int] = {}

    def read_name(self, cell: Cell) -> str:
        return self.text(cell, max_length=80)

    def read_value(self, cell: Cell) -> float:
        return float(parse_number(cell, decimal_comma=self.decimal_comma))

    def read_sector_code(self, cell: Cell) -> str:
        """A CIIU section (letter) or division (two digits)."""
        code = _digits(cell).upper()
        if code.isdigit() and len(code) == 1:
            code = "0" + code
        if code not in self.sectors:
            raise CellValueError(
                _("“%(value)s” is not a CIIU Rev.4 section (A–U) or division (01–99).")
                % {"value": cell_text(cell)}
            )
        return code

    def read_ubigeo(self, cell: Cell) -> str:
        """A region: its 2-digit code or any ubigeo in it (the first two digits)."""
        code = _digits(cell)
        if code.isdigit() and len(code) in (1, 3, 5):
            code = "0" + code
        if not (code.isdigit() and len(code) in (2, 4, 6) and code[:2] in self.regions):
            raise CellValueError(
                _("“%(value)s” is not a region code (01–25) or a ubigeo.")
                % {"value": cell_text(cell)}
            )
        return code[:2]

    def flush(self, rows: list[ParsedRow]) -> None:
        fresh = []
        for row in rows:
            v = row.values
            key = (v.get("sector_code") or "", v.get("ubigeo") or "", v["period"], v["name"])
            if key in self.seen:
                reason = _(
                    "Duplicate of line %(line)d (same indicator, sector, region and period)."
                ) % {"line": self.seen[key]}
                self.reject(row.line, [("name", v["name"], reason)])
                continue
            self.seen[key] = row.line
            fresh.append((row, key))
        names = sorted({key[3] for _row, key in fresh})
        periods = sorted({key[2] for _row, key in fresh})
        stored = {}
        for part in _chunks(names):
            query = MarketIndicator.objects.filter(name__in=part, period__in=periods)
            for pk, sector, region, period, name, value in query.values_list(
                "pk", "sector_id", "region_id", "period", "name", "value"
            ):
                stored[(sector or "", region or "", period, name)] = (pk, value)
        version = self.data_import.pk if self.data_import else None
        source = self.data_source.pk if self.data_source else None
        pulled_at = self.pulled_at if source else None
        creates, updates = [], []
        for row, key in fresh:
            value = row.values["value"]
            current = stored.get(key)
            if current is None:
                self.created += 1
                creates.append(
                    (key[0] or None, key[1] or None, key[2], key[3], value, version, source,
                     pulled_at)
                )  # fmt: skip
            elif current[1] == value:
                self.unchanged += 1
            else:
                self.updated += 1
                updates.append((value, version, source, pulled_at, current[0], current[1]))
        if self.dry_run:
            return
        # A revised value: the old one is kept, with where and when it came from (read for the
        # changed rows only: most pulls change few values).
        provenance = {}
        changed = [u[4] for u in updates]
        for part in _chunks(changed):
            for pk, *old in MarketIndicator.objects.filter(pk__in=part).values_list(
                "pk", "source_import_id", "source_id", "pulled_at"
            ):
                provenance[pk] = old
        user = self.data_import.uploaded_by_id if self.data_import else None
        now = timezone.now()
        revisions = []
        for new_value, *_written, pk, old_value in updates:
            old_version, old_source, old_pulled_at = provenance[pk]
            revisions.append(
                (pk, old_value, new_value, old_version, version, old_source, source,
                 old_pulled_at, now, user)
            )  # fmt: skip
        updates = [u[:5] for u in updates]
        bulk_insert_rows(
            MarketIndicator,
            ["sector_id", "region_id", "period", "name", "value", "source_import_id",
             "source_id", "pulled_at"],
            creates,
        )  # fmt: skip
        update_rows(
            MarketIndicator, ["value", "source_import_id", "source_id", "pulled_at"], updates
        )
        bulk_insert_rows(
            IndicatorRevision,
            ["indicator_id", "old_value", "new_value", "old_import_id", "new_import_id",
             "old_source_id", "source_id", "old_pulled_at", "revised_at", "revised_by_id"],
            revisions,
        )  # fmt: skip


IMPORTERS: dict[str, type[RowImporter]] = {
    DataImport.Kind.BUSINESSES: BusinessImporter,
    DataImport.Kind.MONTHLY: MonthlyImporter,
    DataImport.Kind.INDICATORS: IndicatorImporter,
}
