"""How a business is found and sorted by name: one normalisation for what is stored
(``Business.search_text`` and ``Business.sort_name``, kept by the model and by every bulk
writer) and for what the user types, so "garcia", "García" and "GARCÍA" are the same word and
"pena" finds "Peña".

On PostgreSQL a trigram GIN index on ``search_text`` (migration 0012) lets the ``LIKE
'%word%'`` of each typed word use an index instead of reading the table; the column is already
lower-case, so the query uses ``contains`` (``icontains`` would wrap the column in ``UPPER()``
and miss the index).
"""

from __future__ import annotations

import unicodedata

from django.db.models import QuerySet


def search_key(text: str) -> str:
    """``text`` case-folded, without accents (NFKD, combining marks dropped, so ñ is n) and with
    its whitespace collapsed to single spaces: "  Panadería  Ñusta" → "panaderia nusta"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_columns(*, ruc: str, legal_name: str, trade_name: str) -> dict[str, str]:
    """The stored search columns of a business: what a word typed may match (RUC, trade name,
    legal name) and the name the caseload shows and sorts on (the trade name, else the legal
    name)."""
    return {
        "search_text": search_key(f"{ruc} {trade_name} {legal_name}"),
        "sort_name": search_key(trade_name.strip() or legal_name),
    }


def businesses_matching(businesses: QuerySet, typed: str) -> QuerySet:
    """``businesses`` whose RUC starts with ``typed`` when it is all digits; otherwise those
    whose RUC or names contain every word of ``typed``, in any order, ignoring case and
    accents."""
    typed = typed.strip()
    if not typed:
        return businesses
    if typed.isdigit():
        return businesses.filter(ruc__startswith=typed)
    for word in search_key(typed).split():
        businesses = businesses.filter(search_text__contains=word)
    return businesses
