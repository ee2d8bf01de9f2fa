"""The active support programmes with their eligibility rules (sectors, regions), as the advice's
rules read them: the one place they are loaded, for one business's advice and for the nightly
batch alike.

Each process keeps what it read for ``PROGRAMMES_CACHE_SECONDS`` (60 s): one business's
advice then costs no queries for them (three queries, ~1.5 ms of a ~13 ms advice, bench/pages.py).
A programme saved or deleted, or its sectors or regions changed, in this process clears the
copy at once (the receivers below); other processes read the change when their copy is that
old. 0 reads them every time.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from businesses.models import SupportProgramme
from core.process_cache import ProcessCache

_PROGRAMMES = ProcessCache("PROGRAMMES_CACHE_SECONDS")


def active_programmes(codes=None) -> list[SupportProgramme]:
    """The active programmes (those whose code is in ``codes``, when given), their sectors and
    regions loaded (``is_eligible`` reads them without a query). Shared by the callers of this
    process: read them, do not change them."""
    programmes = _PROGRAMMES.get(
        "active",
        lambda: list(
            SupportProgramme.objects.filter(active=True)
            .prefetch_related("sectors", "regions")
            .order_by("code")
        ),
    )
    if codes is None:
        return list(programmes)
    wanted = set(codes)
    return [p for p in programmes if p.code in wanted]


@receiver(post_save, sender=SupportProgramme)
@receiver(post_delete, sender=SupportProgramme)
@receiver(m2m_changed, sender=SupportProgramme.sectors.through)
@receiver(m2m_changed, sender=SupportProgramme.regions.through)
def programmes_cache_clear(**_kwargs) -> None:
    """Forget the programmes this process has read (one of them changed here)."""
    _PROGRAMMES.clear()
