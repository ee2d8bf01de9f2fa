from django.urls import path

from feedback import views as feedback_views
from portal import business_views as views
from portal.owner_report import views as report_views

app_name = "businesses"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("market/", views.market_trends, name="market_trends"),
    path("export.<str:fmt>", views.caseload_export, name="caseload_export"),
    path("<int:pk>/", views.business_detail, name="detail"),
    path("<int:pk>/advice/request/", views.advice_request_view, name="advice_request"),
    path("<int:pk>/advice/status/", views.advice_status, name="advice_status"),
    path("<int:pk>/advice/section/", views.advice_section, name="advice_section"),
    path(
        "<int:pk>/feedback/recommendation/",
        feedback_views.recommendation_feedback,
        name="recommendation_feedback",
    ),
    path("<int:pk>/feedback/rating/", feedback_views.advice_rating, name="advice_rating"),
    path("<int:pk>/feedback/label/", feedback_views.label_override, name="label_override"),
    path("<int:pk>/feedback/outcome/", views.outcome_record, name="outcome_record"),
    path("<int:pk>/report.pdf", report_views.owner_report_pdf, name="owner_report"),
    path("reports/", report_views.owner_reports, name="owner_reports"),
    path("<int:pk>/visits/", views.visit_record, name="visit_record"),
]
