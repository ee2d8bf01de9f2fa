"""One word for a business across the Spanish interface: "empresa", as the caseload ("Mis
empresas"), the registry and the admin say it. "Negocio" is left only where it names what a
natural person has (RUC 10…) beside the companies (RUC 20…)."""

import gettext
import re

from django.conf import settings

NEGOCIO = re.compile(r"\bnegocios?\b", re.IGNORECASE)
NATURAL_PERSONS = {"persons with business (RUC 10…)", "Natural persons with a business."}


def test_the_spanish_catalog_says_empresa_for_a_business():
    with (settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # ours alone, not Django's own
    outliers = []
    for key, spanish in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key  # (msgid, plural index)
        if msgid and msgid not in NATURAL_PERSONS and NEGOCIO.search(spanish):
            outliers.append(f"{msgid!r}: {spanish!r}")
    assert not outliers, "“negocio” where the interface says “empresa”:\n" + "\n".join(outliers)
    empresa = sum(1 for s in catalog.values() if re.search(r"\bempresas?\b", s, re.I))
    assert empresa > 100  # the dominant term, the one kept
