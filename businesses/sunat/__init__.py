"""SUNAT's padrón reducido del RUC: the streaming parser (padron.py, no Django) and the
reconciliation of the registry with it (reconcile.py)."""
