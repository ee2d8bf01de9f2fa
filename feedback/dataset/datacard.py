"""The data card of an export (``datacard.md``): Spanish first, then English.

It is a document of its own in both languages (whoever receives the files reads both), so its
text is written here in both rather than through the portal's translations.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from businesses.disclosure import rules
from businesses.models import Business, DataImport, DataSource
from core.templatetags.asesor_format import local_datetime


def _sources() -> dict:
    imports = list(
        DataImport.objects.filter(status=DataImport.Status.SUCCEEDED)
        .values("kind")
        .annotate(n=Count("pk"), last=Max("pk"), last_at=Max("created_at"))
        .order_by("kind")
    )
    by_source = dict(
        Business.objects.values_list("source").annotate(n=Count("pk")).order_by("source")
    )
    market = list(
        DataSource.objects.order_by("name").values(
            "name", "provider", "licence", "enabled", "last_success_at"
        )
    )
    return {"imports": imports, "by_source": by_source, "market": market}


def _date(value) -> str:
    """A day; an instant's day on the local clock (TIME_ZONE), not UTC's."""
    if not value:
        return "—"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def datacard_markdown(ctx: dict, files: dict[str, dict]) -> str:
    src = _sources()
    rule = rules()
    data = ctx["data"]
    since = ctx["since"].strftime("%Y-%m") if ctx["since"] else None
    period = f"{since or ctx['first_month']} – {ctx['last_month']}"
    cut = ctx["cutoffs"]
    cut_text = f"{cut[0]} – {cut[-1]} ({len(cut)})" if cut else "—"
    versions = ctx["versions"]
    lines: list[str] = []
    add = lines.append

    def versions_table() -> None:
        add("| kind | version | status | trained | data version | data fingerprint | held-out |")
        add("| --- | --- | --- | --- | --- | --- | --- |")
        for v in versions:
            kept = "yes / sí" if v.kind in ctx["heldout_versions"] else "no"
            add(
                f"| {v.kind} | v{v.version} | {v.status} | {_date(v.created_at)} | "
                f"{v.data_version or '—'} | `{(v.data_fingerprint or '')[:16]}` | {kept} |"
            )
        if not versions:
            add("| — | — | — | — | — | — | — |")

    def files_table() -> None:
        add("| file | rows | description |")
        add("| --- | --- | --- |")
        for name, info in files.items():
            add(f"| `{name}` | {info['rows']:,} | {info['description']} |")
        add("| `datacard.md` | — | This card / esta ficha. |")
        add("| `manifest.json` | — | Files with their SHA-256, rows and columns; versions. |")

    def sources_table() -> None:
        add("| kind | imports | last import (data version) | on |")
        add("| --- | --- | --- | --- |")
        for imp in src["imports"]:
            add(f"| {imp['kind']} | {imp['n']} | #{imp['last']} | {_date(imp['last_at'])} |")
        if not src["imports"]:
            add("| — | 0 | — | — |")
        add("")
        origin = ", ".join(f"{k}: {n:,}" for k, n in src["by_source"].items()) or "—"
        add(f"Businesses by origin / empresas por origen: {origin}.")
        if src["market"]:
            add("")
            add("| market source | provider | licence | enabled | last success |")
            add("| --- | --- | --- | --- | --- |")
            for s in src["market"]:
                add(
                    f"| {s['name']} | {s['provider']} | {s['licence'] or '—'} | "
                    f"{'yes' if s['enabled'] else 'no'} | {_date(s['last_success_at'])} |"
                )

    notes = ctx["notes"]
    outlier = ctx["preprocessing"].get("outlier_rule", {})

    add("# Ficha de datos / Data card — Asesor MYPE")
    add("")
    add(f"Exportado / exported: {local_datetime(ctx['exported_at'])} ({settings.TIME_ZONE}) · "
        f"formato / format: "
        f"**{ctx['format']}** · periodo / period: **{period}** · clave de seudónimos / "
        f"pseudonym key id: `{ctx['key_id']}` ({ctx['key_source']})")  # fmt: skip
    add("")
    add("## Archivos / Files")
    add("")
    files_table()
    add("")
    add("## Versiones / Versions")
    add("")
    versions_table()
    add("")
    add(f"Datos de entrenamiento / training data: versión de datos (última importación) "
        f"{data.data_version or '—'}, huella / fingerprint `{data.fingerprint[:16]}`, "
        f"{ctx['businesses']:,} empresas / businesses, {len(data.records):,} registros mensuales / "
        f"monthly records, {len(data.indicators):,} valores de mercado / market values"
        + (" (con historial de versiones / with vintages)" if data.indicator_vintages is not None
           else " (sin historial de versiones / no vintages)") + ".")  # fmt: skip
    add("")
    add("## Fuentes / Sources")
    add("")
    sources_table()
    add("")

    # ---------------------------------------------------------------- Spanish
    add("## En español")
    add("")
    add("**Qué es.** El panel mensual de las MYPE que siguen los asesores de PRODUCE (ventas, "
        "costos, trabajadores, satisfacción), los atributos no identificadores de cada empresa, "
        "los indicadores de mercado, las variables (features) del motor en cada mes de corte con "
        "que se entrenan los modelos de producción (y el último mes), su catálogo, las "
        "etiquetas (crecimiento de 10 % en 12 meses; ventas de 1 a 6 meses después), las "
        "etiquetas y valoraciones de los asesores, y las predicciones fuera de muestra de los "
        "modelos de producción.")  # fmt: skip
    add("")
    add(f"**Periodo.** Registros de {period}. Meses de corte de las variables: {cut_text}."
        + (f" Con --since {since}: registros, indicadores, variables, etiquetas, valoraciones y "
           "predicciones de ese mes en adelante; las variables de esos cortes sí leen la "
           "historia anterior, como los modelos." if since else ""))  # fmt: skip
    add("")
    add("**Preprocesamiento.** Las variables son `build_features` del motor "
        "(`forecasting/engine`) sobre los mismos archivos exportados: ventas en log1p(soles); "
        "meses sin registro quedan vacíos (desconocidos, nunca cero); valores atípicos "
        f"recortados por empresa ({outlier.get('name', '—')}, k = {outlier.get('k', '—')}) "
        "solo en las variables, nunca en las etiquetas; medias de grupo (sector, región) con "
        f"contracción {ctx['preprocessing'].get('group_mean_shrinkage', '—')}; "
        f"valores recortados: {ctx['preprocessing'].get('capped_values', '—')}. La fecha de "
        "fundación se reduce al año (el motor lee el 1 de enero de ese año). Las etiquetas "
        "de crecimiento son las del motor (`labels.growth_labels_from_matrix`), con ventanas "
        f"parciales: {'sí' if ctx['partial_labels'] else 'no'}.")  # fmt: skip
    add("")
    add("**Seudonimización y reglas de divulgación aplicadas.** Cada empresa se identifica solo "
        "por un seudónimo: HMAC-SHA256 con una clave secreta del servidor sobre el RUC, "
        "53 bits (estable entre exportaciones con la misma clave; sin la clave no se puede "
        "calcular desde un RUC). No se exporta el RUC, la razón social, el nombre comercial, "
        "la dirección, el ubigeo distrital, teléfono ni correo, ni ningún texto libre "
        "(comentarios, motivos, resultados escritos), ni quién (asesor) registró algo: las "
        "valoraciones llevan solo el mes. Son microdatos seudonimizados, no estadísticas "
        "publicadas: las reglas de celdas (mínimo "
        f"{rule.min_contributors} contribuyentes, dominancia "
        f"(2, {round(rule.dominance_k * 100)}), "
        f"p % = {round(rule.p * 100)}) protegen lo que se publica a partir de ellos y deben "
        "aplicarse a cualquier cifra que se publique con estos datos. La columna "
        "`partner_contributed` marca las empresas creadas o alimentadas por un sistema aliado "
        f"({ctx['partner_businesses']:,}): no cuentan en ninguna estadística "
        "publicada.")  # fmt: skip
    add("")
    add("**Quién puede recibirlo.** Solo el personal de ciencia de datos del Ministerio de la "
        "Producción con un acuerdo de confidencialidad, para desarrollar y evaluar los modelos; "
        "no se publica ni se comparte con terceros. Quien lo recibe no intenta reidentificar "
        "empresas (una serie de ventas exacta puede reconocerse por quien la conoce) y borra la "
        "copia al terminar. La clave de seudónimos nunca sale del servidor.")  # fmt: skip
    add("")
    add("**Limitaciones conocidas.**")
    add("")
    add("- Datos de demostración: si las empresas vienen de `seed_demo` (origen `demo`), el panel "
        "es sintético.")  # fmt: skip
    add("- Las predicciones fuera de muestra se guardan al entrenar; un modelo entrenado antes "
        "no las tiene (ver notas).")  # fmt: skip
    add("- Los modelos de producción se ajustaron con los indicadores tal como están guardados; "
        "las mediciones fuera de muestra, con los valores conocidos en cada corte cuando hay "
        "historial (`indicator_vintages`).")  # fmt: skip
    add("- `in_forecaster_training` marca el mes de corte; el pronosticador usa de él solo las "
        "filas cuyo objetivo está registrado (y una muestra en paneles grandes).")  # fmt: skip
    add("- `age_months` se calcula desde el 1 de enero del año de fundación.")
    add("")

    # ---------------------------------------------------------------- English
    add("## In English")
    add("")
    add("**What it is.** The monthly panel of the small businesses PRODUCE's advisors follow "
        "(sales, costs, employees, satisfaction), each business's non-identifying attributes, "
        "the market indicators, the engine's features at every cut-off month the production "
        "models train on (and the latest month) with their catalogue, the labels (10 % growth "
        "over 12 months; sales 1 to 6 months ahead), the advisors' labels and verdicts, and the "
        "production models' held-out predictions.")  # fmt: skip
    add("")
    add(f"**Period.** Records {period}. Feature cut-offs: {cut_text}."
        + (f" With --since {since}: records, indicators, features, labels, feedback and "
           "predictions from that month on; the features at those cut-offs still read the "
           "history before it, as the models do." if since else ""))  # fmt: skip
    add("")
    add("**Preprocessing.** The features are the engine's `build_features` "
        "(`forecasting/engine`) of the exported files themselves: sales as log1p(soles); months "
        "without a record stay empty (unknown, never zero); per-business outlier capping "
        f"({outlier.get('name', '—')}, k = {outlier.get('k', '—')}) in the features only, never "
        "in the labels; group means (sector, region) shrunk with "
        f"{ctx['preprocessing'].get('group_mean_shrinkage', '—')}; values capped: "
        f"{ctx['preprocessing'].get('capped_values', '—')}. The founding date is cut to the year "
        "(the engine reads 1 January of it). Growth labels are the engine's "
        "(`labels.growth_labels_from_matrix`), partial windows: "
        f"{'yes' if ctx['partial_labels'] else 'no'}.")  # fmt: skip
    add("")
    add("**Pseudonymisation and disclosure rules applied.** A business is known only by a "
        "pseudonym: HMAC-SHA256 over its RUC with a server-side secret key, 53 bits (stable "
        "across exports with the same key; nobody without the key can compute it from a RUC). "
        "Never exported: RUC, legal or trade name, address, district ubigeo, phone, e-mail, any "
        "free text (comments, reasons, written results) or who (which advisor) recorded "
        "anything; feedback carries only its month. This is pseudonymised microdata, not "
        f"published statistics: the cell rules (at least {rule.min_contributors} contributors, "
        f"(2, {round(rule.dominance_k * 100)}) dominance, p % = {round(rule.p * 100)}) protect "
        "what is published from it and must be applied to any figure published from these "
        "files. `partner_contributed` marks the businesses a partner system created or fed "
        f"({ctx['partner_businesses']:,}): they count in no published statistic.")  # fmt: skip
    add("")
    add("**Who may receive it.** Only the Ministry of Production's data-science staff under a "
        "confidentiality agreement, to develop and evaluate the models; it is not published or "
        "passed on. Recipients do not try to re-identify businesses (an exact sales series can "
        "be recognised by whoever knows it) and delete their copy when done. The pseudonym key "
        "never leaves the server.")  # fmt: skip
    add("")
    add("**Known limitations.**")
    add("")
    add("- Demo data: businesses from `seed_demo` (origin `demo`) are a synthetic panel.")
    add("- Held-out predictions are stored when a model is trained; a model trained before "
        "that has none (see the notes).")  # fmt: skip
    add("- The production models were fitted on the indicators as stored; the held-out "
        "measurements on the values as known at each cut-off when a history exists "
        "(`indicator_vintages`).")  # fmt: skip
    add("- `in_forecaster_training` flags the cut-off month; the forecaster uses only its rows "
        "whose target is recorded (and a sample on large panels).")  # fmt: skip
    add("- `age_months` counts from 1 January of the founding year.")
    add("")
    add("## Notas / Notes")
    add("")
    for note in notes or ["—"]:
        add(f"- {note}")
    add("")
    add(f"Zona horaria / time zone: {settings.TIME_ZONE}.")
    return "\n".join(lines) + "\n"
