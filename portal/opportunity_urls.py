from django.urls import path

from portal import opportunity_views as views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_map_page, name="map"),
    path("map.csv", views.opportunity_map_csv, name="csv"),
]
