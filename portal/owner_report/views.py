"""The owner's report: the PDF download of the business page, and the list of reports produced
(the audit trail, scoped like everything else)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from feedback.selectors import owner_report_list
from portal.owner_report.services import owner_report_produce


@login_required
@require_GET
def owner_report_pdf(request, pk: int):
    produced = owner_report_produce(user=request.user, business_id=pk, language=get_language())
    response = HttpResponse(produced.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    # A business's figures: never kept by a shared computer's browser or a proxy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def owner_reports(request):
    page = Paginator(owner_report_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "feedback/owner_report_list.html", {"page": page})
