"""The BCRPData source and series mapping shipped with the product (loaded by a data migration,
then edited by stewards in the admin; the source starts disabled).

Series of the BCRP's monthly table "Producto bruto interno y demanda interna (índice 2007=100)",
the production index of each economic sector (codes as published in BCRPData, checked against
public uses of the API; stewards should confirm them in the BCRP's series catalogue before
enabling the source):

| code      | BCRP series                      | indicator                        | sector |
| --------- | -------------------------------- | -------------------------------- | ------ |
| PN01755AM | Agropecuario                     | bcrp_sector_production_index     | 01     |
| PN01758AM | Pesca                            | bcrp_sector_production_index     | 03     |
| PN01759AM | Minería e hidrocarburos          | bcrp_sector_production_index     | B      |
| PN01762AM | Manufactura                      | bcrp_sector_production_index     | C      |
| PN01765AM | Electricidad y agua              | bcrp_sector_production_index     | D      |
| PN01766AM | Construcción                     | bcrp_sector_production_index     | F      |
| PN01767AM | Comercio                         | bcrp_sector_production_index     | G      |
| PN01768AM | Otros servicios                  | bcrp_services_production_index   | —      |
| PN01770AM | PBI (total)                      | bcrp_gdp_index                   | —      |
"""

BCRP_SOURCE = {
    "name": "BCRPData",
    "provider": "Banco Central de Reserva del Perú (BCRP)",
    "kind": "bcrp_api",
    "url": "https://estadisticas.bcrp.gob.pe/estadisticas/series/api",
    "contact": "https://estadisticas.bcrp.gob.pe/estadisticas/series/ayuda/api",
    "licence": (
        "Datos públicos del BCRP (BCRPData); citar la fuente. Revise los términos de uso del "
        "BCRP antes de habilitar la fuente."
    ),
    "description": (
        "Índices mensuales de producción por sector económico (PBI y demanda interna, índice "
        "2007=100), vía la API para desarrolladores de BCRPData."
    ),
    "update_frequency": "monthly",
    "language": "esp",
    "enabled": False,
    "is_demo": True,
}

SECTOR_INDEX = "bcrp_sector_production_index"

# (code, description, indicator, sector, region)
BCRP_SERIES = [
    ("PN01755AM", "PBI - Agropecuario (índice 2007=100)", SECTOR_INDEX, "01", None),
    ("PN01758AM", "PBI - Pesca (índice 2007=100)", SECTOR_INDEX, "03", None),
    ("PN01759AM", "PBI - Minería e hidrocarburos (índice 2007=100)", SECTOR_INDEX, "B", None),
    ("PN01762AM", "PBI - Manufactura (índice 2007=100)", SECTOR_INDEX, "C", None),
    ("PN01765AM", "PBI - Electricidad y agua (índice 2007=100)", SECTOR_INDEX, "D", None),
    ("PN01766AM", "PBI - Construcción (índice 2007=100)", SECTOR_INDEX, "F", None),
    ("PN01767AM", "PBI - Comercio (índice 2007=100)", SECTOR_INDEX, "G", None),
    (
        "PN01768AM",
        "PBI - Otros servicios (índice 2007=100)",
        "bcrp_services_production_index",
        None,
        None,
    ),
    ("PN01770AM", "PBI (índice 2007=100)", "bcrp_gdp_index", None, None),
]

# The SUNAT padrón reducido del RUC. Public code that downloads it uses
# http://www2.sunat.gob.pe/padron_reducido_ruc.zip; sources are fetched over https only, so the
# source ships with the https form of that address, disabled: a steward checks that SUNAT serves
# it there (and that the host is on the allow-list), confirms the URL and enables the source.
SUNAT_SOURCE = {
    "name": "SUNAT padrón reducido",
    "provider": "Superintendencia Nacional de Aduanas y de Administración Tributaria (SUNAT)",
    "kind": "sunat_padron",
    "url": "https://www2.sunat.gob.pe/padron_reducido_ruc.zip",
    "contact": "https://www.sunat.gob.pe/descargaPRR/mrc137_padron_reducido.html",
    "licence": "Información pública de SUNAT (padrón reducido del RUC).",
    "description": (
        "Padrón reducido del RUC: estado del contribuyente, condición de domicilio, ubigeo y "
        "dirección de cada contribuyente; publicado a diario como un zip de un archivo de texto "
        "(ISO-8859-1, separado por |). Solo se actualizan los RUC que el registro conoce."
    ),
    "update_frequency": "daily",
    "language": "esp",
    "enabled": False,
    "is_demo": True,
}
