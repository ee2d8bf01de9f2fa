"""Producing the owner's report: the PDF an advisor hands to a business owner after a visit.

Each report produced is recorded (:class:`feedback.models.OwnerReport`: who, when, which
business, advice and recommendations, which language) so supervisors can see what left the
office in the ministry's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from businesses.scoping import get_visible_business_or_404
from core.pdf import pdf_render
from feedback.models import OwnerReport
from portal.owner_report.presenter import owner_report_context

REPORT_LANGUAGES = ("es", "en")


def report_language(language: str | None) -> str:
    """The report's language: English for an advisor working in English, else Spanish."""
    return "en" if (language or "").lower().startswith("en") else "es"


@dataclass(frozen=True)
class ProducedReport:
    pdf: bytes
    record: OwnerReport
    filename: str


def owner_report_produce(*, user, business_id, language: str | None) -> ProducedReport:
    """Render the owner's report of a business the user may see (404 otherwise), as a PDF in
    ``language`` (es or en), and record that it was produced. No transaction around the
    rendering: on SQLite a write transaction would hold the database lock while pango works;
    the record is one INSERT once the PDF exists."""
    business = get_visible_business_or_404(user, business_id)
    language = report_language(language)
    with translation.override(language):
        context = owner_report_context(business=business, user=user)
        html = render_to_string("feedback/owner_report.html", context)
        stem = "report" if language == "en" else "informe"
    rendered = pdf_render(html)
    record = OwnerReport(
        created_by=user,
        business=business,
        advice=context["advice"],
        language=language,
        recommendations=[rec.pk for rec in context["recommendations"]],
        pages=rendered.pages,
        size_bytes=len(rendered.content),
    )
    record.full_clean()
    record.save()
    filename = f"{stem}-{business.ruc}-{context['today']:%Y-%m-%d}.pdf"
    return ProducedReport(pdf=rendered.content, record=record, filename=filename)
