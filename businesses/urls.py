from django.urls import path

from . import views

app_name = "businesses"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("<int:pk>/", views.business_detail, name="detail"),
]
