from django.urls import path

from portal import views

app_name = "supervision"
urlpatterns = [
    path("", views.supervision_dashboard, name="dashboard"),
    path("reassign/", views.supervision_reassign, name="reassign"),
]
