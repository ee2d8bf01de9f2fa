"""Market data sources: documented providers whose data arrives by itself.

- :mod:`.fetching` — the only outbound HTTP of the product: allow-listed hosts, no private
  addresses, no redirects to other hosts, timeouts, retries with backoff and size limits;
- :mod:`.bcrp` — the BCRPData API: request URLs and the parser of its JSON answers;
- :mod:`.services` — :func:`~.services.source_pull`, fetch → parse → one atomic write through the
  stewardship importer (revisions kept, idempotent), and the source's health;
- :mod:`.selectors` — which sources are due, which are failing;
- :mod:`.demo` — the BCRPData series mapping shipped with the product (a data migration).

Pulls run in Celery (``businesses.tasks.sources_pull_due``, ``source_pull_now``) or in the
foreground (``manage.py pull_sources``); nothing is fetched while a page or an import runs.
"""
