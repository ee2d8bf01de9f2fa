"""What the registry tells the apps above it, without knowing them.

``data_imported`` is sent by the import service (:mod:`businesses.imports.services`) inside
the import's transaction, after a successful, non-dry-run import; arguments ``data_import`` and
``user``. A receiver may return a note (text) for the import's report, e.g. that a training run
was queued (forecasting connects its retraining there).
"""

from django.dispatch import Signal

data_imported = Signal()
