"""File imports of businesses, monthly records and market indicators (CSV or xlsx).

- :mod:`.reading` — one pass to hash and classify a file (encoding, separator, xlsx safety
  checks), then a streaming row reader;
- :mod:`.values` — reading a cell the Peruvian way (decimal commas, dd/mm/yyyy, Spanish words);
- :mod:`.rows` — the header mapping and the row loop shared by the imports;
- :mod:`.importers` — the three upserts, in bulk;
- :mod:`.services` — :func:`data_import_run`, the atomic service the admin and the
  ``import_data`` command call;
- :mod:`.uploads` — where the admin keeps an uploaded file between preview and confirmation;
- :mod:`.report` — the rejected rows of an import as a CSV download.
"""

from businesses.imports.reading import ImportRefusedError
from businesses.imports.services import ImportReport, data_import_run

__all__ = ["ImportRefusedError", "ImportReport", "data_import_run"]
