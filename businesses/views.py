from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from feedback.forms import OutcomeForm
from forecasting.views import advice_section_context
from portal.roles import get_visible_business_or_404

from .selectors import business_list


@login_required
def caseload(request):
    search = request.GET.get("q", "")
    page = Paginator(business_list(user=request.user, search=search), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "businesses/caseload.html", {"page": page, "search": search})


@login_required
def business_detail(request, pk: int):
    business = get_visible_business_or_404(request.user, pk)
    context = advice_section_context(request, business)
    context["outcome_form"] = OutcomeForm()
    return render(request, "businesses/detail.html", context)
