"""The REST API, mounted at /api/v1/: the registry endpoints, the model versions, the OpenAPI
schema and its Swagger UI (served from drf-spectacular-sidecar's static files, no CDN)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from businesses.api import BusinessViewSet, MarketIndicatorListView, MonthlyRecordBulkView

from .api_views import ModelVersionListView

router = SimpleRouter()
router.register("businesses", BusinessViewSet, basename="api-business")

urlpatterns = [
    path(
        "monthly-records/bulk/",
        MonthlyRecordBulkView.as_view(),
        name="api-monthly-records-bulk",
    ),
    path("market-indicators/", MarketIndicatorListView.as_view(), name="api-market-indicators"),
    path("model-versions/", ModelVersionListView.as_view(), name="api-model-versions"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]
