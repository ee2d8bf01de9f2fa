"""The data contract between the Django side, the synthetic generator and the models.

Three long DataFrames carry everything the engine reads. Column names are the constants
below; nothing else in the engine spells them out.

``businesses`` — one row per business (static attributes):
    business_id      int64, unique key
    sector_section   str, CIIU Rev.4 section letter "A".."U"
    sector_division  str, CIIU Rev.4 division "01".."99" (two digits)
    region_code      str, first-level ubigeo "01".."25"
    founded          datetime64[ns] (month start) or NaT
    women_led        bool
    sells_online     bool
    (the generator also returns ruc, legal_name, trade_name, ubigeo, employees for seeding)

``records`` — one row per business and observed month (a missing month has no row; it is
unknown, never zero):
    business_id      int64
    period           datetime64[ns], first day of the month
    sales            float64 >= 0, soles (required; 0 is a real month without sales)
    costs            float64 >= 0 or NaN (many businesses report sales alone)
    employees        float64 >= 0 or NaN
    satisfaction     float64 in {0 (low), 1 (medium), 2 (high)} or NaN

``indicators`` — market data, one row per series and month:
    sector_division  str or None (None: the indicator is not sector specific)
    region_code      str or None (None: national)
    period           datetime64[ns], first day of the month
    name             str, e.g. "sector_production_index"
    value            float64
    known_from       optional, datetime64[ns] month start or NaT: the first cut-off month at
                     which this value was known. With the column, a value of a (series, month)
                     may come in several rows, one per vintage (the first value received, then
                     each revision); at cut-off ``T`` the features read, for each month, the
                     row with the latest ``known_from <= T`` (NaT: known at every cut-off; rows
                     with equal ``known_from``: the later row wins) and a month with no such
                     row is unknown (NaN). Without the column every value is taken as known at
                     every cut-off (the values as currently stored).
"""

BUSINESS_ID = "business_id"
PERIOD = "period"
SALES = "sales"
COSTS = "costs"
EMPLOYEES = "employees"
SATISFACTION = "satisfaction"

SECTOR_SECTION = "sector_section"
SECTOR_DIVISION = "sector_division"
REGION_CODE = "region_code"
FOUNDED = "founded"
WOMEN_LED = "women_led"
SELLS_ONLINE = "sells_online"

INDICATOR_NAME = "name"
INDICATOR_VALUE = "value"
INDICATOR_KNOWN_FROM = "known_from"
# The market indicator the advice, the market pages and the API read as "the sector's
# production index" (the generator and the BCRP mapping publish under this name).
PRODUCTION_INDEX = "sector_production_index"

SATISFACTION_LEVELS = {"low": 0.0, "medium": 1.0, "high": 2.0}

RECORD_COLUMNS = [BUSINESS_ID, PERIOD, SALES, COSTS, EMPLOYEES, SATISFACTION]
BUSINESS_COLUMNS = [
    BUSINESS_ID,
    SECTOR_SECTION,
    SECTOR_DIVISION,
    REGION_CODE,
    FOUNDED,
    WOMEN_LED,
    SELLS_ONLINE,
]
INDICATOR_COLUMNS = [SECTOR_DIVISION, REGION_CODE, PERIOD, INDICATOR_NAME, INDICATOR_VALUE]

HORIZONS = (1, 2, 3, 4, 5, 6)
DEFAULT_GROWTH_RATE = 0.10
