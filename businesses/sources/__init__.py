"""Market data sources: documented providers whose data arrives by itself.

- :mod:`.fetching` — the only outbound HTTP of the product: allow-listed hosts, no private
  addresses, no redirects to other hosts, timeouts, retries with backoff and size limits;
- :mod:`.bcrp` — the BCRPData API: request URLs and the parser of its JSON answers;
- :mod:`.services` — :func:`~.services.source_pull`, fetch → parse → one atomic write through the
  stewardship importer (revisions kept, idempotent), and the source's health; a SUNAT padrón
  source is handed to :mod:`businesses.sunat.source` (download to a file, then reconcile);
- :mod:`.selectors` — which sources are due, backing off or failing;
- :mod:`.schedules` — each source's own celery-beat entry, saved and deleted with the source;
- :mod:`.demo` — the BCRPData series mapping shipped with the product (a data migration).

Pulls run in Celery (``businesses.tasks.source_pull_scheduled`` on each source's schedule,
``source_pull_now`` from the admin) or in the foreground (``manage.py pull_sources``); nothing is
fetched while a page or an import runs.
"""
