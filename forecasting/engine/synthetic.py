"""A synthetic panel of Peruvian MYPEs drawn from a documented process, with its oracle.

``generate_panel(n_businesses, n_months, seed)`` returns a :class:`SyntheticPanel`: the three
frames of :mod:`forecasting.engine.schema` (businesses, monthly records, market indicators) and
two oracles computed from the generator's own latent state — the true expected ``log1p(sales)``
h months ahead and the true probability of the growth label. Models trained on the panel are
reported against the oracle: the gap between a model and the oracle is what better modelling
could still win; the gap between the oracle and perfection is noise nobody can predict.

Everything is deterministic for ``(n_businesses, n_months, seed, start)``: the Django side stores
those four numbers and regenerates the panel to score the oracle later. No Django import here.

The process
===========

Time runs in months ``t = 0 .. T-1`` from ``start``. Every quantity below is per month; "sd" is
a standard deviation of a normal draw unless said otherwise; ``LN(0, s)`` is ``exp(N(0, s))``.

1. Population (static attributes)
---------------------------------
* Region: the 25 first-level ubigeo codes with weights close to the registry's spread of MYPEs
  (``REGIONS``): Lima 15 ~42 %, then Arequipa, La Libertad, Piura, Cusco, Lambayeque, Junín,
  Callao ... down to Huancavelica and Pasco (< 0.5 %). The ubigeo adds a province (01, the
  department capital, for most) and a district. Each region has a zone (coast, highland,
  jungle) that shapes harvest, construction and tourism seasons.
* Sector: 22 CIIU Rev.4 divisions (``SECTORS``) — commerce G 45/46/47 ~46 %, accommodation and
  food I 55/56 ~12 %, other services (S 95/96, M 69, N 79/82, J 62, H 49, P 85, Q 86, R 93)
  ~22 %, manufacturing C 10/14/16/25/31 ~11 %, agriculture A 01 3 %, construction F 43 3 %.
* Size: log monthly sales level ``N(log 7,000 + sector offset + region offset, 1.1)`` (a median
  micro business sells about S/ 7,000 a month); 1 % are *huge* (+N(3.0, 0.4) in logs, i.e.
  about 20 times larger, with lower noise, never intermittent).
* Age: years since founding at the start ~ ``LN(log 6, 0.8)`` clipped to [0.2, 45]; founded is
  unknown (NaT) for 3 % in the registry (the latent date still drives the process).
* women_led: a sector-specific probability (apparel, personal services and food services about
  65 %, construction and transport about 10 %), ~45 % overall. sells_online: logistic in sector,
  Lima/Callao and youth, ~28 % overall.
* Latent margin: sector mean (12 % wholesale .. 45 % accounting) + N(0, 0.10), clipped to
  [-0.3, 0.85]. Latent customer satisfaction: N(0, 1).
* Employees: ``2.5 * exp(0.75 * (size - median))`` times LN(0, 0.4), at least 1, following the
  business's level over time.
* RUC: prefix 10 (natural person, ~75 %) or 20 (company; most huge businesses), eight random
  digits and the SUNAT check digit; unique. Names from small word lists: a natural person's
  legal name is the owner's name in SUNAT style (``QUISPE MAMANI ROSA``); a company is
  ``Inversiones Andina S.A.C.``-like; trade names follow the sector (``Bodega Santa Rosa``).

2. Market (the indicators)
--------------------------
Log market level of sector k in region g at month t (the log of the index over 100)::

    M[k,g,t] = (tau_nat + tau_k + tau_g) t + beta_k c[t] + s[k,t] + r[g,t] + e[k,g,t] + X[k,g,t]
    X[k,g,t+1] = X[k,g,t] + a[k,t] + b[k,g,t]        (X = 0 at the panel's first month)

with a national cycle ``c`` (AR(1), phi 0.90, sd 0.010), sector shocks ``s`` (phi 0.85, sd
0.015), region shocks ``r`` (phi 0.80, sd 0.008), sector-region shocks ``e`` (phi 0.75, sd
0.012), a national trend tau_nat = 0.25 %/month (3 % a year), sector trends tau_k ~ N(0, 0.15 %)
and region trends tau_g ~ N(0, 0.08 %) per month, and a cyclical sensitivity beta_k (1.5 for
construction, 0.5 for health). ``X`` is market momentum — sector booms and busts that last
years, like tourism's recovery after 2020: its monthly growth is a sector part ``a`` and a
sector-region part ``b``, each AR(1) with phi 0.95 and sd 0.0008 (together about ±4 % a year).
The AR states start from 36 months of burn-in. Indicators
(seasonally adjusted, with a measurement noise LN(0, 0.004), rounded to 2 decimals):

* ``national_activity_index`` (sector None, region None): ``100 exp(tau_nat t + c)``
* ``regional_activity_index`` (sector None, region g): ``100 exp(tau_nat t + tau_g t + c + r)``
* ``sector_production_index`` (sector k, region g): ``100 exp(M[k,g,t])``

Because the shocks are persistent, the lagged indices say where the market is and part of where
it goes (``phi^h`` of today's deviation survives h months, and the last year's momentum goes
on), and the trends say the rest. The effect on one business is small beside its own noise.

3. A business's latent state
----------------------------
Latent level ``L`` (a log, without market and season) follows a random walk with drift::

    L[t+1] = L[t] + g[t] + sigma_rw u[t]            (frozen before the founding month)
    g[t]   = 0.0005
           + 0.04  (margin - sector margin)          profitable within its sector
           + 0.004 satisfaction                    satisfied customers come back
           + 0.004 sells_online                    digital adoption
           + 0.012 exp(-age / 2 years)             young firms grow faster ...
           - 0.003 clip(L - size reference, -2, 2) ... and so do small ones (regression)
           + z                                      persistent idiosyncratic drift, N(0, 0.005)
           + d[t]                                   regime: N(0, 0.006), redrawn w.p. 1/48 a month
           + a[t]                                   AR(1) drift, phi 0.85, sd 0.002
    sigma_rw = 0.04 LN(0, 0.3) (1 + exp(-age / 2 years))   young firms are more volatile

The drift is what makes a business a growth opportunity: about 40 % of its spread comes from
observables (margin through costs, satisfaction, online sales, age, size), the rest (z, d, a)
only shows through the sales path — learnable from past growth, never perfectly.

Expected log sales: ``L[t] + elasticity (M[k,g,t]) + season[month]``, where the elasticity is
the sector's beta times LN(0, 0.25), and the season is the sector profile (``_PROFILES``:
December retail peak, Fiestas Patrias gratification in July, school season February-March for
apparel and education, tax season March-April for accountants, tourism July-August and, in
Cusco, Puno, Arequipa and Madre de Dios, a dry-season tourist peak June-August with a rainy-
season trough, harvest seasons by zone for agriculture and food manufacturing — agro-export on
the coast November-February, potatoes in the highlands April-July, coffee and cacao in the
jungle May-July — and a dry-season construction peak stronger in the highlands), scaled by
LN(0, 0.35) per business plus an idiosyncratic N(0, 0.05) monthly profile.

Exit: a business closes (stops reporting for good) with monthly hazard
``min(0.05, 0.0012 exp(-150 g) + 0.004 exp(-age / 2 years))`` — shrinking and young businesses
close more often (a few % a year overall).

4. Observation (the records)
----------------------------
* Noise: ``log sales = expected + sigma_b N(0,1)``; sigma_b is the sector's base (0.17 retail ..
  0.35 construction) times ``exp(-0.08 (size - median))`` (small is noisier), LN(0, 0.2) and
  ``1 + 0.4 exp(-age / 2 years)``; huge businesses x 0.6; clipped to [0.06, 0.6].
* Outliers: 1.5 % of months shift by ±U(0.5, 1.5) in logs (40 % spikes, 60 % drops): a real
  one-off event, which the costs follow.
* Intermittent businesses (7 %): an on/off Markov chain (on->off U(0.15, 0.4), off->on
  U(0.25, 0.6)); an off month has sales 0 (a real zero, recorded).
* Entry errors (0.5 % of reported months): sales typed x10 or /10, or sales and costs swapped
  (only where costs are reported). Errors are in the records, not in the truth.
* Costs: ``sales x (1 - margin - N(0, 0.05))``, reported in 95 % of months, rounded to cents.
* Missing months (no row): 3 % at random; 12 % of businesses are *gappy* and stop reporting for
  stretches (report->stop 0.04, stop->report 0.2: gaps of ~5 months); months after an exit.
* Short series (20 %): the business enters the registry 2-24 months before the panel's end (60
  % of them are new firms founded that month, slightly smaller than their peers).
* Sales only (35 %): the business never reports costs, employees or satisfaction (NaN).
  The others report employees in 90 % and satisfaction in 70 % of their months; satisfaction is
  ``satisfaction + N(0, 0.9)`` cut at -0.6 and 0.8 into low / medium / high (0 / 1 / 2).

5. The oracle
-------------
The panel keeps every latent state (levels, drift parts, on/off, reporting, alive, market
shocks) for every month. The oracle restarts the very same vectorised step function from the
state at a cut-off, with its own random stream (seeded from the seed, the cut-off and the
question asked) and ``n_draws`` simulated futures per business, including future noise,
outliers, zeros, entry errors and missing months:

* ``oracle_log_sales``: the mean of ``log1p(recorded sales)`` at cut-off + h over the draws in
  which the month is recorded — ``E[log1p(sales) | latent state, month recorded]``.
* ``oracle_growth_probability``: the observed past 12 months (as generated, NaN for missing)
  and each simulated future 12 months go through ``labels.growth_labels_from_windows``; the
  probability is the share of draws labelled 1 among the draws where the label is defined (NaN
  when it is defined in fewer than 10 % of the draws).

The oracle reads the latent state saved at generation, never ``records``: editing the frames
does not change it. What the models can see: records, indicators and the static attributes;
not: the latent level, margin, satisfaction, drift components, elasticities, on/off or
reporting states, nor which months carry an outlier or an entry error.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.engine import labels, schema

# --------------------------------------------------------------------------------------------
# Population tables
# --------------------------------------------------------------------------------------------

# code, name, weight (share of MYPEs, %), zone, log-size offset
REGIONS: list[tuple[str, str, float, str, float]] = [
    ("01", "Amazonas", 0.6, "jungle", -0.2),
    ("02", "Áncash", 2.4, "coast", 0.0),
    ("03", "Apurímac", 0.7, "highland", -0.2),
    ("04", "Arequipa", 6.2, "coast", 0.1),
    ("05", "Ayacucho", 1.1, "highland", -0.2),
    ("06", "Cajamarca", 2.2, "highland", -0.2),
    ("07", "Callao", 3.6, "coast", 0.2),
    ("08", "Cusco", 4.4, "highland", 0.0),
    ("09", "Huancavelica", 0.4, "highland", -0.3),
    ("10", "Huánuco", 1.3, "highland", -0.2),
    ("11", "Ica", 2.6, "coast", 0.05),
    ("12", "Junín", 4.2, "highland", 0.0),
    ("13", "La Libertad", 5.8, "coast", 0.1),
    ("14", "Lambayeque", 4.3, "coast", 0.05),
    ("15", "Lima", 42.0, "coast", 0.25),
    ("16", "Loreto", 1.7, "jungle", -0.1),
    ("17", "Madre de Dios", 0.5, "jungle", 0.0),
    ("18", "Moquegua", 0.6, "coast", 0.05),
    ("19", "Pasco", 0.4, "highland", -0.2),
    ("20", "Piura", 5.0, "coast", 0.05),
    ("21", "Puno", 2.3, "highland", -0.2),
    ("22", "San Martín", 1.9, "jungle", -0.1),
    ("23", "Tacna", 1.6, "coast", 0.05),
    ("24", "Tumbes", 0.8, "coast", -0.05),
    ("25", "Ucayali", 1.3, "jungle", -0.1),
]
TOURISM_REGIONS = ("04", "08", "17", "21")

# Monthly log deviations, January .. December (centred when used).
_PROFILES: dict[str, list[float]] = {
    "retail": [-0.10, -0.08, 0.05, -0.02, 0.05, 0.00, 0.10, 0.00, -0.03, -0.02, 0.03, 0.30],
    "wholesale": [-0.10, -0.08, 0.02, -0.02, 0.00, 0.00, 0.05, 0.00, 0.02, 0.05, 0.12, 0.12],
    "motor": [0.00, -0.03, 0.02, 0.00, 0.00, -0.02, 0.03, 0.00, 0.00, 0.00, 0.00, 0.05],
    "food_service": [0.05, 0.03, -0.05, -0.03, 0.02, -0.02, 0.10, 0.02, -0.04, -0.03, 0.00, 0.15],
    "accommodation": [0.10, 0.08, -0.15, 0.00, -0.15, -0.05, 0.30, 0.30, -0.05, -0.10, -0.15, 0.05],
    "travel": [0.10, 0.00, -0.15, 0.00, -0.15, 0.00, 0.30, 0.25, -0.05, -0.10, -0.10, 0.10],
    "transport": [0.05, 0.03, -0.03, 0.05, -0.03, -0.03, 0.10, 0.00, -0.03, -0.03, 0.00, 0.12],
    "personal": [0.00, -0.03, 0.00, -0.02, 0.03, -0.02, 0.07, -0.02, -0.03, -0.02, 0.00, 0.20],
    "repair": [0.02, 0.00, 0.00, 0.00, 0.00, 0.00, 0.02, 0.00, 0.00, 0.00, 0.00, 0.03],
    "accounting": [-0.05, 0.00, 0.20, 0.15, -0.03, -0.05, -0.02, -0.05, -0.05, -0.05, -0.05, 0.00],
    "office": [-0.05, -0.03, 0.03, 0.02, 0.02, 0.00, 0.00, 0.00, 0.02, 0.02, 0.02, 0.00],
    "software": [-0.08, -0.05, 0.02, 0.02, 0.02, 0.02, 0.00, 0.00, 0.02, 0.02, 0.02, 0.00],
    "food_mfg": [-0.05, -0.05, 0.00, 0.00, 0.00, -0.03, 0.05, -0.02, -0.02, 0.00, 0.10, 0.30],
    "apparel": [-0.10, 0.10, 0.20, -0.05, 0.00, -0.05, 0.10, -0.05, -0.05, -0.05, 0.00, 0.20],
    "building_inputs": [-0.10, -0.10, -0.05, 0.00, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.03, 0.02],
    "furniture": [-0.08, -0.05, 0.00, 0.00, 0.05, 0.00, 0.05, 0.00, -0.02, 0.00, 0.05, 0.15],
    "agriculture": [0.0] * 12,  # harvest by zone, below
    "construction": [-0.15, -0.15, -0.10, 0.00, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
    "education": [-0.45, -0.30, 0.20, 0.10, 0.10, 0.08, 0.00, 0.05, 0.08, 0.08, 0.05, -0.05],
    "health": [-0.05, -0.05, 0.02, 0.02, 0.02, 0.02, 0.00, 0.00, 0.02, 0.02, 0.00, -0.02],
    "recreation": [0.20, 0.20, -0.05, -0.05, -0.05, -0.10, 0.05, 0.00, -0.05, -0.05, 0.00, 0.05],
}
_HARVEST: dict[str, list[float]] = {
    # agro-export grapes, mangoes, asparagus
    "coast": [0.35, 0.30, 0.10, -0.10, -0.20, -0.25, -0.25, -0.20, -0.10, 0.05, 0.20, 0.30],
    # potatoes, maize, quinoa
    "highland": [-0.30, -0.30, -0.10, 0.25, 0.40, 0.35, 0.15, 0.00, -0.10, -0.15, -0.10, -0.10],
    # coffee, cacao
    "jungle": [-0.15, -0.20, -0.10, 0.05, 0.20, 0.25, 0.20, 0.10, 0.00, -0.10, -0.10, -0.15],
}
# Dry-season tourism (Inti Raymi in June, the July-August high season, the rainy-season trough).
_TOURIST_SEASON = [-0.15, -0.20, -0.10, 0.00, 0.05, 0.20, 0.25, 0.20, 0.05, 0.00, -0.05, -0.10]


@dataclass(frozen=True)
class _Sector:
    section: str
    division: str
    share: float  # % of businesses
    profile: str
    noise_sd: float  # base monthly log-noise sd
    size_offset: float  # log-size offset
    beta: float  # cyclical sensitivity (mean elasticity to the market level)
    margin: float  # mean margin
    women: float  # P(women-led)
    online: float  # logit base of P(sells online)
    nouns: tuple[str, ...]  # trade-name nouns


SECTORS: list[_Sector] = [
    _Sector("G", "47", 30.0, "retail", 0.17, 0.0, 0.8, 0.18, 0.58, -1.0,
            ("Bodega", "Minimarket", "Librería", "Ferretería", "Botica", "Tienda", "Bazar")),
    _Sector("G", "46", 10.5, "wholesale", 0.22, 0.7, 1.2, 0.12, 0.35, -1.3,
            ("Distribuidora", "Comercializadora", "Importaciones", "Mayorista")),
    _Sector("G", "45", 5.0, "motor", 0.22, 0.3, 1.3, 0.20, 0.12, -1.5,
            ("Autopartes", "Repuestos", "Lubricentro", "Motorepuestos")),
    _Sector("I", "56", 9.5, "food_service", 0.20, 0.0, 1.0, 0.30, 0.65, -0.9,
            ("Restaurante", "Pollería", "Cevichería", "Chifa", "Juguería", "Cafetería",
             "Picantería")),
    _Sector("I", "55", 2.5, "accommodation", 0.25, 0.2, 1.3, 0.35, 0.50, -0.3,
            ("Hostal", "Hotel", "Hospedaje")),
    _Sector("N", "79", 1.0, "travel", 0.30, -0.1, 1.4, 0.25, 0.50, 0.3,
            ("Agencia de Viajes", "Viajes y Turismo", "Tours")),
    _Sector("H", "49", 6.0, "transport", 0.20, 0.0, 1.1, 0.25, 0.10, -2.0,
            ("Transportes", "Empresa de Transportes", "Mudanzas")),
    _Sector("S", "96", 6.0, "personal", 0.18, -0.4, 0.8, 0.40, 0.72, -1.2,
            ("Peluquería", "Salón de Belleza", "Lavandería", "Spa", "Barbería")),
    _Sector("S", "95", 2.0, "repair", 0.25, -0.4, 0.7, 0.40, 0.15, -1.3,
            ("Servicio Técnico", "Reparaciones", "Electrónica")),
    _Sector("M", "69", 3.0, "accounting", 0.20, -0.1, 0.7, 0.45, 0.50, -1.0,
            ("Estudio Contable", "Asesoría Contable", "Estudio Jurídico")),
    _Sector("N", "82", 1.5, "office", 0.25, -0.2, 0.9, 0.35, 0.45, -0.8,
            ("Copias e Impresiones", "Servicios Generales", "Cabinas")),
    _Sector("J", "62", 1.0, "software", 0.30, 0.2, 0.9, 0.40, 0.25, 0.8,
            ("Soluciones Informáticas", "Sistemas", "Software")),
    _Sector("C", "10", 4.0, "food_mfg", 0.22, 0.2, 0.9, 0.25, 0.55, -1.0,
            ("Panadería", "Pastelería", "Lácteos", "Molino")),
    _Sector("C", "14", 3.0, "apparel", 0.28, 0.0, 1.1, 0.25, 0.68, -0.5,
            ("Confecciones", "Textil", "Modas")),
    _Sector("C", "16", 1.0, "building_inputs", 0.30, 0.1, 1.3, 0.22, 0.10, -2.0,
            ("Maderera", "Aserradero")),
    _Sector("C", "25", 1.5, "building_inputs", 0.30, 0.2, 1.3, 0.25, 0.08, -1.8,
            ("Metalmecánica", "Carpintería Metálica", "Soldaduras")),
    _Sector("C", "31", 1.5, "furniture", 0.30, 0.0, 1.2, 0.28, 0.20, -0.8,
            ("Muebles", "Mueblería", "Carpintería")),
    _Sector("A", "01", 3.0, "agriculture", 0.33, 0.1, 0.7, 0.20, 0.30, -2.3,
            ("Agrícola", "Fundo", "Vivero", "Agropecuaria")),
    _Sector("F", "43", 3.0, "construction", 0.35, 0.2, 1.5, 0.22, 0.08, -2.0,
            ("Construcciones", "Acabados", "Instalaciones")),
    _Sector("P", "85", 1.5, "education", 0.20, 0.0, 0.6, 0.35, 0.60, -0.8,
            ("Academia", "Centro de Estudios", "Nido")),
    _Sector("Q", "86", 1.5, "health", 0.20, 0.1, 0.5, 0.40, 0.55, -1.2,
            ("Consultorio", "Centro Odontológico", "Policlínico")),
    _Sector("R", "93", 1.0, "recreation", 0.25, -0.1, 1.1, 0.35, 0.30, -0.8,
            ("Gimnasio", "Complejo Deportivo", "Recreos")),
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# Process parameters (all documented in the module docstring)
# --------------------------------------------------------------------------------------------

PARAMS: dict = {
    "size": {"median_monthly_sales": 7000.0, "log_sd": 1.1, "huge_share": 0.01,
             "huge_log_offset_mean": 3.0, "huge_log_offset_sd": 0.4},
    "age_years": {"median": 6.0, "log_sd": 0.8, "min": 0.2, "max": 45.0,
                  "founded_unknown_share": 0.03},
    "margin_sd": 0.10,
    "market": {"burn_in_months": 36, "national_trend": 0.0025, "sector_trend_sd": 0.0015,
               "region_trend_sd": 0.0008,
               "national": {"phi": 0.90, "sd": 0.010}, "sector": {"phi": 0.85, "sd": 0.015},
               "region": {"phi": 0.80, "sd": 0.008}, "sector_region": {"phi": 0.75, "sd": 0.012},
               "momentum": {"phi": 0.95, "sector_sd": 0.0008, "sector_region_sd": 0.0008},
               "index_measurement_log_sd": 0.004, "elasticity_log_sd": 0.25},
    "drift": {"base": 0.0005, "margin": 0.04, "satisfaction": 0.004, "sells_online": 0.004,
              "young": 0.012, "young_scale_years": 2.0, "size_regression": 0.003,
              "size_regression_clip": 2.0, "persistent_sd": 0.005, "regime_sd": 0.006,
              "regime_change_rate": 1.0 / 48.0, "ar_phi": 0.85, "ar_sd": 0.002},
    "level_rw": {"sd": 0.04, "log_sd": 0.3, "young_multiplier": 1.0},
    "exit": {"base": 0.0012, "drift_slope": 150.0, "young": 0.004, "max": 0.05},
    "season": {"amplitude_log_sd": 0.35, "idiosyncratic_sd": 0.05},
    "noise": {"size_slope": 0.08, "log_sd": 0.2, "young_multiplier": 0.4, "huge_multiplier": 0.6,
              "min": 0.06, "max": 0.6},
    "outliers": {"rate": 0.015, "spike_share": 0.4, "log_shift_min": 0.5, "log_shift_max": 1.5},
    "entry_errors": {"rate": 0.005, "times_ten": 0.4, "divided_by_ten": 0.4, "swapped": 0.2},
    "intermittent": {"share": 0.07, "on_to_off": [0.15, 0.40], "off_to_on": [0.25, 0.60]},
    "missing": {"random_rate": 0.03, "gappy_share": 0.12, "report_to_stop": 0.04,
                "stop_to_report": 0.20},
    "short": {"share": 0.20, "months_min": 2, "months_max": 24, "new_firm_share": 0.6,
              "new_firm_log_offset": -0.4},
    "sales_only_share": 0.35,
    "reported_share": {"costs": 0.95, "employees": 0.90, "satisfaction": 0.70},
    "costs_margin_noise_sd": 0.05,
    "satisfaction": {"noise_sd": 0.9, "cuts": [-0.6, 0.8]},
    "employees": {"at_median": 2.5, "size_slope": 0.75, "log_sd": 0.4, "level_slope": 0.6,
                  "monthly_log_sd": 0.1, "max": 500},
    "ruc_company_share": {"base": 0.2, "huge": 0.85, "wholesale_or_manufacturing": 0.35},
    "oracle": {"min_defined_share": 0.10},
}  # fmt: skip

_MAX_CHUNK_CELLS = 1_500_000  # draws x businesses per oracle chunk

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

_FEMALE = (
    "Rosa",
    "María",
    "Carmen",
    "Ana",
    "Juana",
    "Luz",
    "Elena",
    "Gladys",
    "Flor",
    "Sonia",
    "Patricia",
    "Milagros",
    "Yolanda",
    "Nelly",
    "Silvia",
    "Marisol",
    "Julia",
    "Norma",
    "Lucía",
    "Carla",
    "Diana",
    "Karina",
    "Maribel",
    "Lourdes",
    "Roxana",
    "Edith",
)
_MALE = (
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jorge",
    "Miguel",
    "Víctor",
    "Pedro",
    "César",
    "Manuel",
    "Jesús",
    "Raúl",
    "Walter",
    "Wilson",
    "Alberto",
    "Fernando",
    "Julio",
    "Edwin",
    "Óscar",
    "Hugo",
    "Ricardo",
    "Javier",
    "Rubén",
    "Percy",
    "Segundo",
    "Teodoro",
)
_SURNAMES = (
    "Quispe",
    "Flores",
    "Sánchez",
    "Rodríguez",
    "García",
    "Mamani",
    "Huamán",
    "Rojas",
    "Chávez",
    "Vásquez",
    "Ramírez",
    "Torres",
    "Díaz",
    "Mendoza",
    "Castillo",
    "Gonzales",
    "López",
    "Condori",
    "Ramos",
    "Cruz",
    "Gutiérrez",
    "Pérez",
    "Espinoza",
    "Fernández",
    "Vargas",
    "Romero",
    "Ccama",
    "Huanca",
    "Ticona",
    "Cáceres",
    "Paredes",
    "Salazar",
    "Cárdenas",
    "Aguilar",
    "Ríos",
    "Córdova",
    "Navarro",
    "Reyes",
    "Morales",
    "Silva",
)
_TRADE_CORES = (
    "Santa Rosa",
    "El Sol",
    "San Juan",
    "Don Lucho",
    "Doña Rosa",
    "Mi Perú",
    "La Esperanza",
    "Los Andes",
    "El Progreso",
    "Virgen del Carmen",
    "Señor de Luren",
    "Las Américas",
    "El Triunfo",
    "San Martín",
    "Nuevo Amanecer",
    "El Buen Gusto",
    "La Económica",
    "Rosita",
    "Miguelito",
    "Santa Lucía",
    "Los Ángeles",
    "Señor de los Milagros",
    "El Norteño",
    "La Sureña",
    "Virgen de la Candelaria",
    "San Pedro",
    "El Inca",
    "Mi Tierra",
    "Los Olivos",
    "La Familia",
)
_COMPANY_HEADS = (
    "Inversiones",
    "Comercial",
    "Corporación",
    "Negocios",
    "Servicios Generales",
    "Grupo",
    "Empresa",
    "Consorcio",
)
_COMPANY_CORES = (
    "Andina",
    "del Norte",
    "del Sur",
    "Santa Rosa",
    "Los Andes",
    "El Sol",
    "Pacífico",
    "Inca",
    "Amazónica",
    "Norteña",
    "San Martín",
    "Virgen del Carmen",
    "Señor de los Milagros",
    "Santa Lucía",
    "Nuevo Perú",
    "Mistura",
    "Sol de Oro",
)
_COMPANY_FORMS = (("S.A.C.", 0.5), ("E.I.R.L.", 0.3), ("S.R.L.", 0.15), ("S.A.", 0.05))  # fmt: skip


# --------------------------------------------------------------------------------------------
# The panel
# --------------------------------------------------------------------------------------------


@dataclass
class _Latent:
    """Everything the step function needs, static (n,) and per month (n, T) or (T, ...)."""

    start_month0: int  # 0 = January
    n_months: int
    seed: int
    process: dict  # a private copy of PARAMS as used
    # static per business (n,)
    sector_idx: np.ndarray
    region_idx: np.ndarray
    pair_idx: np.ndarray
    elasticity: np.ndarray
    drift_fixed: np.ndarray  # base + margin + satisfaction + online + persistent
    size_ref: np.ndarray
    founded_index: np.ndarray  # month index of founding (negative: before the panel)
    entry_index: np.ndarray
    rw_sd: np.ndarray  # before the youth multiplier
    noise_sd: np.ndarray  # before the youth multiplier
    season: np.ndarray  # (n, 12)
    intermittent: np.ndarray
    on_to_off: np.ndarray
    off_to_on: np.ndarray
    gappy: np.ndarray
    margin: np.ndarray
    has_costs: np.ndarray
    # market constants
    national_trend: float
    sector_trend: np.ndarray  # (K,)
    region_trend: np.ndarray  # (G,)
    sector_beta: np.ndarray  # (K,)
    # states per month (state at the month, after its observation was drawn from it)
    level: np.ndarray  # (n, T)
    drift_ar: np.ndarray
    regime: np.ndarray
    on: np.ndarray  # bool
    reporting: np.ndarray  # bool
    alive: np.ndarray  # bool
    market: dict[str, np.ndarray]  # the market state's paths, (T,) or (T, K / G / K*G)
    observed_sales: np.ndarray  # (n, T), as recorded at generation, NaN for missing


@dataclass
class _State:
    """One month's latent state for D parallel worlds: business arrays (D, m), market (D, .)."""

    level: np.ndarray
    drift_ar: np.ndarray
    regime: np.ndarray
    on: np.ndarray
    reporting: np.ndarray
    alive: np.ndarray
    market: dict[str, np.ndarray]  # national (D,), sector (D, K), region (D, G), pair (D, K*G),
    # sector_growth (D, K), pair_growth (D, K*G), momentum (D, K*G)


@dataclass
class _Static:
    """Static arrays of the businesses a simulation runs over (a subset for the oracle)."""

    sector_idx: np.ndarray
    region_idx: np.ndarray
    pair_idx: np.ndarray
    elasticity: np.ndarray
    drift_fixed: np.ndarray
    size_ref: np.ndarray
    founded_index: np.ndarray
    entry_index: np.ndarray
    rw_sd: np.ndarray
    noise_sd: np.ndarray
    season: np.ndarray
    intermittent: np.ndarray
    on_to_off: np.ndarray
    off_to_on: np.ndarray
    gappy: np.ndarray
    margin: np.ndarray
    has_costs: np.ndarray

    def take(self, ids: np.ndarray) -> _Static:
        return _Static(**{k: v[ids] for k, v in self.__dict__.items()})


@dataclass
class SyntheticPanel:
    """A generated panel and its oracle (see the module docstring for the process).

    ``businesses``, ``records`` and ``indicators`` follow :mod:`schema`; ``periods`` are the
    panel's month starts; ``params`` the process parameters actually used (JSON-serialisable).
    """

    businesses: pd.DataFrame
    records: pd.DataFrame
    indicators: pd.DataFrame
    periods: pd.DatetimeIndex
    params: dict
    _latent: _Latent = field(repr=False)

    def oracle_log_sales(
        self,
        cutoffs,
        horizons=schema.HORIZONS,
        n_draws: int = 200,
    ) -> pd.DataFrame:
        """True ``E[log1p(recorded sales at cutoff + h) | latent state at cutoff]``.

        Averages over ``n_draws`` simulated futures the draws in which the target month is
        recorded (so it is the expectation of what a record would say, entry errors, outliers
        and zero months included). Only targets inside the panel are returned; every business
        gets a row (NaN when the month is recorded in no draw: the business has closed, or
        joins the registry later). Columns ``business_id``,
        ``cutoff``, ``horizon``, ``period`` (the target month), ``expected_log1p_sales``.
        """
        lat = self._latent
        horizons = sorted(int(h) for h in horizons)
        frames = []
        ids_all = self.businesses[schema.BUSINESS_ID].to_numpy()
        for cutoff in pd.DatetimeIndex(cutoffs):
            c = self._cutoff_index(cutoff)
            hs = [h for h in horizons if h >= 1 and c + h < lat.n_months]
            if not hs:
                continue
            steps = max(hs)
            out = np.full((len(ids_all), len(hs)), np.nan)
            for chunk_no, rows in enumerate(self._chunks(n_draws)):
                rng = np.random.default_rng(np.random.SeedSequence([lat.seed, 1, c, chunk_no]))
                sales = _simulate_forward(lat, rows, c, steps, n_draws, rng)
                target = sales[:, :, [h - 1 for h in hs]]  # (D, m, H)
                recorded = ~np.isnan(target)
                with np.errstate(invalid="ignore"):
                    total = np.where(recorded, np.log1p(np.where(recorded, target, 0.0)), 0.0)
                    out[rows] = total.sum(axis=0) / recorded.sum(axis=0)
            for j, h in enumerate(hs):
                frames.append(
                    pd.DataFrame(
                        {
                            schema.BUSINESS_ID: ids_all,
                            "cutoff": cutoff,
                            "horizon": h,
                            schema.PERIOD: self.periods[c + h],
                            "expected_log1p_sales": out[:, j],
                        }
                    )
                )
        if not frames:
            return pd.DataFrame(
                columns=[schema.BUSINESS_ID, "cutoff", "horizon", schema.PERIOD,
                         "expected_log1p_sales"]
            )  # fmt: skip
        return pd.concat(frames, ignore_index=True)

    def oracle_growth_probability(
        self,
        cutoffs,
        rate: float = schema.DEFAULT_GROWTH_RATE,
        n_draws: int = 200,
    ) -> pd.DataFrame:
        """True ``P(growth label == 1 | latent state at cutoff, label defined)``.

        The past window is the 12 recorded months up to the cut-off as generated (NaN for
        missing); each of ``n_draws`` simulated futures gives a future window, labelled with
        ``labels.growth_labels_from_windows`` exactly as the models' labels are. NaN when the
        label is defined in fewer than 10 % of the draws (e.g. a business that has closed, or
        one with fewer than 6 recorded months in the past window). Columns ``business_id``,
        ``cutoff``, ``probability``.
        """
        lat = self._latent
        ids_all = self.businesses[schema.BUSINESS_ID].to_numpy()
        window = labels.WINDOW
        min_defined = self.params["oracle"]["min_defined_share"]
        frames = []
        for cutoff in pd.DatetimeIndex(cutoffs):
            c = self._cutoff_index(cutoff)
            past = np.full((len(ids_all), window), np.nan)
            first = max(0, c - window + 1)
            past[:, window - (c + 1 - first) :] = lat.observed_sales[:, first : c + 1]
            prob = np.full(len(ids_all), np.nan)
            for chunk_no, rows in enumerate(self._chunks(n_draws)):
                rng = np.random.default_rng(np.random.SeedSequence([lat.seed, 2, c, chunk_no]))
                future = _simulate_forward(lat, rows, c, window, n_draws, rng)
                lab = labels.growth_labels_from_windows(past[rows][None, :, :], future, rate=rate)
                defined = ~np.isnan(lab)
                n_def = defined.sum(axis=0)
                ones = np.where(defined, lab, 0.0).sum(axis=0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = ones / n_def
                p[n_def < min_defined * n_draws] = np.nan
                prob[rows] = p
            frames.append(
                pd.DataFrame({schema.BUSINESS_ID: ids_all, "cutoff": cutoff, "probability": prob})
            )
        return pd.concat(frames, ignore_index=True)

    def _cutoff_index(self, cutoff: pd.Timestamp) -> int:
        try:
            return int(self.periods.get_loc(pd.Timestamp(cutoff)))
        except KeyError:
            raise ValueError(f"cut-off {cutoff} is not a month of the panel") from None

    def _chunks(self, n_draws: int):
        n = len(self._latent.sector_idx)
        size = max(1, _MAX_CHUNK_CELLS // max(1, n_draws))
        for lo in range(0, n, size):
            yield np.arange(lo, min(n, lo + size))


# --------------------------------------------------------------------------------------------
# The step function: one transition and one observation, vectorised over (draws, businesses)
# --------------------------------------------------------------------------------------------


def _age_years(biz: _Static, t: int) -> np.ndarray:
    return np.maximum(t - biz.founded_index, 0) / 12.0


def _drift(st: _State, biz: _Static, t: int, p: dict) -> np.ndarray:
    d = p["drift"]
    young = d["young"] * np.exp(-_age_years(biz, t) / d["young_scale_years"])
    clip = d["size_regression_clip"]
    size = -d["size_regression"] * np.clip(st.level - biz.size_ref, -clip, clip)
    return biz.drift_fixed + young + size + st.regime + st.drift_ar


def _transition(st: _State, biz: _Static, t: int, rng: np.random.Generator, p: dict) -> _State:
    """The latent state at month t+1 from the state at month t.

    Rare events (regime changes, exits) and the chains of the few intermittent or gappy
    businesses are drawn sparsely: the oracle runs this on (draws x businesses) arrays.
    """
    shape = st.level.shape
    f32 = np.float32
    market = _market_step(st.market, rng, p)

    d = p["drift"]
    youth = np.exp(-_age_years(biz, t) / d["young_scale_years"])  # (m,)
    founded = t >= biz.founded_index
    g = _drift(st, biz, t, p)
    rw_sd = np.where(founded, biz.rw_sd * (1.0 + p["level_rw"]["young_multiplier"] * youth), 0.0)
    level = st.level + np.where(founded, g, 0.0) + rw_sd * rng.standard_normal(shape, dtype=f32)
    drift_ar = d["ar_phi"] * st.drift_ar + d["ar_sd"] * rng.standard_normal(shape, dtype=f32)
    regime = st.regime.copy()
    change = np.nonzero(rng.random(shape, dtype=f32) < d["regime_change_rate"])
    regime[change] = d["regime_sd"] * rng.standard_normal(len(change[0]))

    on = st.on.copy()
    cols = np.flatnonzero(biz.intermittent)
    if cols.size:
        u = rng.random((shape[0], cols.size), dtype=f32)
        on[:, cols] = np.where(st.on[:, cols], u >= biz.on_to_off[cols], u < biz.off_to_on[cols])
    reporting = st.reporting.copy()
    cols = np.flatnonzero(biz.gappy)
    if cols.size:
        ms = p["missing"]
        u = rng.random((shape[0], cols.size), dtype=f32)
        reporting[:, cols] = np.where(
            st.reporting[:, cols], u >= ms["report_to_stop"], u < ms["stop_to_report"]
        )

    ex = p["exit"]
    u = rng.random(shape, dtype=f32)
    alive = st.alive.copy()
    # The hazard never exceeds ex["max"]: only those draws can be an exit.
    cand = np.nonzero((u < ex["max"]) & founded & st.alive)
    hazard = np.minimum(
        ex["max"],
        ex["base"] * np.exp(-ex["drift_slope"] * g[cand])
        + ex["young"] * np.exp(-_age_years(biz, t) / 2.0)[cand[1]],
    )
    alive[cand] = u[cand] >= hazard
    return _State(level, drift_ar, regime, on, reporting, alive, market)


def _market_step(m: dict, rng: np.random.Generator, p: dict) -> dict:
    """The market state one month later; arrays carry a leading axis of parallel worlds."""
    mk = p["market"]
    mo = mk["momentum"]

    def ar(x, phi, sd):
        return phi * x + sd * rng.standard_normal(np.shape(x))

    n_g = m["pair"].shape[-1] // m["sector"].shape[-1]
    return {
        "national": ar(m["national"], mk["national"]["phi"], mk["national"]["sd"]),
        "sector": ar(m["sector"], mk["sector"]["phi"], mk["sector"]["sd"]),
        "region": ar(m["region"], mk["region"]["phi"], mk["region"]["sd"]),
        "pair": ar(m["pair"], mk["sector_region"]["phi"], mk["sector_region"]["sd"]),
        "sector_growth": ar(m["sector_growth"], mo["phi"], mo["sector_sd"]),
        "pair_growth": ar(m["pair_growth"], mo["phi"], mo["sector_region_sd"]),
        "momentum": m["momentum"] + np.repeat(m["sector_growth"], n_g, axis=-1) + m["pair_growth"],
    }


def _market_log_level(st: _State, lat: _Latent, biz: _Static, t: int) -> np.ndarray:
    """log(sector-region index / 100) of each business's market, (D, m)."""
    n_g = len(lat.region_trend)
    trend = (
        lat.national_trend
        + np.repeat(lat.sector_trend, n_g)
        + np.tile(lat.region_trend, len(lat.sector_trend))
    ) * t
    m = st.market
    per_pair = (
        trend
        + np.repeat(lat.sector_beta, n_g) * m["national"][:, None]
        + np.repeat(m["sector"], n_g, axis=1)
        + np.tile(m["region"], (1, len(lat.sector_trend)))
        + m["pair"]
        + m["momentum"]
    )  # (D, K*G)
    return per_pair[:, biz.pair_idx]


def _observe(
    st: _State,
    lat: _Latent,
    biz: _Static,
    t: int,
    rng: np.random.Generator,
    p: dict,
    *,
    want_costs: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """What the records say at month t: (sales, costs, recorded), sales NaN where not recorded.

    ``costs`` (only with ``want_costs``) are the business's true costs (NaN for sales-only
    businesses), swapped with the sales where an entry error swapped them.
    """
    shape = st.level.shape
    f32 = np.float32
    month = (lat.start_month0 + t) % 12
    mu = st.level + biz.elasticity * _market_log_level(st, lat, biz, t) + biz.season[:, month]
    age = _age_years(biz, t)
    sd = biz.noise_sd * (1.0 + p["noise"]["young_multiplier"] * np.exp(-age / 2.0))
    log_sales = mu + sd * rng.standard_normal(shape, dtype=f32)

    # Outliers: one uniform decides whether, which way and how far.
    out = p["outliers"]
    u = rng.random(shape, dtype=f32)
    hit = np.nonzero(u < out["rate"])
    v = u[hit].astype(float) / out["rate"]
    s = out["spike_share"]
    spike = v < s
    w = np.where(spike, v / s, (v - s) / (1.0 - s))
    shift = out["log_shift_min"] + w * (out["log_shift_max"] - out["log_shift_min"])
    log_sales[hit] += np.where(spike, shift, -shift)
    sales = np.where(st.on, np.exp(log_sales), 0.0)

    noise = p["costs_margin_noise_sd"]
    costs = None
    if want_costs:
        margin = biz.margin + noise * rng.standard_normal(shape)
        costs = sales * (1.0 - np.clip(margin, -0.5, 0.95))
        costs = np.where(biz.has_costs, costs, np.nan)

    # Entry errors: x10, /10, or sales and costs swapped (only where costs are reported; a
    # business without costs makes the other two errors half and half).
    err = p["entry_errors"]
    u = rng.random(shape, dtype=f32)
    hit = np.nonzero(u < err["rate"])
    if hit[0].size:
        kind = u[hit].astype(float) / err["rate"]
        has_costs = biz.has_costs[hit[1]]
        up = np.where(has_costs, err["times_ten"], 0.5)
        down = np.where(has_costs, err["times_ten"] + err["divided_by_ten"], 1.0)
        true_sales = sales[hit]
        if costs is not None:
            true_costs = costs[hit]
            costs[hit] = np.where(kind >= down, true_sales, true_costs)
        else:
            m = biz.margin[hit[1]] + noise * rng.standard_normal(hit[0].size)
            true_costs = true_sales * (1.0 - np.clip(m, -0.5, 0.95))
        sales[hit] = np.where(
            kind < up, true_sales * 10.0, np.where(kind < down, true_sales / 10.0, true_costs)
        )

    recorded = (
        st.alive
        & st.reporting
        & ((t >= biz.entry_index) & (t >= biz.founded_index))
        & (rng.random(shape, dtype=f32) >= p["missing"]["random_rate"])
    )
    return np.where(recorded, np.round(sales, 2), np.nan), costs, recorded


def _simulate_forward(
    lat: _Latent, rows: np.ndarray, c: int, steps: int, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Recorded sales (D, m, steps) for months c+1 .. c+steps, restarting from the state at c.

    NaN where the month would not be recorded (missing, closed, not yet in the registry).
    """
    biz = _static_of(lat).take(rows)
    p = lat.process

    def rep(x):
        return np.repeat(x[None, ...], n_draws, axis=0)

    st = _State(
        level=rep(lat.level[rows, c]),
        drift_ar=rep(lat.drift_ar[rows, c]),
        regime=rep(lat.regime[rows, c]),
        on=rep(lat.on[rows, c]),
        reporting=rep(lat.reporting[rows, c]),
        alive=rep(lat.alive[rows, c]),
        market={k: rep(v[c]) for k, v in lat.market.items()},
    )
    sales = np.empty((n_draws, len(rows), steps))
    for j in range(steps):
        t = c + j
        st = _transition(st, biz, t, rng, p)
        sales[:, :, j], _, _ = _observe(st, lat, biz, t + 1, rng, p)
    return sales


def _static_of(lat: _Latent) -> _Static:
    return _Static(**{f: getattr(lat, f) for f in _Static.__dataclass_fields__})


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate_panel(
    n_businesses: int, n_months: int, seed: int, start: str = "2021-01"
) -> SyntheticPanel:
    """Generate a panel of ``n_businesses`` MYPEs over ``n_months`` months from ``start``.

    Deterministic for its four arguments. See the module docstring for the process.
    """
    if n_businesses < 1 or n_months < 1:
        raise ValueError("n_businesses and n_months must be positive")
    p = PARAMS
    n, n_t = int(n_businesses), int(n_months)
    periods = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(), periods=n_t,
                            freq="MS")  # fmt: skip
    streams = np.random.SeedSequence([int(seed), 20210101]).spawn(5)
    rng_pop, rng_market, rng_dyn, rng_attr, rng_names = (np.random.default_rng(s) for s in streams)

    pop = _draw_population(n, n_t, rng_pop, p)
    market = _draw_market(n_t, rng_market, p)

    lat = _Latent(
        start_month0=periods[0].month - 1,
        n_months=n_t,
        seed=int(seed),
        process=copy.deepcopy(p),
        **pop["static"],
        national_trend=p["market"]["national_trend"],
        sector_trend=market["sector_trend"],
        region_trend=market["region_trend"],
        sector_beta=market["sector_beta"],
        level=np.empty((n, n_t)),
        drift_ar=np.empty((n, n_t)),
        regime=np.empty((n, n_t)),
        on=np.empty((n, n_t), dtype=bool),
        reporting=np.empty((n, n_t), dtype=bool),
        alive=np.empty((n, n_t), dtype=bool),
        market=market["paths"],
        observed_sales=np.empty((n, n_t)),
    )
    biz = _static_of(lat)
    st = _State(
        **{k: v[None, :] for k, v in pop["initial"].items()},
        market={k: v[:1] for k, v in market["paths"].items()},
    )
    costs = np.empty((n, n_t))
    for t in range(n_t):
        if t > 0:
            st = _transition(st, biz, t - 1, rng_dyn, p)
            # The market path was drawn up front (the indicators need it); the transition's own
            # market draws are discarded so that the businesses see the stored market.
            st.market = {k: v[t : t + 1] for k, v in market["paths"].items()}
        for name in ("level", "drift_ar", "regime", "on", "reporting", "alive"):
            getattr(lat, name)[:, t] = getattr(st, name)[0]
        sales_t, costs_t, _ = _observe(st, lat, biz, t, rng_dyn, p, want_costs=True)
        lat.observed_sales[:, t] = sales_t[0]
        costs[:, t] = costs_t[0]

    records = _records(lat, pop, costs, periods, rng_attr, p)
    businesses = _businesses(lat, pop, periods, rng_names, p)
    indicators = _indicators(market, periods, rng_market, p)
    params = _params_used(lat, pop, market, records, p)
    return SyntheticPanel(businesses, records, indicators, periods, params, lat)


def _draw_population(n: int, n_t: int, rng: np.random.Generator, p: dict) -> dict:
    region_w = np.array([r[2] for r in REGIONS])
    sector_w = np.array([s.share for s in SECTORS])
    region_idx = rng.choice(len(REGIONS), size=n, p=region_w / region_w.sum())
    sector_idx = rng.choice(len(SECTORS), size=n, p=sector_w / sector_w.sum())
    n_g = len(REGIONS)
    pair_idx = sector_idx * n_g + region_idx
    sec = SECTORS
    s_noise = np.array([s.noise_sd for s in sec])[sector_idx]
    s_size = np.array([s.size_offset for s in sec])[sector_idx]
    s_beta = np.array([s.beta for s in sec])[sector_idx]
    s_margin = np.array([s.margin for s in sec])[sector_idx]
    s_women = np.array([s.women for s in sec])[sector_idx]
    s_online = np.array([s.online for s in sec])[sector_idx]
    r_size = np.array([r[4] for r in REGIONS])[region_idx]
    region_codes = np.array([r[0] for r in REGIONS])

    # Size and the rough kinds of series.
    sz = p["size"]
    median = np.log(sz["median_monthly_sales"])
    ref = median + s_size + r_size
    huge = rng.random(n) < sz["huge_share"]
    huge_offset = np.where(huge, rng.normal(sz["huge_log_offset_mean"], sz["huge_log_offset_sd"],
                                            n), 0.0)  # fmt: skip
    level0 = ref + sz["log_sd"] * rng.standard_normal(n) + huge_offset
    size_ref = ref + huge_offset

    short = rng.random(n) < p["short"]["share"]
    sh = p["short"]
    months = rng.integers(sh["months_min"], sh["months_max"] + 1, n)
    entry_index = np.where(short, np.clip(n_t - months, 0, max(0, n_t - 1)), 0)
    new_firm = short & (rng.random(n) < sh["new_firm_share"]) & (entry_index > 0)
    ag = p["age_years"]
    age0 = np.clip(np.exp(np.log(ag["median"]) + ag["log_sd"] * rng.standard_normal(n)),
                   ag["min"], ag["max"])  # fmt: skip
    founded_index = np.where(new_firm, entry_index, -np.round(age0 * 12)).astype(int)
    level0 = level0 + np.where(new_firm, sh["new_firm_log_offset"], 0.0)
    intermittent = (rng.random(n) < p["intermittent"]["share"]) & ~huge
    it = p["intermittent"]
    on_to_off = rng.uniform(*it["on_to_off"], n)
    off_to_on = rng.uniform(*it["off_to_on"], n)
    gappy = rng.random(n) < p["missing"]["gappy_share"]
    sales_only = rng.random(n) < p["sales_only_share"]

    # Attributes and drivers.
    margin = np.clip(s_margin + p["margin_sd"] * rng.standard_normal(n), -0.3, 0.85)
    satisfaction = rng.standard_normal(n)
    women_led = rng.random(n) < s_women
    age_start = np.maximum(-founded_index, 0) / 12.0
    lima = np.isin(region_codes[region_idx], ("15", "07"))
    logit = s_online + 0.5 * lima - 0.06 * np.minimum(age_start, 15.0) + 0.3
    sells_online = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    d = p["drift"]
    drift_fixed = (
        d["base"]
        + d["margin"] * (margin - s_margin)
        + d["satisfaction"] * satisfaction
        + d["sells_online"] * sells_online
        + d["persistent_sd"] * rng.standard_normal(n)
    )
    mk = p["market"]
    elasticity = s_beta * np.exp(mk["elasticity_log_sd"] * rng.standard_normal(n))

    ns = p["noise"]
    noise_sd = s_noise * np.exp(-ns["size_slope"] * (level0 - huge_offset - median))
    noise_sd = noise_sd * np.exp(ns["log_sd"] * rng.standard_normal(n))
    noise_sd = np.clip(np.where(huge, noise_sd * ns["huge_multiplier"], noise_sd), ns["min"],
                       ns["max"])  # fmt: skip
    rw = p["level_rw"]
    rw_sd = rw["sd"] * np.exp(rw["log_sd"] * rng.standard_normal(n))

    season = _seasonality(sector_idx, region_idx, rng, p)

    # Initial states: stationary draws of the chains.
    initial = {
        "level": level0,
        "drift_ar": d["ar_sd"] / np.sqrt(1 - d["ar_phi"] ** 2) * rng.standard_normal(n),
        "regime": d["regime_sd"] * rng.standard_normal(n),
        "on": (rng.random(n) < off_to_on / (on_to_off + off_to_on)) | ~intermittent,
        "reporting": (
            rng.random(n)
            < p["missing"]["stop_to_report"]
            / (p["missing"]["stop_to_report"] + p["missing"]["report_to_stop"])
        )
        | ~gappy,
        "alive": np.ones(n, dtype=bool),
    }
    em = p["employees"]
    employees_scale = (
        em["at_median"]
        * np.exp(em["size_slope"] * (level0 - median))
        * np.exp(em["log_sd"] * rng.standard_normal(n))
    )
    founded_unknown = rng.random(n) < ag["founded_unknown_share"]
    static = {
        "sector_idx": sector_idx,
        "region_idx": region_idx,
        "pair_idx": pair_idx,
        "elasticity": elasticity,
        "drift_fixed": drift_fixed,
        "size_ref": size_ref,
        "founded_index": founded_index,
        "entry_index": entry_index,
        "rw_sd": rw_sd,
        "noise_sd": noise_sd,
        "season": season,
        "intermittent": intermittent,
        "on_to_off": on_to_off,
        "off_to_on": off_to_on,
        "gappy": gappy,
        "margin": margin,
        "has_costs": ~sales_only,
    }
    return {
        "static": static,
        "initial": initial,
        "huge": huge,
        "short": short,
        "sales_only": sales_only,
        "satisfaction": satisfaction,
        "women_led": women_led,
        "sells_online": sells_online,
        "employees_scale": employees_scale,
        "level0": level0,
        "founded_unknown": founded_unknown,
    }


def _seasonality(
    sector_idx: np.ndarray, region_idx: np.ndarray, rng: np.random.Generator, p: dict
) -> np.ndarray:
    """(n, 12) log seasonal profile of each business."""
    n_g = len(REGIONS)
    table = np.zeros((len(SECTORS), n_g, 12))
    for k, s in enumerate(SECTORS):
        base = np.array(_PROFILES[s.profile])
        for g, (code, _, _, zone, _) in enumerate(REGIONS):
            prof = base.copy()
            if s.profile == "agriculture":
                prof = np.array(_HARVEST[zone])
            elif s.profile == "food_mfg":
                prof = prof + 0.3 * np.array(_HARVEST[zone])
            elif s.profile == "construction" and zone == "highland":
                prof = 1.8 * prof
            if code in TOURISM_REGIONS and s.profile in ("accommodation", "travel"):
                prof = prof + np.array(_TOURIST_SEASON)
            elif code in TOURISM_REGIONS and s.profile == "food_service":
                prof = prof + 0.5 * np.array(_TOURIST_SEASON)
            table[k, g] = prof - prof.mean()
    se = p["season"]
    n = len(sector_idx)
    amplitude = np.exp(se["amplitude_log_sd"] * rng.standard_normal(n))
    own = se["idiosyncratic_sd"] * rng.standard_normal((n, 12))
    own -= own.mean(axis=1, keepdims=True)
    return amplitude[:, None] * table[sector_idx, region_idx] + own


def _draw_market(n_t: int, rng: np.random.Generator, p: dict) -> dict:
    """The market's constants and its path, drawn with the same step as the oracle's."""
    mk = p["market"]
    mo = mk["momentum"]
    n_k, n_g = len(SECTORS), len(REGIONS)
    sector_trend = mk["sector_trend_sd"] * rng.standard_normal(n_k)
    region_trend = mk["region_trend_sd"] * rng.standard_normal(n_g)
    sector_beta = np.array([s.beta for s in SECTORS])

    def stationary(phi, sd, size):
        return sd / np.sqrt(1 - phi**2) * rng.standard_normal((1, size))

    state = {
        "national": stationary(mk["national"]["phi"], mk["national"]["sd"], 1)[0],
        "sector": stationary(mk["sector"]["phi"], mk["sector"]["sd"], n_k),
        "region": stationary(mk["region"]["phi"], mk["region"]["sd"], n_g),
        "pair": stationary(mk["sector_region"]["phi"], mk["sector_region"]["sd"], n_k * n_g),
        "sector_growth": stationary(mo["phi"], mo["sector_sd"], n_k),
        "pair_growth": stationary(mo["phi"], mo["sector_region_sd"], n_k * n_g),
        "momentum": np.zeros((1, n_k * n_g)),
    }
    for _ in range(mk["burn_in_months"]):
        state = _market_step(state, rng, p)
    state["momentum"] = np.zeros((1, n_k * n_g))  # every index starts near 100
    paths = {k: np.empty((n_t, *v.shape[1:])) for k, v in state.items()}
    for t in range(n_t):
        if t > 0:
            state = _market_step(state, rng, p)
        for k, v in state.items():
            paths[k][t] = v[0]
    return {
        "sector_trend": sector_trend,
        "region_trend": region_trend,
        "sector_beta": sector_beta,
        "paths": paths,
    }


def _records(
    lat: _Latent,
    pop: dict,
    costs: np.ndarray,
    periods: pd.DatetimeIndex,
    rng: np.random.Generator,
    p: dict,
) -> pd.DataFrame:
    n, n_t = lat.observed_sales.shape
    sales = lat.observed_sales
    rep = p["reported_share"]
    reports = ~pop["sales_only"][:, None]
    costs = np.where(reports & (rng.random((n, n_t)) < rep["costs"]), np.round(costs, 2), np.nan)

    em = p["employees"]
    level_change = lat.level - pop["level0"][:, None]
    emp = pop["employees_scale"][:, None] * np.exp(
        em["level_slope"] * level_change + em["monthly_log_sd"] * rng.standard_normal((n, n_t))
    )
    emp = np.clip(np.round(emp), 1, em["max"])
    emp = np.where(reports & (rng.random((n, n_t)) < rep["employees"]), emp, np.nan)

    sa = p["satisfaction"]
    noisy = pop["satisfaction"][:, None] + sa["noise_sd"] * rng.standard_normal((n, n_t))
    level = np.digitize(noisy, sa["cuts"]).astype(float)
    level = np.where(reports & (rng.random((n, n_t)) < rep["satisfaction"]), level, np.nan)

    rows, cols = np.nonzero(~np.isnan(sales))  # row-major: by business, then month
    ids = np.arange(1, n + 1, dtype=np.int64)
    return pd.DataFrame(
        {
            schema.BUSINESS_ID: ids[rows],
            schema.PERIOD: periods.values[cols],
            schema.SALES: sales[rows, cols],
            schema.COSTS: costs[rows, cols],
            schema.EMPLOYEES: emp[rows, cols],
            schema.SATISFACTION: level[rows, cols],
        }
    )[schema.RECORD_COLUMNS]


def _ruc_check_digit(body10: np.ndarray) -> np.ndarray:
    """SUNAT check digit of (n, 10) digit arrays."""
    weights = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    check = 11 - (body10 @ weights) % 11
    return np.where(check == 10, 0, np.where(check == 11, 1, check))


def _rucs(company: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(company)
    prefix = np.where(company, 20, 10).astype(np.int64)
    body = rng.integers(0, 100_000_000, n, dtype=np.int64)
    while True:
        key = prefix * 100_000_000 + body
        _, first = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        body[dup] = rng.integers(0, 100_000_000, int(dup.sum()), dtype=np.int64)
    key = prefix * 100_000_000 + body
    digits = (key[:, None] // 10 ** np.arange(9, -1, -1)) % 10
    full = key * 10 + _ruc_check_digit(digits)
    return full.astype(str)


def _pick(words, rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(words, dtype=object)[rng.integers(0, len(words), n)]


def _businesses(
    lat: _Latent, pop: dict, periods: pd.DatetimeIndex, rng: np.random.Generator, p: dict
) -> pd.DataFrame:
    n = lat.level.shape[0]
    st = lat
    huge = pop["huge"]
    division = np.array([s.division for s in SECTORS])[st.sector_idx]
    section = np.array([s.section for s in SECTORS])[st.sector_idx]
    region_code = np.array([r[0] for r in REGIONS])[st.region_idx]

    rc = p["ruc_company_share"]
    wholesale_or_mfg = (division == "46") | (section == "C")
    p_company = np.where(
        huge, rc["huge"], np.where(wholesale_or_mfg, rc["wholesale_or_manufacturing"], rc["base"])
    )
    company = rng.random(n) < p_company
    ruc = _rucs(company, rng)

    # Owner names (women-led businesses mostly have a woman as the registered person).
    woman = np.where(rng.random(n) < 0.9, pop["women_led"], ~pop["women_led"])
    first = np.where(woman, _pick(_FEMALE, rng, n), _pick(_MALE, rng, n))
    person = _pick(_SURNAMES, rng, n) + " " + _pick(_SURNAMES, rng, n) + " " + first
    person = np.array([s.upper() for s in person], dtype=object)
    forms, form_w = zip(*_COMPANY_FORMS, strict=True)
    form = np.array(forms, dtype=object)[rng.choice(len(forms), n, p=np.array(form_w))]
    core = np.where(rng.random(n) < 0.4, _pick(_SURNAMES, rng, n), _pick(_COMPANY_CORES, rng, n))
    company_name = _pick(_COMPANY_HEADS, rng, n) + " " + core + " " + form
    legal_name = np.where(company, company_name, person)

    noun_offsets = np.cumsum([0] + [len(s.nouns) for s in SECTORS])
    all_nouns = np.array([w for s in SECTORS for w in s.nouns], dtype=object)
    n_nouns = np.diff(noun_offsets)[st.sector_idx]
    noun = all_nouns[noun_offsets[st.sector_idx] + (rng.random(n) * n_nouns).astype(int)]
    trade_name = noun + " " + _pick(_TRADE_CORES, rng, n)

    province = 1 + np.minimum(rng.geometric(0.55, n) - 1, 9)
    province = np.where(region_code == "07", 1, province)
    district = 1 + np.minimum(rng.geometric(0.3, n) - 1, 14)
    ubigeo = (
        pd.Series(region_code)
        + pd.Series(province).map("{:02d}".format)
        + pd.Series(district).map("{:02d}".format)
    ).to_numpy()

    em = p["employees"]
    last_emp = pop["employees_scale"] * np.exp(
        em["level_slope"] * (lat.level[:, -1] - pop["level0"])
    )
    employees = np.clip(np.round(last_emp), 1, em["max"]).astype(np.int64)

    return pd.DataFrame(
        {
            schema.BUSINESS_ID: np.arange(1, n + 1, dtype=np.int64),
            schema.SECTOR_SECTION: section,
            schema.SECTOR_DIVISION: division,
            schema.REGION_CODE: region_code,
            schema.FOUNDED: _founded_dates(lat, pop, periods),
            schema.WOMEN_LED: pop["women_led"],
            schema.SELLS_ONLINE: pop["sells_online"],
            "ruc": ruc,
            "legal_name": legal_name.astype(str),
            "trade_name": trade_name.astype(str),
            "ubigeo": ubigeo.astype(str),
            "employees": employees,
        }
    )


def _founded_dates(lat: _Latent, pop: dict, periods: pd.DatetimeIndex) -> np.ndarray:
    months = periods[0].year * 12 + periods[0].month - 1 + lat.founded_index
    founded = pd.to_datetime(
        pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1})
    ).to_numpy(dtype="datetime64[ns]")
    founded[pop["founded_unknown"]] = np.datetime64("NaT")
    return founded


def _indicators(
    market: dict, periods: pd.DatetimeIndex, rng: np.random.Generator, p: dict
) -> pd.DataFrame:
    mk = p["market"]
    n_t = len(periods)
    n_k, n_g = len(SECTORS), len(REGIONS)
    t = np.arange(n_t, dtype=float)
    path = market["paths"]
    nat_log = mk["national_trend"] * t + path["national"]
    reg_log = nat_log[:, None] + market["region_trend"][None, :] * t[:, None] + path["region"]
    sec_log = (
        (
            mk["national_trend"] + market["sector_trend"][:, None] + market["region_trend"][None, :]
        ).reshape(1, n_k * n_g)
        * t[:, None]
        + np.repeat(market["sector_beta"], n_g)[None, :] * path["national"][:, None]
        + np.repeat(path["sector"], n_g, axis=1)
        + np.tile(path["region"], (1, n_k))
        + path["pair"]
        + path["momentum"]
    )
    sd = mk["index_measurement_log_sd"]

    def index(x):
        return np.round(100.0 * np.exp(x + sd * rng.standard_normal(x.shape)), 2)

    divisions = [s.division for s in SECTORS]
    regions = [r[0] for r in REGIONS]
    frames = [
        pd.DataFrame(
            {
                schema.SECTOR_DIVISION: None,
                schema.REGION_CODE: None,
                schema.PERIOD: periods,
                schema.INDICATOR_NAME: "national_activity_index",
                schema.INDICATOR_VALUE: index(nat_log),
            }
        ),
        pd.DataFrame(
            {
                schema.SECTOR_DIVISION: None,
                schema.REGION_CODE: np.tile(regions, n_t),
                schema.PERIOD: np.repeat(periods.values, n_g),
                schema.INDICATOR_NAME: "regional_activity_index",
                schema.INDICATOR_VALUE: index(reg_log).ravel(),
            }
        ),
        pd.DataFrame(
            {
                schema.SECTOR_DIVISION: np.tile(np.repeat(divisions, n_g), n_t),
                schema.REGION_CODE: np.tile(np.tile(regions, n_k), n_t),
                schema.PERIOD: np.repeat(periods.values, n_k * n_g),
                schema.INDICATOR_NAME: schema.PRODUCTION_INDEX,
                schema.INDICATOR_VALUE: index(sec_log).ravel(),
            }
        ),
    ]
    out = pd.concat(frames, ignore_index=True)[schema.INDICATOR_COLUMNS]
    for col in (schema.SECTOR_DIVISION, schema.REGION_CODE):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _params_used(lat: _Latent, pop: dict, market: dict, records: pd.DataFrame, p: dict) -> dict:
    params = copy.deepcopy(p)
    noise = lat.noise_sd
    n_t = lat.level.shape[1]
    recorded = ~np.isnan(lat.observed_sales)
    month = np.arange(n_t)[None, :]
    in_registry = month >= np.maximum(lat.entry_index, lat.founded_index)[:, None]
    eligible = in_registry & lat.alive  # closed businesses are not "missing"
    params["realised"] = {
        "monthly_log_noise_sd_before_youth": {
            "median": float(np.median(noise)),
            "p10": float(np.quantile(noise, 0.1)),
            "p90": float(np.quantile(noise, 0.9)),
        },
        "level_rw_sd_median": float(np.median(lat.rw_sd)),
        "share_short": float(pop["short"].mean()),
        "share_intermittent": float(lat.intermittent.mean()),
        "share_sales_only": float(pop["sales_only"].mean()),
        "share_huge": float(pop["huge"].mean()),
        "share_gappy": float(lat.gappy.mean()),
        "share_months_missing_while_open": (
            float(1 - recorded[eligible].mean()) if eligible.any() else 0.0
        ),
        "share_closed_by_end": float(1 - lat.alive[:, -1].mean()),
        "share_zero_sales_months": float((records[schema.SALES] == 0).mean()),
        "sector_trend": {s.division: float(v) for s, v in zip(SECTORS, market["sector_trend"],
                                                               strict=True)},
        "region_trend": {r[0]: float(v) for r, v in zip(REGIONS, market["region_trend"],
                                                        strict=True)},
    }  # fmt: skip
    params["sectors"] = [
        {"section": s.section, "division": s.division, "share": s.share, "noise_sd": s.noise_sd,
         "beta": s.beta, "margin": s.margin, "profile": s.profile} for s in SECTORS
    ]  # fmt: skip
    params["regions"] = [{"code": r[0], "name": r[1], "share": r[2], "zone": r[3]}
                         for r in REGIONS]  # fmt: skip
    return params
