"""Pseudonyms of businesses in the data scientists' dataset: a stable keyed hash.

A business's pseudonym is the first 53 bits of HMAC-SHA256(key, "business:" + RUC), a whole
number below 2**53 (exact in a double, so spreadsheets, R and JavaScript read it unchanged).
The same key gives the same pseudonym in every export, so exports can be joined over time;
without the key nobody can compute it from a RUC (a plain hash of a RUC could be reversed by
trying the few million RUCs there are). The key is ``settings.DATASET_KEY``
(``ASESOR_DATASET_KEY``), else one derived from ``SECRET_KEY`` (HMAC-SHA256 of a fixed label):
changing either changes every pseudonym. The key never leaves the server; the export names
only its key id (a hash of the key), which tells whether two exports share pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings

PSEUDONYM_BITS = 53
_DERIVATION_LABEL = b"asesor-mype dataset pseudonyms v1"


def dataset_key() -> bytes:
    """The pseudonymisation key: ``DATASET_KEY`` when set, else derived from ``SECRET_KEY``."""
    configured = getattr(settings, "DATASET_KEY", None)
    if configured:
        return str(configured).encode()
    return hmac.new(str(settings.SECRET_KEY).encode(), _DERIVATION_LABEL, hashlib.sha256).digest()


def key_source() -> str:
    """Where the key comes from: ``"ASESOR_DATASET_KEY"`` or ``"SECRET_KEY"`` (derived)."""
    return "ASESOR_DATASET_KEY" if getattr(settings, "DATASET_KEY", None) else "SECRET_KEY"


def key_id(key: bytes | None = None) -> str:
    """A short public name of the key (12 hex digits of HMAC(key, "key id"))."""
    key = dataset_key() if key is None else key
    return hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:12]


def pseudonym(ruc: str, key: bytes | None = None) -> int:
    """The pseudonym of the business with this RUC (an int below 2**53)."""
    key = dataset_key() if key is None else key
    digest = hmac.new(key, b"business:" + str(ruc).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - PSEUDONYM_BITS)


def pseudonyms(rucs: Iterable[str], key: bytes | None = None) -> list[int]:
    key = dataset_key() if key is None else key
    return [pseudonym(ruc, key) for ruc in rucs]
