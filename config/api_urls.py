"""The REST API, mounted at /api/v1/: the registry endpoints, the model versions, the OpenAPI
schema and its Swagger UI (served from drf-spectacular-sidecar's static files, no CDN)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from businesses.api import (
    BusinessViewSet,
    MarketIndicatorListView,
    MarketTrendListView,
    MonthlyRecordBulkView,
)
from forecasting.advice.api import AdviceDetailView, AdviceView
from forecasting.lifecycle.api import ModelVersionListView
from forecasting.predictions.api import (
    PredictionJobCreateView,
    PredictionJobDetailView,
    PredictionResultCsvView,
    PredictionResultListView,
)
from forecasting.statistics_api import StatisticsView
from forecasting.unregistered.api import ForecastBatchView, ForecastView

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
    path("businesses/<str:ruc>/advice/", AdviceView.as_view(), name="api-advice"),
    path(
        "businesses/<str:ruc>/advice/<int:advice_id>/",
        AdviceDetailView.as_view(),
        name="api-advice-detail",
    ),
    path("forecasts/", ForecastView.as_view(), name="api-forecasts"),
    path("forecasts/batch/", ForecastBatchView.as_view(), name="api-forecasts-batch"),
    path("market-trends/", MarketTrendListView.as_view(), name="api-market-trends"),
    path("statistics/", StatisticsView.as_view(), name="api-statistics"),
    path("prediction-jobs/", PredictionJobCreateView.as_view(), name="api-prediction-jobs"),
    path(
        "prediction-jobs/<int:pk>/",
        PredictionJobDetailView.as_view(),
        name="api-prediction-job",
    ),
    path(
        "prediction-jobs/<int:pk>/results/",
        PredictionResultListView.as_view(),
        name="api-prediction-job-results",
    ),
    path(
        "prediction-jobs/<int:pk>/results.csv",
        PredictionResultCsvView.as_view(),
        name="api-prediction-job-results-csv",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]
