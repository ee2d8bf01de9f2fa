from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect


@login_required
def home(request):
    if request.user.is_staff and not request.user.groups.exists():
        return redirect("admin:index")
    return redirect("businesses:caseload")


def health(request):
    """Liveness and database readiness, for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
