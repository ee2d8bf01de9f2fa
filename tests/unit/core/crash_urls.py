"""The product's URLs plus two views that crash, one in the portal and one under /api/, to
reach handler500 (core.api_errors.server_error) through the real middleware."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash), path("api/v1/crash/", crash), *product_urlpatterns]
