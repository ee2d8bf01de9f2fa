"""SUNAT's padrón reducido del RUC: the streaming parser (padron.py, no Django), the
reconciliation of the registry with it (reconcile.py), the SUNAT data source's download
(source.py), the optional onboarding candidates (onboarding.py) and the admin pages (admin.py)."""
